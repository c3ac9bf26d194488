import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLOSE_OUT_GATE_ID,
  DEADLINE_OUTCOMES,
  findGate,
  type GateDefinition,
  gateIndex,
  MAX_DECIDE_WITHIN_HOURS,
  type ProcessDefinition,
  resolveApprovers,
  skipRuleOf,
} from '../../functions/domain/definition.ts';
import { parseProcessDefinition } from '../../functions/domain/definition-schema.ts';
import type { Parsed } from '../../functions/domain/validation.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

function paths<T>(result: Parsed<T>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.path);
}

function problems<T>(result: Parsed<T>): [string, string][] {
  return result.ok ? [] : result.problems.map((p) => [p.path, p.message]);
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

/** Something a careless or hostile editor might put anywhere in a definition. */
const replacementArb = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constant(undefined),
  fc.constantFrom('close-out', 'estimatedCost <', 'nope = 1', 'risk in ()', '', 'a'.repeat(600), -1, 0, 1e9),
);

/** The demo with one to three properties somewhere replaced by (or removed for) an arbitrary value. */
const mutatedDemoArb = fc
  .array(fc.tuple(fc.nat(), fc.nat(), replacementArb), { minLength: 1, maxLength: 3 })
  .map((mutations) => {
    const definition = demo() as unknown as Record<string, unknown>;
    for (const [pick, keyPick, replacement] of mutations) {
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
      const key = keys.length > 0 ? (keys[keyPick % keys.length] as string) : 'extra';
      if (replacement === undefined && keyPick % 2 === 0) delete holder[key];
      else holder[key] = replacement;
    }
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
            ? { ...g, rule: { kind: 'quorum', count: 3 } }
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
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), mutatedDemoArb, mutatedDemoArb), (input) => {
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

describe('parseProcessDefinition — gates, deliverables and criteria', () => {
  it(`reserves the gate id "${CLOSE_OUT_GATE_ID}" for the close-out sign-off`, () => {
    // Prepare
    const input = withGate(1, (g) => ({ ...g, id: CLOSE_OUT_GATE_ID }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([['gates.1.id', '"close-out" is reserved for the close-out sign-off']]);
  });

  it('defaults a gate to opening on submission and a deliverable to required', () => {
    // Prepare
    const input = withGate(1, (g) => {
      const { opens: _opens, ...rest } = g;
      return { ...rest, deliverables: [{ id: 'business-case', name: 'Business case' }] };
    });

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result.ok && result.value.gates[1]).toMatchObject({
      opens: 'on-submission',
      deliverables: [{ id: 'business-case', name: 'Business case', required: true }],
    });
  });

  it('keeps an explicit optional deliverable and a gate that opens immediately', () => {
    // Prepare
    const input = withGate(2, (g) => ({
      ...g,
      opens: 'immediately',
      deliverables: [{ id: 'notes', name: 'Notes', required: false }],
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result.ok && result.value.gates[2]).toMatchObject({
      opens: 'immediately',
      deliverables: [{ id: 'notes', name: 'Notes', required: false }],
    });
  });

  it('rejects an unknown way of opening a gate', () => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, opens: 'on-request' }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.0.opens']);
  });

  it('rejects a deliverable id used twice within a gate, naming it', () => {
    // Prepare
    const input = withGate(1, (g) => ({
      ...g,
      deliverables: [...g.deliverables, { id: 'project-plan', name: 'Plan, again', required: false }],
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([
      ['gates.1.deliverables', 'deliverable id "project-plan" is used twice'],
    ]);
  });

  it('accepts the same deliverable id in two gates', () => {
    // Prepare
    const input = withGate(2, (g) => ({
      ...g,
      deliverables: [{ id: 'project-plan', name: 'Plan', required: true }],
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result.ok).toBe(true);
  });

  it.each([
    ['a bad id', { id: 'Business Case', name: 'x' }, 'gates.1.deliverables.0.id'],
    ['an empty name', { id: 'x', name: ' ' }, 'gates.1.deliverables.0.name'],
    [
      'a required flag that is not a boolean',
      { id: 'x', name: 'X', required: 'yes' },
      'gates.1.deliverables.0.required',
    ],
  ])('rejects a deliverable with %s', (_name, deliverable, path) => {
    // Prepare
    const input = withGate(1, (g) => ({ ...g, deliverables: [deliverable] }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual([path]);
  });

  it('rejects required deliverables on a gate that opens immediately (no stage can submit them)', () => {
    // Prepare
    const input = withGate(0, (g) => ({
      ...g,
      deliverables: [{ id: 'memo', name: 'Memo', required: true }],
    }));
    const optional = withGate(0, (g) => ({
      ...g,
      deliverables: [{ id: 'memo', name: 'Memo', required: false }],
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([
      [
        'gates.0.deliverables',
        'a gate that opens immediately has no stage before it: nothing can be submitted for it',
      ],
    ]);
    expect(parseProcessDefinition(optional).ok).toBe(true);
  });

  it('rejects a threshold on a gate without should-meet criteria', () => {
    // Prepare
    const input = withGate(2, (g) => ({ ...g, criteria: { ...g.criteria, threshold: 50 } }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([['gates.2.criteria.threshold', 'needs should-meet criteria to score']]);
  });

  it.each([
    ['a threshold above 100', { threshold: 101 }, 'gates.0.criteria.threshold'],
    ['a negative threshold', { threshold: -1 }, 'gates.0.criteria.threshold'],
    [
      'a weight of 0',
      { shouldMeet: [{ id: 'value', text: 'Value', weight: 0 }] },
      'gates.0.criteria.shouldMeet.0.weight',
    ],
    [
      'a weight above 100',
      { shouldMeet: [{ id: 'value', text: 'Value', weight: 101 }] },
      'gates.0.criteria.shouldMeet.0.weight',
    ],
    [
      'a should-meet criterion without a weight',
      { shouldMeet: [{ id: 'value', text: 'Value' }] },
      'gates.0.criteria.shouldMeet.0.weight',
    ],
  ])('rejects criteria with %s', (_name, change, path) => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, criteria: { ...g.criteria, ...change } }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual([path]);
  });

  it('rejects a criterion id shared by a must-meet and a should-meet criterion', () => {
    // Prepare
    const input = withGate(1, (g) => ({
      ...g,
      criteria: { ...g.criteria, mustMeet: [{ id: 'roi', text: 'ROI known' }] },
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([['gates.1.criteria', 'criterion id "roi" is used twice']]);
  });

  it.each([
    ['the sponsor', [{ role: 'sponsor' }, { role: 'sponsor' }], 'the sponsor is listed twice'],
    [
      'a named approver',
      [{ email: 'a@example.com' }, { email: 'A@Example.com' }],
      'a@example.com is listed twice',
    ],
  ])('names %s listed twice', (_name, approvers, message) => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, approvers }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([['gates.0.approvers.1', message]]);
  });
});

describe('parseProcessDefinition — skip rules', () => {
  it('accepts the demo skip rule and a rule over each kind of field', () => {
    // Prepare
    const input = withGate(2, (g) => ({
      ...g,
      skipWhen: 'targetDate < "2031-01-01" or (risk in ("low", "medium") and not (estimatedCost >= 1000000))',
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('names the column of a syntax error', () => {
    // Prepare
    const input = withGate(1, (g) => ({ ...g, skipWhen: 'estimatedCost < < 5' }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([
      ['gates.1.skipWhen', 'at column 17: expected a value after "<", found "<"'],
    ]);
  });

  it('names an unknown field and lists the fields there are', () => {
    // Prepare
    const input = withGate(1, (g) => ({ ...g, skipWhen: 'estimatedCot < 50000' }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([
      ['gates.1.skipWhen', 'unknown field "estimatedCot" (fields: estimatedCost, risk, targetDate)'],
    ]);
  });

  it('reports every type problem of a rule, against the intake fields', () => {
    // Prepare
    const input = withGate(1, (g) => ({ ...g, skipWhen: 'estimatedCost < "cheap" and risk = "lo"' }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([
      ['gates.1.skipWhen', 'estimatedCost is a number: compare it with a number, not "cheap"'],
      ['gates.1.skipWhen', '"lo" is not one of the choices of risk (low, medium, high)'],
    ]);
  });

  it('knows no field when the process asks for none', () => {
    // Prepare
    const definition = demo();
    const input = { ...definition, intake: { fields: [] } };

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([
      ['gates.1.skipWhen', 'unknown field "estimatedCost" (this process has no fields)'],
      ['gates.1.skipWhen', 'unknown field "risk" (this process has no fields)'],
    ]);
  });

  it.each([
    ['empty', ''],
    ['of two lines', 'risk = "low"\nor risk = "medium"'],
    ['longer than 500 characters', `risk = "low"${' or risk = "low"'.repeat(40)}`],
  ])('rejects a rule that is %s on its shape', (_name, skipWhen) => {
    // Prepare
    const input = withGate(1, (g) => ({ ...g, skipWhen }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.1.skipWhen']);
  });

  it('property: never throws on an arbitrary skip rule; either accepted or refused on skipWhen', () => {
    const ruleArb = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .array(
          fc.constantFrom(
            'estimatedCost',
            'risk',
            'targetDate',
            'x',
            '<',
            '=',
            '!=',
            'in',
            '(',
            ')',
            ',',
            'and',
            'or',
            'not',
            '5',
            '"low"',
            '"2030-01-01"',
            '-',
            '"',
          ),
          { maxLength: 12 },
        )
        .map((tokens) => tokens.join(' ')),
    );
    fc.assert(
      fc.property(ruleArb, (skipWhen) => {
        // Prepare
        const input = withGate(2, (g) => ({ ...g, skipWhen }));

        // Act
        const result = parseProcessDefinition(input);

        // Assess
        if (result.ok) expect(() => skipRuleOf(result.value.gates[2] as GateDefinition)).not.toThrow();
        else for (const p of result.problems) expect(p.path).toBe('gates.2.skipWhen');
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseProcessDefinition — deadlines, contacts and close-out', () => {
  it.each([
    ['equal to', 72],
    ['after', 100],
  ])('rejects an escalation %s the deadline', (_name, escalateAfterHours) => {
    // Prepare
    const input = withGate(0, (g) => ({
      ...g,
      sla: { ...g.sla, decideWithinHours: 72, escalateAfterHours },
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([['gates.0.sla.escalateAfterHours', 'must be before the deadline']]);
  });

  it('names both a reminder and an escalation after the deadline', () => {
    // Prepare
    const input = withGate(0, (g) => ({
      ...g,
      sla: { decideWithinHours: 24, remindAfterHours: 48, escalateAfterHours: 96, atDeadline: 'kill' },
    }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.0.sla.remindAfterHours', 'gates.0.sla.escalateAfterHours']);
  });

  it.each([
    ['0 hours', 0],
    ['a fraction of an hour', 1.5],
    [`more than ${MAX_DECIDE_WITHIN_HOURS} hours`, MAX_DECIDE_WITHIN_HOURS + 1],
  ])('rejects a deadline of %s', (_name, decideWithinHours) => {
    // Prepare
    const input = withGate(0, (g) => ({ ...g, sla: { decideWithinHours, atDeadline: 'hold' } }));

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['gates.0.sla.decideWithinHours']);
  });

  it('allows only Hold, Kill and Recycle as the deadline outcome', () => {
    // Prepare
    const outcomes = ['hold', 'kill', 'recycle', 'go', 'conditional-go'];

    // Act
    const accepted = outcomes.filter(
      (atDeadline) =>
        parseProcessDefinition(withGate(0, (g) => ({ ...g, sla: { ...g.sla, atDeadline } }))).ok,
    );

    // Assess
    expect(accepted).toEqual(['hold', 'kill', 'recycle']);
    expect([...DEADLINE_OUTCOMES].sort()).toEqual([...accepted].sort());
  });

  it('needs a PMO contact, and accepts an escalation contact, lower-casing both', () => {
    // Prepare
    const withoutPmo = { ...demo(), contacts: {} };
    const withEscalation = {
      ...demo(),
      contacts: { pmo: 'PMO@Example.com', escalation: 'Boss@Example.com' },
    };

    // Act
    const results = [parseProcessDefinition(withoutPmo), parseProcessDefinition(withEscalation)];

    // Assess
    expect(paths(results[0] as Parsed<ProcessDefinition>)).toEqual(['contacts.pmo']);
    expect(results[1]?.ok && results[1].value.contacts).toEqual({
      pmo: 'pmo@example.com',
      escalation: 'boss@example.com',
    });
  });

  it('rejects an escalation contact that is not an e-mail', () => {
    // Prepare
    const input = { ...demo(), contacts: { pmo: 'pat.pmo@example.com', escalation: 'the boss' } };

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['contacts.escalation']);
  });

  it('rejects a close-out reminder at or after its deadline', () => {
    // Prepare
    const definition = demo();
    const input = {
      ...definition,
      closeOut: { ...definition.closeOut, sla: { decideWithinHours: 24, remindAfterHours: 24 } },
    };

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([['closeOut.sla.remindAfterHours', 'must be before the deadline']]);
  });

  it('rejects an empty close-out checklist', () => {
    // Prepare
    const definition = demo();
    const input = { ...definition, closeOut: { ...definition.closeOut, checklist: [] } };

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(paths(result)).toEqual(['closeOut.checklist']);
  });

  it('names the problems of the intake fields under intake.fields', () => {
    // Prepare
    const definition = demo();
    const fields = [
      ...definition.intake.fields,
      { id: 'risk', label: 'Risk again', type: 'text', required: false },
    ];
    const input = { ...definition, intake: { fields } };

    // Act
    const result = parseProcessDefinition(input);

    // Assess
    expect(problems(result)).toEqual([['intake.fields.3.id', 'field id "risk" is used twice']]);
  });
});

describe('skipRuleOf', () => {
  it("parses a gate's skip rule, and gives nothing for a gate without one", () => {
    // Prepare
    const [scoping, businessCase] = DEMO_DEFINITION.gates as [GateDefinition, GateDefinition];

    // Act
    const rules = [skipRuleOf(scoping), skipRuleOf(businessCase)];

    // Assess
    expect(rules[0]).toBeUndefined();
    expect(rules[1]).toMatchObject({ kind: 'and' });
  });

  it('throws, naming the gate, on a rule that was never validated', () => {
    // Prepare
    const gate = { ...(DEMO_DEFINITION.gates[1] as GateDefinition), skipWhen: 'risk =' };

    // Act
    const act = () => skipRuleOf(gate);

    // Assess
    expect(act).toThrow(/^gate business-case: at column/);
  });
});
