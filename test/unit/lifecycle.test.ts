import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GateDefinition, ProcessDefinition } from '../../functions/domain/definition.ts';
import { parseProcessDefinition } from '../../functions/domain/definition-schema.ts';
import {
  afterOutcome,
  atIntake,
  type ProposalFields,
  recycleTarget,
  skippedGates,
  skipReason,
  type Transition,
} from '../../functions/domain/lifecycle.ts';
import { OUTCOMES, type Outcome } from '../../functions/domain/outcomes.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

const DEMO_SKIP = 'estimatedCost < 50000 and risk = "low"';
const SMALL: ProposalFields = { estimatedCost: 20_000, risk: 'low' };
const LARGE: ProposalFields = { estimatedCost: 250_000, risk: 'medium' };

interface GateSketch {
  id: string;
  opens?: 'immediately' | 'on-submission';
  skipWhen?: string;
}

/** A valid process of the demo's fields, with one gate per sketch (parsed, so every rule is checked). */
function processOf(...sketches: GateSketch[]): ProcessDefinition {
  const template = DEMO_DEFINITION.gates[2] as GateDefinition;
  const gates = sketches.map(({ id, opens, skipWhen }) => ({
    ...structuredClone(template),
    id,
    name: `Gate ${id}`,
    // A gate that opens immediately has no stage to submit deliverables in.
    ...(opens ? { opens, ...(opens === 'immediately' ? { deliverables: [] } : {}) } : {}),
    ...(skipWhen ? { skipWhen } : {}),
  }));
  const parsed = parseProcessDefinition({ ...structuredClone(DEMO_DEFINITION), gates });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
}

const ALWAYS = 'estimatedCost >= 0';
const NEVER = 'estimatedCost < 0';
const FIELDS: ProposalFields = { estimatedCost: 1000, risk: 'high' };

describe('atIntake', () => {
  it('opens the demo idea screen straight away: its first gate opens immediately', () => {
    // Prepare
    const fields = LARGE;

    // Act
    const transition = atIntake(DEMO_DEFINITION, fields);

    // Assess
    expect(transition).toEqual({ next: { route: 'open-gate', gateId: 'scoping' }, skipped: [] });
  });

  it('starts the stage before the first gate when that gate opens on submission', () => {
    // Prepare
    const definition = processOf({ id: 'one' }, { id: 'two' });

    // Act
    const transition = atIntake(definition, FIELDS);

    // Assess
    expect(definition.gates[0]?.opens).toBe('on-submission'); // the default
    expect(transition).toEqual({ next: { route: 'stage', gateId: 'one' }, skipped: [] });
  });

  it('skips a first gate whose rule holds, recording the rule as written', () => {
    // Prepare
    const definition = processOf({ id: 'one', skipWhen: ALWAYS }, { id: 'two', opens: 'immediately' });

    // Act
    const transition = atIntake(definition, FIELDS);

    // Assess
    expect(transition).toEqual({
      next: { route: 'open-gate', gateId: 'two' },
      skipped: [{ gateId: 'one', rule: ALWAYS }],
    });
  });

  it('skips several leading gates, in order, each with its own rule', () => {
    // Prepare
    const rule2 = 'risk in ("high", "medium")';
    const definition = processOf(
      { id: 'one', skipWhen: ALWAYS },
      { id: 'two', skipWhen: rule2 },
      { id: 'three' },
    );

    // Act
    const transition = atIntake(definition, FIELDS);

    // Assess
    expect(transition).toEqual({
      next: { route: 'stage', gateId: 'three' },
      skipped: [
        { gateId: 'one', rule: ALWAYS },
        { gateId: 'two', rule: rule2 },
      ],
    });
  });

  it('goes straight to close-out as completed when every gate is skipped', () => {
    // Prepare
    const definition = processOf({ id: 'one', skipWhen: ALWAYS }, { id: 'two', skipWhen: 'risk = "high"' });

    // Act
    const transition = atIntake(definition, FIELDS);

    // Assess
    expect(transition).toEqual({
      next: { route: 'close-out', reason: 'completed' },
      skipped: [
        { gateId: 'one', rule: ALWAYS },
        { gateId: 'two', rule: 'risk = "high"' },
      ],
    });
  });

  it('does not skip on a rule over a field the proposal left empty, unless the rule is negated', () => {
    // Prepare
    const definition = processOf(
      { id: 'one', skipWhen: 'targetDate < "2031-01-01"' },
      { id: 'two', skipWhen: 'not (targetDate < "2031-01-01")' },
      { id: 'three' },
    );

    // Act
    const transition = atIntake(definition, FIELDS);

    // Assess
    expect(transition).toEqual({
      next: { route: 'stage', gateId: 'one' },
      skipped: [],
    });
    expect(skippedGates(definition, FIELDS)).toEqual(['two']);
  });
});

