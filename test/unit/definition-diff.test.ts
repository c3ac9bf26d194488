import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GateDefinition, ProcessDefinition } from '../../functions/domain/definition.ts';
import {
  type DefinitionChange,
  diffDefinitions,
  summariseChanges,
} from '../../functions/domain/definition-diff.ts';
import { parseDefinitionFile } from '../../functions/domain/definition-file.ts';
import { parseProcessDefinition } from '../../functions/domain/definition-schema.ts';

const STANDARD = (() => {
  const parsed = parseDefinitionFile(
    readFileSync(new URL('../../definitions/standard.yaml', import.meta.url), 'utf8'),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
})();

/** A fresh copy of definitions/standard.yaml, for a test to change. */
function standard(): ProcessDefinition {
  return structuredClone(STANDARD);
}

function gate(definition: ProcessDefinition, id: string): GateDefinition {
  const found = definition.gates.find((g) => g.id === id);
  if (!found) throw new Error(`no gate ${id}`);
  return found;
}

/** The parts a reader checks: where, what kind, and the sentence. */
const told = (changes: readonly DefinitionChange[]) => changes.map((c) => [c.path, c.kind, c.what]);

/** The value at a dotted path, or undefined when the document has nothing there. */
function at(document: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
      document,
    );
}

describe('diffDefinitions — the same process', () => {
  it('finds nothing between a definition and itself, nor when only the version moved', () => {
    // Prepare
    const before = standard();
    const after = { ...standard(), version: 2 };

    // Act
    const changes = [diffDefinitions(before, before), diffDefinitions(before, after)];

    // Assess
    expect(changes).toEqual([[], []]);
  });

  it('does not count a skip rule respaced or re-parenthesised as a change', () => {
    // Prepare
    const after = standard();
    gate(after, 'business-case').skipWhen = '(estimatedCost<50000)  and  (risk = "low")';

    // Act
    const changes = diffDefinitions(standard(), after);

    // Assess
    expect(changes).toEqual([]);
  });
});

