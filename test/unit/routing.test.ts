import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import { recycleTarget, routeAfter } from '../../functions/domain/routing.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

const GATE_IDS = DEMO_DEFINITION.gates.map((g) => g.id);

describe('routeAfter', () => {
  it.each(['go', 'conditional-go'] as const)(
    '%s on the first gate opens the second with the next sequence',
    (outcome) => {
      // Prepare
      const current = { gateId: 'scoping', sequence: 1 };

      // Act
      const route = routeAfter(DEMO_DEFINITION, current, outcome);

      // Assess
      expect(route).toEqual({ route: 'open-gate', gateId: 'business-case', sequence: 2 });
    },
  );

  it.each(['go', 'conditional-go'] as const)(
    '%s on the last gate closes the project out as completed',
    (outcome) => {
      // Prepare
      const current = { gateId: 'launch', sequence: 7 };

      // Act
      const route = routeAfter(DEMO_DEFINITION, current, outcome);

      // Assess
      expect(route).toEqual({ route: 'close-out', reason: 'completed' });
    },
  );

  it('kill closes the project out as killed', () => {
    // Prepare
    const current = { gateId: 'business-case', sequence: 2 };

    // Act
    const route = routeAfter(DEMO_DEFINITION, current, 'kill');

    // Assess
    expect(route).toEqual({ route: 'close-out', reason: 'killed' });
  });

  it('recycle reopens the target gate as a new instance', () => {
    // Prepare
    const current = { gateId: 'launch', sequence: 3 };

    // Act
    const route = routeAfter(DEMO_DEFINITION, current, 'recycle', 'scoping');

    // Assess
    expect(route).toEqual({ route: 'open-gate', gateId: 'scoping', sequence: 4 });
  });

  it('recycle without a target reopens the current gate (as at a deadline)', () => {
    // Prepare
    const current = { gateId: 'business-case', sequence: 5 };

    // Act
    const route = routeAfter(DEMO_DEFINITION, current, 'recycle');

    // Assess
    expect(route).toEqual({ route: 'open-gate', gateId: 'business-case', sequence: 6 });
  });

  it('hold parks the project on the current gate', () => {
    // Prepare
    const current = { gateId: 'business-case', sequence: 2 };

    // Act
    const route = routeAfter(DEMO_DEFINITION, current, 'hold');

    // Assess
    expect(route).toEqual({ route: 'hold', gateId: 'business-case', sequence: 3 });
  });

  it('a single-gate process completes on Go', () => {
    // Prepare
    const single: ProcessDefinition = { ...DEMO_DEFINITION, gates: DEMO_DEFINITION.gates.slice(0, 1) };

    // Act
    const route = routeAfter(single, { gateId: 'scoping', sequence: 1 }, 'go');

    // Assess
    expect(route).toEqual({ route: 'close-out', reason: 'completed' });
  });

  it('property: every route from any gate follows the outcome semantics', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: GATE_IDS.length - 1 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.nat({ max: GATE_IDS.length - 1 }),
        (index, sequence, recycleIndex) => {
          // Prepare
          const gateId = GATE_IDS[index] as string;
          const current = { gateId, sequence };
          const target = GATE_IDS[Math.min(recycleIndex, index)] as string;
          const nextGate = GATE_IDS[index + 1];

          // Act
          const routes = {
            go: routeAfter(DEMO_DEFINITION, current, 'go'),
            conditional: routeAfter(DEMO_DEFINITION, current, 'conditional-go'),
            hold: routeAfter(DEMO_DEFINITION, current, 'hold'),
            recycle: routeAfter(DEMO_DEFINITION, current, 'recycle', target),
            kill: routeAfter(DEMO_DEFINITION, current, 'kill'),
          };

          // Assess
          const passed = nextGate
            ? { route: 'open-gate', gateId: nextGate, sequence: sequence + 1 }
            : { route: 'close-out', reason: 'completed' };
          expect(routes).toEqual({
            go: passed,
            conditional: passed,
            hold: { route: 'hold', gateId, sequence: sequence + 1 },
            recycle: { route: 'open-gate', gateId: target, sequence: sequence + 1 },
            kill: { route: 'close-out', reason: 'killed' },
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('routeAfter — a gate outside the definition', () => {
  it('refuses to route from a gate the definition does not have', () => {
    // Prepare
    const current = { gateId: 'no-such-gate', sequence: 4 };

    // Act
    const act = () => routeAfter(DEMO_DEFINITION as ProcessDefinition, current, 'go');

    // Assess
    expect(act).toThrow('gate no-such-gate is not in standard v1');
  });
});

describe('recycleTarget', () => {
  it('goes back to the earliest gate any Recycle vote named, ignoring other votes', () => {
    // Prepare
    const definition = DEMO_DEFINITION as ProcessDefinition;
    const votes = [
      { outcome: 'recycle' as const, recycleTo: 'business-case' },
      { outcome: 'hold' as const },
      { outcome: 'recycle' as const, recycleTo: 'scoping' },
      { outcome: 'go' as const, recycleTo: 'launch' },
    ];

    // Act
    const target = recycleTarget(definition, votes);

    // Assess
    expect(target).toBe('scoping');
    expect(recycleTarget(definition, [{ outcome: 'hold' }])).toBeUndefined();
  });
});