describe('afterOutcome — Go and Conditional Go', () => {
  it.each(['go', 'conditional-go'] as const)(
    '%s on the idea screen starts the stage before the business case',
    (outcome) => {
      // Prepare
      const decided = { gateId: 'scoping', outcome };

      // Act
      const transition = afterOutcome(DEMO_DEFINITION, LARGE, decided);

      // Assess
      expect(transition).toEqual({ next: { route: 'stage', gateId: 'business-case' }, skipped: [] });
    },
  );

  it('passes over the business case for a small low-risk project, saying why', () => {
    // Prepare
    const decided = { gateId: 'scoping', outcome: 'go' as const };

    // Act
    const transition = afterOutcome(DEMO_DEFINITION, SMALL, decided);

    // Assess
    expect(transition).toEqual({
      next: { route: 'stage', gateId: 'launch' },
      skipped: [{ gateId: 'business-case', rule: DEMO_SKIP }],
    });
  });

  it('skips a middle gate and opens the one after it at once when it opens immediately', () => {
    // Prepare
    const definition = processOf(
      { id: 'one' },
      { id: 'two', skipWhen: ALWAYS },
      { id: 'three', opens: 'immediately' },
    );

    // Act
    const transition = afterOutcome(definition, FIELDS, { gateId: 'one', outcome: 'go' });

    // Assess
    expect(transition).toEqual({
      next: { route: 'open-gate', gateId: 'three' },
      skipped: [{ gateId: 'two', rule: ALWAYS }],
    });
  });

  it('skips a last gate and closes the project out as completed', () => {
    // Prepare
    const definition = processOf({ id: 'one' }, { id: 'two' }, { id: 'three', skipWhen: ALWAYS });

    // Act
    const transition = afterOutcome(definition, FIELDS, { gateId: 'two', outcome: 'conditional-go' });

    // Assess
    expect(transition).toEqual({
      next: { route: 'close-out', reason: 'completed' },
      skipped: [{ gateId: 'three', rule: ALWAYS }],
    });
  });

  it('does not look back: a skip rule on an earlier gate is not reported again', () => {
    // Prepare
    const definition = processOf({ id: 'one', skipWhen: ALWAYS }, { id: 'two' }, { id: 'three' });

    // Act
    const transition = afterOutcome(definition, FIELDS, { gateId: 'two', outcome: 'go' });

    // Assess
    expect(transition).toEqual({ next: { route: 'stage', gateId: 'three' }, skipped: [] });
  });

  it.each(['go', 'conditional-go'] as const)(
    '%s on the last gate closes the project out as completed',
    (outcome) => {
      // Prepare
      const decided = { gateId: 'launch', outcome };

      // Act
      const transition = afterOutcome(DEMO_DEFINITION, LARGE, decided);

      // Assess
      expect(transition).toEqual({ next: { route: 'close-out', reason: 'completed' }, skipped: [] });
    },
  );

  it('a single-gate process completes on Go', () => {
    // Prepare
    const single: ProcessDefinition = { ...DEMO_DEFINITION, gates: DEMO_DEFINITION.gates.slice(0, 1) };

    // Act
    const transition = afterOutcome(single, LARGE, { gateId: 'scoping', outcome: 'go' });

    // Assess
    expect(transition).toEqual({ next: { route: 'close-out', reason: 'completed' }, skipped: [] });
  });
});