describe('diffDefinitions — what a PMO admin changed', () => {
  it('tells each change of a gate in one sentence, in the order of the document', () => {
    // Prepare
    const after = standard();
    gate(after, 'scoping').criteria.shouldMeet[0] = { id: 'value', text: 'Clear business value', weight: 50 };
    const businessCase = gate(after, 'business-case');
    businessCase.skipWhen = 'estimatedCost < 20000';
    businessCase.approvers = [{ role: 'sponsor' }];
    gate(after, 'launch').rule = { kind: 'quorum', count: 1 };

    // Act
    const changes = diffDefinitions(standard(), after);

    // Assess
    expect(told(changes)).toEqual([
      [
        'gates.0.criteria.shouldMeet.0.weight',
        'changed',
        'Gate "scoping" (Idea screen): should-meet criterion "value" weight 60 → 50',
      ],
      [
        'gates.1.skipWhen',
        'changed',
        'Gate "business-case" (Go to development): skip rule changed from "estimatedCost < 50000 and risk = \\"low\\"" to "estimatedCost < 20000"',
      ],
      [
        'gates.1.approvers.1',
        'removed',
        'Gate "business-case" (Go to development): approver fay.finance@example.com removed',
      ],
      ['gates.2.rule', 'changed', 'Gate "launch" (Go to launch): rule changed from all to quorum of 1'],
    ]);
    expect(changes[2]).toMatchObject({ before: { email: 'fay.finance@example.com' } });
    expect(changes[3]).toMatchObject({ before: { kind: 'all' }, after: { kind: 'quorum', count: 1 } });
  });

  it('matches gates by id: a gate inserted is one addition, with no other gate reported moved', () => {
    // Prepare
    const after = standard();
    const review = { ...structuredClone(gate(after, 'launch')), id: 'design-review', name: 'Design review' };
    after.gates.splice(1, 0, review);

    // Act
    const changes = diffDefinitions(standard(), after);

    // Assess
    expect(told(changes)).toEqual([
      ['gates.1', 'added', 'Gate "design-review" (Design review) added at position 2'],
    ]);
    expect(changes[0]?.after).toEqual(review);
  });

  it('reports two gates swapped as one gate moved, and a removed gate by its place in the old version', () => {
    // Prepare
    const swapped = standard();
    swapped.gates = [swapped.gates[0], swapped.gates[2], swapped.gates[1]] as GateDefinition[];
    const shorter = standard();
    shorter.gates.splice(1, 1);

    // Act
    const moves = diffDefinitions(standard(), swapped);
    const removal = diffDefinitions(standard(), shorter);

    // Assess
    expect(told(moves)).toEqual([
      ['gates.2', 'changed', 'Gate "business-case" (Go to development) moved from position 2 to 3'],
    ]);
    expect(told(removal)).toEqual([
      ['gates.1', 'removed', 'Gate "business-case" (Go to development) removed'],
    ]);
  });

  it('tells renames, SLA settings, e-signatures, deliverables, thresholds and the opening of a gate', () => {
    // Prepare
    const after = standard();
    const launch = gate(after, 'launch');
    launch.name = 'Launch';
    launch.opens = 'immediately';
    launch.deliverables = launch.deliverables.map((d) => ({ ...d, required: false }));
    launch.deliverables.pop();
    launch.sla = { decideWithinHours: 96, escalateAfterHours: 72, atDeadline: 'kill' };
    launch.esignature = true;
    delete gate(after, 'scoping').criteria.threshold;

    // Act
    const changes = diffDefinitions(standard(), after);

    // Assess
    expect(told(changes)).toEqual([
      ['gates.0.criteria.threshold', 'removed', 'Gate "scoping" (Idea screen): threshold removed (was 60)'],
      ['gates.2.name', 'changed', 'Gate "launch" renamed from "Go to launch" to "Launch"'],
      ['gates.2.opens', 'changed', 'Gate "launch" (Launch): opens changed from on submission to immediately'],
      [
        'gates.2.deliverables.0.required',
        'changed',
        'Gate "launch" (Launch): deliverable "test-results" changed from required to optional',
      ],
      [
        'gates.2.deliverables.1.required',
        'changed',
        'Gate "launch" (Launch): deliverable "launch-plan" changed from required to optional',
      ],
      [
        'gates.2.deliverables.2',
        'removed',
        'Gate "launch" (Launch): deliverable "handover" (Operations handover) removed',
      ],
      ['gates.2.sla.decideWithinHours', 'changed', 'Gate "launch" (Launch): deadline 120 hours → 96 hours'],
      [
        'gates.2.sla.remindAfterHours',
        'removed',
        'Gate "launch" (Launch): reminders removed (was every 48 hours)',
      ],
      ['gates.2.sla.escalateAfterHours', 'added', 'Gate "launch" (Launch): escalation set to after 72 hours'],
      [
        'gates.2.sla.atDeadline',
        'changed',
        'Gate "launch" (Launch): outcome at the deadline changed from Hold to Kill',
      ],
      ['gates.2.esignature', 'changed', 'Gate "launch" (Launch): now requires e-signatures'],
    ]);
  });

  it('tells changes of the name, contacts, intake fields and close-out', () => {
    // Prepare
    const after = standard();
    after.name = 'Lifecycle';
    after.contacts.escalation = 'erin.escalation@example.com';
    after.intake.fields = [
      { id: 'estimatedCost', label: 'Estimated cost (EUR)', type: 'number', required: true, min: 1000 },
      { id: 'risk', label: 'Risk', type: 'choice', required: false, choices: ['low', 'high'] },
      { id: 'region', label: 'Region', type: 'text', required: false },
    ];
    after.closeOut.checklist.splice(1, 1, 'Lessons shared');
    after.closeOut.sla = { decideWithinHours: 240 };

    // Act
    const changes = diffDefinitions(standard(), after);

    // Assess
    expect(told(changes)).toEqual([
      ['name', 'changed', 'Process name changed from "Standard project lifecycle" to "Lifecycle"'],
      ['contacts.escalation', 'added', 'Escalation contact set to erin.escalation@example.com'],
      ['intake.fields.0.min', 'changed', 'Intake field "estimatedCost": min 0 → 1000'],
      ['intake.fields.1.required', 'changed', 'Intake field "risk": now optional'],
      [
        'intake.fields.1.choices',
        'changed',
        'Intake field "risk": choices changed from low, medium, high to low, high',
      ],
      ['intake.fields.2', 'removed', 'Intake field "targetDate" (Target date) removed'],
      ['intake.fields.2', 'added', 'Intake field "region" (Region) added'],
      ['closeOut.checklist.1', 'removed', 'Close-out checklist item "Lessons learned recorded" removed'],
      ['closeOut.checklist.1', 'added', 'Close-out checklist item "Lessons shared" added'],
      ['closeOut.sla.decideWithinHours', 'changed', 'Close-out: deadline 336 hours → 240 hours'],
      ['closeOut.sla.remindAfterHours', 'removed', 'Close-out: reminders removed (was every 120 hours)'],
    ]);
  });

  it('quotes a long question shortened, on one line', () => {
    // Prepare
    const after = standard();
    gate(after, 'scoping').ask = `${'Is this worth it? '.repeat(10)}\nReally?`;

    // Act
    const [change] = diffDefinitions(standard(), after);

    // Assess
    expect(change?.what).toMatch(
      /^Gate "scoping" \(Idea screen\): question changed from "Is this idea .*" to "Is this.*…"$/,
    );
    expect(change?.what).not.toContain('\n');
    expect(change?.after).toBe(gate(after, 'scoping').ask);
  });
});

