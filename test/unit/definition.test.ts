import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findGate,
  type GateDefinition,
  gateIndex,
  type ProcessDefinition,
  parseProcessDefinition,
  resolveApprovers,
} from '../../functions/domain/definition.ts';
import type { Parsed } from '../../functions/domain/validation.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

function paths<T>(result: Parsed<T>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.path);
}

function demo(): ProcessDefinition {
  return structuredClone(DEMO_DEFINITION);
}

/** The demo with gate `index` changed by `change`. */
function withGate(index: number, change: (gate: GateDefinition) => Record<string, unknown>): unknown {
  const definition = demo();
  const gates: unknown[] = [...definition.gates];
  gates[index] = change(definition.gates[index] as GateDefinition);
  return { ...definition, gates };
}

/** The demo with one property somewhere replaced by an arbitrary value. */
const mutatedDemoArb = fc
  .tuple(fc.nat(), fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined)))
  .map(([pick, replacement]) => {
    const definition = demo() as unknown as Record<string, unknown>;
    const holders: Record<string, unknown>[] = [];
    const collect = (value: unknown) => {
      if (value && typeof value === 'object') {
        holders.push(value as Record<string, unknown>);
        for (const v of Object.values(value)) collect(v);
      }
    };
    collect(definition);
    const holder = holders[pick % holders.length] as Record<string, unknown>;
    const keys = Object.keys(holder);
    const key = keys.length > 0 ? (keys[pick % keys.length] as string) : 'extra';
    holder[key] = replacement;
    return definition;
  });

describe('parseProcessDefinition — valid definitions', () => {
  it('accepts the demo definition unchanged', () => {
    // Prepare
    const input = demo();

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result).toEqual({ ok: true, value: DEMO_DEFINITION });
  });

  it('trims texts and lower-cases approver e-mails', () => {
    // Prepare
    const input = withGate(0, (g) => ({
      ...g,
      name: '  Gate 1  ',
      approvers: [{ email: 'Ana.Approver@Example.COM', name: ' Ana ' }],
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.gates[0]).toMatchObject({
      name: 'Gate 1',
      approvers: [{ email: 'ana.approver@example.com', name: 'Ana' }],
    });
  });

  it('accepts a quorum equal to the number of approvers, and a reminder before the deadline', () => {
    // Prepare
    const input = withGate(1, (g) => ({
      ...g,
      approvers: [{ role: 'sponsor' }, { email: 'cfo@example.com' }],
      rule: { kind: 'quorum', count: 2 },
      sla: { decideWithinHours: 48, remindAfterHours: 47, atDeadline: 'kill' },
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result.ok).toBe(true);
  });
});

describe('parseProcessDefinition — problems named by path', () => {
  it('rejects a gate id used twice, at the second use', () => {
    // Prepare
    const input = withGate(2, (g) => ({ ...g, id: 'scoping' }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.2.id']);
    expect(result.ok ? '' : result.problems[0]?.message).toContain('scoping');
  });

  it('rejects a quorum larger than the approvers', () => {
    // Prepare
    const input = withGate(1, (g) => ({
      ...g,
      approvers: [{ role: 'sponsor' }, { email: 'cfo@example.com' }],
      rule: { kind: 'quorum', count: 3 },
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.1.rule.count']);
  });

  it.each([
    ['equal to', 72],
    ['after', 100],
  ])('rejects a reminder %s the deadline', (_name, remindAfterHours) => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, sla: { ...g.sla, decideWithinHours: 72, remindAfterHours } }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.0.sla.remindAfterHours']);
  });

  it('rejects a gate without approvers', () => {
    // Prepare
    const input = withGate(1, (g) => ({ ...g, approvers: [] }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.1.approvers']);
  });

  it.each([
    ['upper case', 'Standard'],
    ['a space', 'standard process'],
    ['a leading dash', '-standard'],
    ['an underscore', 'standard_v2'],
    ['64 characters', 'a'.repeat(64)],
    ['nothing', ''],
  ])('rejects a process id with %s', (_name, id) => {
    // Prepare
    const input = { ...demo(), id };

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['id']);
  });

  it('rejects a bad gate slug and a bad criterion slug by their paths', () => {
    // Prepare
    const input = withGate(0, (g) => ({
      ...g,
      id: 'Gate One',
      criteria: { ...g.criteria, mustMeet: [{ id: 'Fit!', text: 'Fits' }] },
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.0.id', 'gates.0.criteria.mustMeet.0.id']);
  });

  it('rejects an unknown top-level property, naming it', () => {
    // Prepare
    const input = { ...demo(), owner: 'pmo' };

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: '(root)', message: expect.stringContaining('owner') }],
    });
  });

  it('rejects an unknown property inside a gate, at that gate', () => {
    // Prepare
    const input = withGate(2, (g) => ({ ...g, colour: 'red' }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'gates.2', message: expect.stringContaining('colour') }],
    });
  });

  it('rejects an approver that is neither the sponsor role nor an e-mail', () => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, approvers: [{ role: 'ceo' }] }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.0.approvers.0']);
  });

  it('rejects an approver e-mail that is not an e-mail', () => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, approvers: [{ email: 'not-an-email' }] }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result.ok).toBe(false);
    expect(paths(result)[0]).toMatch(/^gates\.0\.approvers\.0/);
  });

  it.each([
    ['quorum of 0', { kind: 'quorum', count: 0 }, 'gates.0.rule.count'],
    ['fractional quorum', { kind: 'quorum', count: 1.5 }, 'gates.0.rule.count'],
    ['percentage of 0', { kind: 'percentage', percent: 0 }, 'gates.0.rule.percent'],
    ['percentage above 100', { kind: 'percentage', percent: 101 }, 'gates.0.rule.percent'],
    ['unknown kind', { kind: 'majority' }, 'gates.0.rule.kind'],
  ])('rejects a rule with a %s', (_name, rule, path) => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, rule }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual([path]);
  });

  it('rejects a criterion id used twice within a gate', () => {
    // Prepare
    const input = withGate(0, (g) => ({
      ...g,
      criteria: { ...g.criteria, mustMeet: [{ id: 'value', text: 'Has value' }] },
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.0.criteria']);
  });

  it('rejects a deadline outcome that is an approval', () => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, sla: { ...g.sla, atDeadline: 'go' } }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.0.sla.atDeadline']);
  });

  it('rejects no gates and more than 20 gates', () => {
    // Prepare
    const gate = DEMO_DEFINITION.gates[0] as GateDefinition;
    const none = { ...demo(), gates: [] };
    const tooMany = {
      ...demo(),
      gates: Array.from({ length: 21 }, (_, i) => ({ ...gate, id: `gate-${i}` })),
    };

    // Act
    const results = [parseProcessDefinition(none), parseProcessDefinition(tooMany)];

    // Assess
    expect(results.map(paths)).toEqual([['gates'], ['gates']]);
  });

  it('reports the cross-field problems of several gates together', () => {
    // Prepare
    const definition = demo();
    const input = {
      ...definition,
      gates: definition.gates.map((g, i) =>
        i === 1
          ? { ...g, id: 'scoping', sla: { ...g.sla, remindAfterHours: 500 } }
          : i === 2
            ? { ...g, rule: { kind: 'quorum', count: 2 } }
            : g,
      ),
    };

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.1.id', 'gates.1.sla.remindAfterHours', 'gates.2.rule.count']);
  });

  it('never throws on arbitrary input; either ok or every problem has a path and a message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), mutatedDemoArb), (input) => {
        // Prepare — input

        // Act
        const result = parseProcessDefinition(input);

        // Assess
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThanOrEqual(1);
          for (const problem of result.problems) {
            expect(problem.path.length).toBeGreaterThan(0);
            expect(problem.message.length).toBeGreaterThan(0);
          }
        } else expect(result.value.gates.length).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 400 },
    );
  });
});