describe('afterOutcome — Hold, Kill, Recycle', () => {
  it('hold parks the project on the gate it was decided at', () => {
    // Prepare
    const decided = { gateId: 'business-case', outcome: 'hold' as const };

    // Act
    const transition = afterOutcome(DEMO_DEFINITION, LARGE, decided);

    // Assess
    expect(transition).toEqual({ next: { route: 'hold', gateId: 'business-case' }, skipped: [] });
  });

  it('kill closes the project out as killed', () => {
    // Prepare
    const decided = { gateId: 'business-case', outcome: 'kill' as const };

    // Act
    const transition = afterOutcome(DEMO_DEFINITION, LARGE, decided);

    // Assess
    expect(transition).toEqual({ next: { route: 'close-out', reason: 'killed' }, skipped: [] });
  });

  it('recycle to a gate that opens immediately reopens it at once', () => {
    // Prepare
    const decided = { gateId: 'launch', outcome: 'recycle' as const, recycleTo: 'scoping' };

    // Act
    const transition = afterOutcome(DEMO_DEFINITION, LARGE, decided);

    // Assess
    expect(transition).toEqual({ next: { route: 'open-gate', gateId: 'scoping' }, skipped: [] });
  });

  it('recycle to a gate that opens on submission goes back to the stage before it', () => {
    // Prepare
    const decided = { gateId: 'launch', outcome: 'recycle' as const, recycleTo: 'business-case' };

    // Act
    const transition = afterOutcome(DEMO_DEFINITION, LARGE, decided);

    // Assess
    expect(transition).toEqual({ next: { route: 'stage', gateId: 'business-case' }, skipped: [] });
  });

  it.each([
    ['opens on submission', 'business-case', 'stage'],
    ['opens immediately', 'scoping', 'open-gate'],
  ] as const)(
    'recycle without a target (a deadline) goes back to the same gate, which %s',
    (_name, gateId, route) => {
      // Prepare
      const decided = { gateId, outcome: 'recycle' as const };

      // Act
      const transition = afterOutcome(DEMO_DEFINITION, LARGE, decided);

      // Assess
      expect(transition).toEqual({ next: { route, gateId }, skipped: [] });
    },
  );

  it('property: every transition from any demo gate follows the outcome semantics', () => {
    const gateIds = DEMO_DEFINITION.gates.map((g) => g.id);
    const fieldsArb = fc.record({
      estimatedCost: fc.integer({ min: 0, max: 200_000 }),
      risk: fc.constantFrom('low', 'medium', 'high'),
    });
    fc.assert(
      fc.property(
        fc.nat({ max: gateIds.length - 1 }),
        fc.nat({ max: gateIds.length - 1 }),
        fieldsArb,
        (index, recycleIndex, fields) => {
          // Prepare
          const gateId = gateIds[index] as string;
          const target = gateIds[Math.min(recycleIndex, index)] as string;
          const skipsCase = fields.estimatedCost < 50_000 && fields.risk === 'low';
          const later = gateIds.slice(index + 1).filter((id) => !(skipsCase && id === 'business-case'));
          const next = later[0];
          const opensOf = (id: string) => DEMO_DEFINITION.gates.find((g) => g.id === id)?.opens;

          // Act
          const outcomes = Object.fromEntries(
            OUTCOMES.map((outcome) => [
              outcome,
              afterOutcome(DEMO_DEFINITION, fields, { gateId, outcome, recycleTo: target }).next,
            ]),
          ) as Record<Outcome, Transition['next']>;

          // Assess
          const passed = next
            ? { route: opensOf(next) === 'immediately' ? 'open-gate' : 'stage', gateId: next }
            : { route: 'close-out', reason: 'completed' };
          expect(outcomes).toEqual({
            go: passed,
            'conditional-go': passed,
            hold: { route: 'hold', gateId },
            recycle: { route: opensOf(target) === 'immediately' ? 'open-gate' : 'stage', gateId: target },
            kill: { route: 'close-out', reason: 'killed' },
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('afterOutcome — gates outside the definition', () => {
  it('refuses to move on from a gate the definition does not have', () => {
    // Prepare
    const decided = { gateId: 'no-such-gate', outcome: 'go' as const };

    // Act
    const act = () => afterOutcome(DEMO_DEFINITION, LARGE, decided);

    // Assess
    expect(act).toThrow('gate no-such-gate is not in standard v1');
  });

  it('refuses to recycle to a gate the definition does not have', () => {
    // Prepare
    const decided = { gateId: 'launch', outcome: 'recycle' as const, recycleTo: 'nowhere' };

    // Act
    const act = () => afterOutcome(DEMO_DEFINITION, LARGE, decided);

    // Assess
    expect(act).toThrow('recycle target nowhere is not in standard');
  });
});

describe('skipReason / skippedGates', () => {
  it('gives the rule as written when it holds, and nothing otherwise', () => {
    // Prepare
    const gateId = 'business-case';

    // Act
    const reasons = [
      skipReason(DEMO_DEFINITION, gateId, SMALL),
      skipReason(DEMO_DEFINITION, gateId, LARGE),
      skipReason(DEMO_DEFINITION, 'scoping', SMALL),
      skipReason(DEMO_DEFINITION, 'no-such-gate', SMALL),
    ];

    // Assess
    expect(reasons).toEqual([DEMO_SKIP, undefined, undefined, undefined]);
  });

  it('lists every gate a project skips, in process order', () => {
    // Prepare
    const definition = processOf(
      { id: 'one', skipWhen: ALWAYS },
      { id: 'two', skipWhen: NEVER },
      { id: 'three', skipWhen: 'risk = "high"' },
      { id: 'four' },
    );

    // Act
    const skipped = skippedGates(definition, FIELDS);

    // Assess
    expect(skipped).toEqual(['one', 'three']);
    expect(skippedGates(DEMO_DEFINITION, SMALL)).toEqual(['business-case']);
    expect(skippedGates(DEMO_DEFINITION, LARGE)).toEqual([]);
  });
});

describe('recycleTarget', () => {
  it('goes back to the earliest gate any Recycle vote named, ignoring other votes', () => {
    // Prepare
    const votes = [
      { outcome: 'recycle' as const, recycleTo: 'business-case' },
      { outcome: 'hold' as const },
      { outcome: 'recycle' as const, recycleTo: 'scoping' },
      { outcome: 'go' as const, recycleTo: 'launch' },
    ];

    // Act
    const target = recycleTarget(DEMO_DEFINITION, votes);

    // Assess
    expect(target).toBe('scoping');
  });

  it('is undefined when no Recycle vote named a gate', () => {
    // Prepare
    const votes = [
      { outcome: 'hold' as const },
      { outcome: 'recycle' as const },
      { outcome: 'kill' as const },
    ];

    // Act
    const target = recycleTarget(DEMO_DEFINITION, votes);

    // Assess
    expect(target).toBeUndefined();
    expect(recycleTarget(DEMO_DEFINITION, [])).toBeUndefined();
  });

  it('ignores a target the definition lacks instead of taking it as the earliest', () => {
    // Prepare: version 2 dropped the idea screen; one approver named it, the other the business case
    const v2 = processOf({ id: 'business-case' }, { id: 'launch' });
    const votes = [
      { outcome: 'recycle' as const, recycleTo: 'scoping' },
      { outcome: 'recycle' as const, recycleTo: 'business-case' },
    ];

    // Act
    const target = recycleTarget(v2, votes);
    const onlyMissing = recycleTarget(v2, [{ outcome: 'recycle', recycleTo: 'scoping' }]);

    // Assess
    expect(target).toBe('business-case');
    expect(onlyMissing).toBeUndefined();
    expect(afterOutcome(v2, LARGE, { gateId: 'launch', outcome: 'recycle', recycleTo: target })).toEqual({
      next: { route: 'stage', gateId: 'business-case' },
      skipped: [],
    });
  });

  it('property: the earliest named gate, whatever the order of the votes', () => {
    const gateIds = DEMO_DEFINITION.gates.map((g) => g.id);
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            { outcome: fc.constantFrom(...OUTCOMES), recycleTo: fc.constantFrom(...gateIds) },
            { requiredKeys: ['outcome'] },
          ),
          { maxLength: 6 },
        ),
        (votes) => {
          // Prepare
          const named = votes.filter((v) => v.outcome === 'recycle' && v.recycleTo).map((v) => v.recycleTo);
          const expected = gateIds.find((id) => named.includes(id));

          // Act
          const target = recycleTarget(DEMO_DEFINITION, votes);
          const reversed = recycleTarget(DEMO_DEFINITION, [...votes].reverse());

          // Assess
          expect(target).toBe(expected);
          expect(reversed).toBe(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