describe('summariseChanges', () => {
  it('says how many changes, and the first three', () => {
    // Prepare
    const change = (what: string): DefinitionChange => ({ path: 'name', kind: 'changed', what });

    // Act
    const lines = [[], [change('a')], ['a', 'b', 'c', 'd', 'e'].map(change)].map(summariseChanges);

    // Assess
    expect(lines).toEqual(['No changes', '1 change: a', '5 changes: a; b; c; and 2 more']);
  });
});

// ----- properties -----

const slugArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const lineArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,12}[A-Za-z0-9]$/);
const emailArb = fc
  .stringMatching(/^[a-z][a-z0-9]{0,6}(\.[a-z0-9]{1,4})?$/)
  .map((local) => `${local}@example.com`);
const hoursArb = fc.integer({ min: 1, max: 200 });

/** Intake fields drawn from a pool, so that a skip rule can name one. */
const FIELDS = [
  { id: 'estimatedCost', label: 'Estimated cost', type: 'number', required: true, min: 0 },
  { id: 'risk', label: 'Risk', type: 'choice', required: true, choices: ['low', 'medium', 'high'] },
  { id: 'targetDate', label: 'Target date', type: 'date', required: false },
  { id: 'notes', label: 'Notes', type: 'text', required: false, maxLength: 200 },
] as const satisfies ProcessDefinition['intake']['fields'];

const gateArb = fc
  .record({
    id: slugArb,
    name: lineArb,
    ask: lineArb,
    opens: fc.constantFrom('on-submission' as const, 'immediately' as const),
    skip: fc.boolean(),
    deliverables: fc.uniqueArray(fc.record({ id: slugArb, name: lineArb, required: fc.boolean() }), {
      maxLength: 3,
      selector: (d) => d.id,
    }),
    criteria: fc.uniqueArray(
      fc.tuple(slugArb, lineArb, fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined })),
      { maxLength: 4, selector: ([id]) => id },
    ),
    threshold: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    approvers: fc.uniqueArray(
      fc.oneof(
        fc.constant({ role: 'sponsor' as const }),
        fc.record({ email: emailArb, name: lineArb }, { requiredKeys: ['email'] }),
      ),
      { minLength: 1, maxLength: 4, selector: (a) => ('role' in a ? 'sponsor' : a.email) },
    ),
    rule: fc.oneof(
      fc.constantFrom({ kind: 'all' as const }, { kind: 'any' as const }, { kind: 'sequential' as const }),
      fc.record({ kind: fc.constant('quorum' as const), count: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('percentage' as const), percent: fc.integer({ min: 1, max: 100 }) }),
    ),
    sla: fc.record({
      decideWithinHours: hoursArb,
      remindAfterHours: fc.option(hoursArb, { nil: undefined }),
      escalateAfterHours: fc.option(hoursArb, { nil: undefined }),
      atDeadline: fc.constantFrom('hold' as const, 'kill' as const, 'recycle' as const),
    }),
    esignature: fc.boolean(),
  })
  .map(({ skip, criteria, threshold, sla, ...g }): GateDefinition => {
    const shouldMeet = criteria.flatMap(([id, text, weight]) =>
      weight === undefined ? [] : [{ id, text, weight }],
    );
    const before = (h: number | undefined) => (h !== undefined && h < sla.decideWithinHours ? h : undefined);
    return JSON.parse(
      JSON.stringify({
        ...g,
        skipWhen: skip ? 'estimatedCost < 50000 and risk = "low"' : undefined,
        deliverables: g.deliverables.map((d) => ({
          ...d,
          required: d.required && g.opens === 'on-submission',
        })),
        criteria: {
          mustMeet: criteria.flatMap(([id, text, weight]) => (weight === undefined ? [{ id, text }] : [])),
          shouldMeet,
          threshold: shouldMeet.length > 0 ? threshold : undefined,
        },
        rule:
          g.rule.kind === 'quorum'
            ? { ...g.rule, count: Math.min(g.rule.count, g.approvers.length) }
            : g.rule,
        sla: {
          ...sla,
          remindAfterHours: before(sla.remindAfterHours),
          escalateAfterHours: before(sla.escalateAfterHours),
        },
      }),
    );
  });