describe('gateIndex / findGate', () => {
  it('finds gates by id, and says so when a gate is not there', () => {
    // Prepare
    const definition = DEMO_DEFINITION;

    // Act
    const indexes = ['scoping', 'business-case', 'launch', 'nope'].map((id) => gateIndex(definition, id));
    const found = findGate(definition, 'launch');
    const missing = findGate(definition, 'nope');

    // Assess
    expect(indexes).toEqual([0, 1, 2, -1]);
    expect(found).toBe(definition.gates[2]);
    expect(missing).toBeUndefined();
  });
});

describe('resolveApprovers', () => {
  const project = { sponsorEmail: 'sam.sponsor@example.com' };
  const gate = DEMO_DEFINITION.gates[0] as GateDefinition;

  it("resolves the sponsor role to the project's sponsor", () => {
    // Prepare
    const sponsorGate: GateDefinition = { ...gate, approvers: [{ role: 'sponsor' }] };

    // Act
    const emails = resolveApprovers(sponsorGate, project);

    // Assess
    expect(emails).toEqual(['sam.sponsor@example.com']);
  });

  it('keeps the order and drops repeats, including a named approver who is the sponsor', () => {
    // Prepare
    const mixed: GateDefinition = {
      ...gate,
      approvers: [
        { email: 'cfo@example.com', name: 'CFO' },
        { role: 'sponsor' },
        { email: 'cto@example.com' },
        { email: 'sam.sponsor@example.com' },
        { email: 'cfo@example.com' },
        { role: 'sponsor' },
      ],
    };

    // Act
    const emails = resolveApprovers(mixed, project);

    // Assess
    expect(emails).toEqual(['cfo@example.com', 'sam.sponsor@example.com', 'cto@example.com']);
  });

  it('property: no repeats, nothing invented, first-seen order kept', () => {
    const specArb = fc.oneof(
      fc.constant({ role: 'sponsor' as const }),
      fc
        .constantFrom('a@example.com', 'b@example.com', 'c@example.com', 'sam.sponsor@example.com')
        .map((email) => ({ email })),
    );
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 8 }), (approvers) => {
        // Prepare
        const specified = approvers.map((a) => ('role' in a ? project.sponsorEmail : a.email));
        const firstSeen = specified.filter((email, i) => specified.indexOf(email) === i);

        // Act
        const emails = resolveApprovers({ ...gate, approvers }, project);

        // Assess
        expect(emails).toEqual(firstSeen);
        expect(new Set(emails).size).toBe(emails.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseProcessDefinition — each approver once', () => {
  it('names an approver listed twice, so a quorum never counts one person twice', () => {
    // Prepare
    const input = withGate(1, (g) => ({
      ...g,
      approvers: [{ email: 'a@example.com' }, { email: 'a@example.com' }, { role: 'sponsor' }],
      rule: { kind: 'quorum', count: 3 },
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.1.approvers.1']);
  });
});