/** Definitions valid by construction (the properties check that they are). */
const definitionArb: fc.Arbitrary<ProcessDefinition> = fc.record({
  id: slugArb,
  version: fc.integer({ min: 1, max: 99 }),
  name: lineArb,
  contacts: fc.record({ pmo: emailArb, escalation: emailArb }, { requiredKeys: ['pmo'] }),
  intake: fc.shuffledSubarray([...FIELDS], { minLength: 2 }).map((fields) => ({
    // The skip rule reads cost and risk: keep them.
    fields: [FIELDS[0], FIELDS[1], ...fields.filter((f) => f.id !== 'estimatedCost' && f.id !== 'risk')].map(
      (f) => structuredClone(f) as ProcessDefinition['intake']['fields'][number],
    ),
  })),
  gates: fc.uniqueArray(gateArb, { minLength: 1, maxLength: 4, selector: (g) => g.id }),
  closeOut: fc.record({
    checklist: fc.array(lineArb, { minLength: 1, maxLength: 3 }),
    sla: fc.record(
      {
        decideWithinHours: fc.integer({ min: 100, max: 300 }),
        remindAfterHours: fc.integer({ min: 1, max: 99 }),
      },
      { requiredKeys: ['decideWithinHours'] },
    ),
  }),
});

/** A second version: some of the old gates kept (in any order) with some new ones, and other settings redrawn. */
const pairArb = fc.tuple(definitionArb, definitionArb).chain(([before, other]) =>
  fc
    .tuple(fc.shuffledSubarray(before.gates), fc.shuffledSubarray(other.gates), fc.boolean())
    .map(([kept, fresh, sameRest]) => {
      const gates = [...kept, ...fresh.filter((g) => !kept.some((k) => k.id === g.id))];
      const rest = sameRest ? before : other;
      return [
        before,
        { ...structuredClone(rest), gates: structuredClone(gates.length > 0 ? gates : before.gates) },
      ] as const;
    }),
);

describe('diffDefinitions — properties', () => {
  it('property: a valid definition has no changes against itself, nor against a copy', () => {
    fc.assert(
      fc.property(definitionArb, (definition) => {
        // Prepare
        const valid = parseProcessDefinition(definition);
        expect(valid.ok ? [] : valid.problems).toEqual([]);

        // Act
        const changes = [
          diffDefinitions(definition, definition),
          diffDefinitions(definition, structuredClone(definition)),
        ];

        // Assess
        expect(changes).toEqual([[], []]);
      }),
    );
  });

  it('property: every gate new in the after version is told once, as added where it stands', () => {
    fc.assert(
      fc.property(pairArb, ([before, after]) => {
        // Prepare
        const fresh = after.gates.flatMap((g, i) =>
          before.gates.some((b) => b.id === g.id) ? [] : [`gates.${i}`],
        );

        // Act
        const changes = diffDefinitions(before, after);

        // Assess
        const added = changes
          .filter((c) => c.kind === 'added' && /^gates\.\d+$/.test(c.path))
          .map((c) => c.path);
        expect(added).toEqual(fresh);
      }),
    );
  });

  it('property: the diff is deterministic, and every path points into the document it names', () => {
    fc.assert(
      fc.property(pairArb, ([before, after]) => {
        // Act
        const changes = diffDefinitions(before, after);
        const again = diffDefinitions(structuredClone(before), structuredClone(after));

        // Assess
        expect(again).toEqual(changes);
        for (const change of changes) {
          const document = change.kind === 'removed' ? before : after;
          expect(at(document, change.path), change.path).not.toBeUndefined();
        }
      }),
    );
  });
});
