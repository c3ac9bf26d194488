import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MAX_DECIDE_WITHIN_HOURS, type ProcessDefinition } from '../../functions/domain/definition.ts';
import {
  type FileProblem,
  formatFileProblem,
  type ParsedFile,
  parseDefinitionFile,
  SYNTAX_PATH,
} from '../../functions/domain/definition-file.ts';
import { parseProcessDefinition } from '../../functions/domain/definition-schema.ts';
import { RESERVED_WORDS } from '../../functions/domain/expression.ts';
import { canonicalJson, sha256Hex } from '../../functions/domain/trail.ts';
import { DEMO_DEFINITION, DEMO_PEOPLE, DEMO_REGULATED_DEFINITION } from '../../infra/local/demo.ts';

const demoFile = (name: string) =>
  readFileSync(new URL(`../../definitions/${name}`, import.meta.url), 'utf8');

/** A small valid process, one line per thing, so that each test can point at a line. */
const SMALL = `id: small
version: 1
name: Small process
contacts:
  pmo: pmo@example.com
intake:
  fields:
    - { id: risk, label: Risk, type: choice, required: true, choices: [low, high] }
gates:
  - id: go
    name: Go
    ask: Go ahead?
    skipWhen: risk = "low"
    deliverables: []
    criteria: { mustMeet: [], shouldMeet: [] }
    approvers:
      - role: sponsor
    rule: { kind: all }
    sla: { decideWithinHours: 48, atDeadline: hold }
    esignature: false
closeOut:
  checklist: [Done]
  sla: { decideWithinHours: 48 }
`;

/** SMALL with one line changed (exactly one occurrence, so a test cannot silently miss). */
function small(from: string, to: string): string {
  expect(SMALL.split(from)).toHaveLength(2);
  return SMALL.replace(from, to);
}

function problemsOf(result: ParsedFile<ProcessDefinition>): FileProblem[] {
  return result.ok ? [] : result.problems;
}

describe('the demo definition files', () => {
  it('definitions/standard.yaml and regulated.yaml read to exactly the demo processes', () => {
    // Act
    const standard = parseDefinitionFile(demoFile('standard.yaml'));
    const regulated = parseDefinitionFile(demoFile('regulated.yaml'));

    // Assess
    expect(standard).toEqual({ ok: true, value: DEMO_DEFINITION });
    expect(regulated).toEqual({ ok: true, value: DEMO_REGULATED_DEFINITION });
  });

  it('are still the processes the tests were written against (a changed file needs its tests looked at)', () => {
    // Act: the hashes of the TypeScript constants these files replaced
    const hashes = [DEMO_DEFINITION, DEMO_REGULATED_DEFINITION].map((d) => sha256Hex(canonicalJson(d)));

    // Assess
    expect(hashes).toEqual([
      'd8139f069daf55891a85c6237ac603b325661b22424b627651124b1b4df0a0b0',
      'e9059561779c4d96187754950722687f83f83267b8127a3c52452a9a55ad633c',
    ]);
  });

  it('name only demo people, so that every mail of the demo reaches an inbox on the console', () => {
    // Act
    const named = [DEMO_DEFINITION, DEMO_REGULATED_DEFINITION].flatMap((d) => [
      d.contacts.pmo,
      ...d.gates.flatMap((g) => g.approvers.flatMap((a) => ('email' in a ? [a.email] : []))),
    ]);

    // Assess
    const people = Object.values(DEMO_PEOPLE).map((p) => p.email);
    expect(named.filter((email) => !people.includes(email))).toEqual([]);
  });

  it('keeps the regulated process the standard one with every gate e-signed', () => {
    // Act
    const { id, name, gates, ...rest } = DEMO_REGULATED_DEFINITION;

    // Assess
    expect([id, name]).toEqual(['regulated', 'Regulated project lifecycle']);
    expect(gates).toEqual(DEMO_DEFINITION.gates.map((g) => ({ ...g, esignature: true })));
    expect({ ...DEMO_DEFINITION, ...rest }).toEqual(DEMO_DEFINITION);
  });
});

describe('parseDefinitionFile — valid files', () => {
  it('reads YAML, with defaults filled in as for any definition', () => {
    // Act
    const result = parseDefinitionFile(SMALL);

    // Assess
    expect(result.ok).toBe(true);
    const gate = result.ok ? result.value.gates[0] : undefined;
    expect(gate).toMatchObject({ id: 'go', opens: 'on-submission', skipWhen: 'risk = "low"' });
  });

  it('reads JSON as well', () => {
    // Prepare
    const json = JSON.stringify(DEMO_DEFINITION, null, '\t');

    // Act
    const result = parseDefinitionFile(json);

    // Assess
    expect(result).toEqual({ ok: true, value: DEMO_DEFINITION });
  });

  it('reads anchors and aliases (an SLA written once, used twice)', () => {
    // Prepare
    const next = [
      '  - id: next',
      '    name: Next',
      '    ask: And then?',
      '    deliverables: []',
      '    criteria: { mustMeet: [], shouldMeet: [] }',
      '    approvers: [{ role: sponsor }]',
      '    rule: { kind: any }',
      '    sla: *sla',
      '    esignature: false',
    ].join('\n');
    const text = small(
      '    sla: { decideWithinHours: 48, atDeadline: hold }\n    esignature: false\n',
      `    sla: &sla { decideWithinHours: 48, atDeadline: hold }\n    esignature: false\n${next}\n`,
    );

    // Act
    const result = parseDefinitionFile(text);

    // Assess
    expect(result.ok && result.value.gates.map((g) => [g.id, g.sla])).toEqual([
      ['go', { decideWithinHours: 48, atDeadline: 'hold' }],
      ['next', { decideWithinHours: 48, atDeadline: 'hold' }],
    ]);
  });
});

describe('parseDefinitionFile — problems at their line and column', () => {
  it('places broken YAML at the line and column of the syntax error, and goes no further', () => {
    // Prepare: an indentation by tab; a flow sequence left open (noticed where the next key starts)
    const tab = small('    esignature: false', '\tesignature: false');
    const open = small('  checklist: [Done]', '  checklist: [Done');

    // Act
    const results = [tab, open].map(parseDefinitionFile);

    // Assess
    expect(results.map(problemsOf)).toEqual([
      [{ path: SYNTAX_PATH, message: 'Tabs are not allowed as indentation', line: 20, col: 1 }],
      [
        {
          path: SYNTAX_PATH,
          message: 'Flow sequence in block collection must be sufficiently indented and end with a ]',
          line: 23,
          col: 3,
        },
      ],
    ]);
  });

  it('refuses a key given twice and a second document', () => {
    // Act
    const twice = parseDefinitionFile(small('version: 1\n', 'version: 1\nversion: 2\n'));
    const two = parseDefinitionFile(`${SMALL}---\n${SMALL}`);

    // Assess
    expect(problemsOf(twice)).toEqual([
      { path: SYNTAX_PATH, message: 'Map keys must be unique', line: 3, col: 1 },
    ]);
    expect(problemsOf(two)).toEqual([
      {
        path: SYNTAX_PATH,
        message: 'a file holds one definition: remove the second document (---)',
        line: 24,
        col: 1,
      },
    ]);
  });

  it('names each unknown field at its key, wherever it is', () => {
    // Prepare: a misspelt top-level field and an extra one in a gate
    const text = small('name: Small process', 'nmae: Small process').replace(
      '    esignature: false',
      '    esignature: false\n    owner: pat',
    );

    // Act
    const result = parseDefinitionFile(text);

    // Assess
    expect(problemsOf(result)).toEqual([
      { path: 'name', message: 'Invalid input: expected string, received undefined', line: 1, col: 1 },
      {
        path: 'nmae',
        message: 'is not a field of a definition here (misspelt, or in the wrong place?)',
        line: 3,
        col: 1,
      },
      {
        path: 'gates.0.owner',
        message: 'is not a field of a definition here (misspelt, or in the wrong place?)',
        line: 21,
        col: 5,
      },
    ]);
  });

  it('places a gate with no approver at its approvers, and a gate without the field at the gate', () => {
    // Act
    const empty = parseDefinitionFile(
      small('    approvers:\n      - role: sponsor\n', '    approvers: []\n'),
    );
    const missing = parseDefinitionFile(small('    approvers:\n      - role: sponsor\n', ''));

    // Assess
    expect(problemsOf(empty)).toEqual([
      { path: 'gates.0.approvers', message: 'Too small: expected array to have >=1 items', line: 16, col: 5 },
    ]);
    expect(problemsOf(missing)).toEqual([
      {
        path: 'gates.0.approvers',
        message: 'Invalid input: expected array, received undefined',
        line: 10,
        col: 5,
      },
    ]);
  });

  it('places a skip rule over an unknown field at the rule', () => {
    // Act
    const result = parseDefinitionFile(small('risk = "low"', 'size = "small"'));

    // Assess
    expect(problemsOf(result)).toEqual([
      { path: 'gates.0.skipWhen', message: 'unknown field "size" (fields: risk)', line: 13, col: 15 },
    ]);
  });

  it('places the problems of a JSON file too', () => {
    // Prepare
    const json = JSON.stringify({ ...DEMO_DEFINITION, version: 0 }, null, 2);

    // Act
    const result = parseDefinitionFile(json);

    // Assess
    expect(problemsOf(result)).toEqual([
      { path: 'version', message: 'Too small: expected number to be >=1', line: 3, col: 14 },
    ]);
  });

  it('places an empty file, or one that is not a mapping, at its start', () => {
    // Act
    const results = ['', '# nothing yet\n', '- a list\n'].map(parseDefinitionFile);

    // Assess
    expect(results.map((r) => problemsOf(r).map((p) => [p.path, p.line, p.col]))).toEqual([
      [['(root)', 1, 1]],
      [['(root)', 1, 1]],
      [['(root)', 1, 1]],
    ]);
  });

  it('refuses aliases that would expand without end, without expanding them', () => {
    // Prepare: each level doubles the one before ("billion laughs")
    const levels = Array.from({ length: 30 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}, *l${i}]`);
    const text = `l0: &l0 [x]\n${levels.join('\n')}\n`;

    // Act
    const result = parseDefinitionFile(text);

    // Assess
    expect(problemsOf(result).map((p) => p.path)).toEqual([SYNTAX_PATH]);
  });

  it('formats a problem as file:line:col path: message', () => {
    // Act
    const line = formatFileProblem('defs/small.yaml', {
      path: 'gates.0.rule',
      message: 'is wrong',
      line: 4,
      col: 7,
    });

    // Assess
    expect(line).toBe('defs/small.yaml:4:7 gates.0.rule: is wrong');
  });
});

/** Text a PMO admin might type, with what YAML treats specially: quotes, colons, comments, look-alikes of numbers. */
const TRICKY_WORDS = [
  'true',
  'no',
  'null',
  '~',
  '0x1F',
  '1e3',
  '2025-06-30',
  '- item',
  'a: b',
  '#tag',
  '*ref',
  '&x',
  '|',
  '>',
  '"q"',
  "'q'",
  '{ }',
  '[x]',
  '%',
  '@',
  '`',
  'Straße',
  '€',
  'ü',
  '東京',
  '🚀',
];
const lineArb = fc
  .array(fc.oneof(fc.constantFrom(...TRICKY_WORDS), fc.stringMatching(/^[A-Za-z0-9,.!?()-]{1,10}$/)), {
    minLength: 1,
    maxLength: 4, // within the 60 characters of a choice
  })
  .chain((words) => fc.constantFrom(' ', '  ', ': ', ' # ').map((gap) => words.join(gap)));
const textArb = fc
  .array(lineArb, { minLength: 1, maxLength: 3 })
  .chain((lines) => fc.constantFrom('\n', '\n\n', '\r\n', '\t').map((gap) => lines.join(gap)));
const slugArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/);
const emailArb = fc
  .stringMatching(/^[a-z][a-z0-9]{0,6}(\.[a-z0-9]{1,4})?$/)
  .map((local) => `${local}@example.com`);
const hoursArb = fc.integer({ min: 2, max: MAX_DECIDE_WITHIN_HOURS });
const percentArb = fc.oneof(
  fc.integer({ min: 1, max: 100 }),
  fc.double({ min: 0.001, max: 100, noNaN: true }),
);

const fieldArb = fc.oneof(
  fc.record({ type: fc.constant('number'), min: fc.option(fc.integer({ max: 0 }), { nil: undefined }) }),
  fc.record({
    type: fc.constant('text'),
    maxLength: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('choice'),
    choices: fc.uniqueArray(lineArb, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ type: fc.constant('date') }),
);
const fieldsArb = fc
  .uniqueArray(fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/), lineArb, fc.boolean(), fieldArb), {
    maxLength: 4,
    selector: ([id]) => id,
  })
  .map((fields) =>
    fields
      .filter(([id]) => !RESERVED_WORDS.includes(id))
      .map(([id, label, required, spec]) => ({ id, label, required, ...withoutUndefined(spec) })),
  );

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function gateArb(skipRule: string | undefined) {
  return fc
    .record({
      id: slugArb,
      name: lineArb,
      ask: textArb,
      opens: fc.constantFrom('on-submission', 'immediately'),
      skip: fc.boolean(),
      deliverables: fc.uniqueArray(fc.record({ id: slugArb, name: lineArb, required: fc.boolean() }), {
        maxLength: 3,
        selector: (d) => d.id,
      }),
      criteria: fc.uniqueArray(fc.tuple(slugArb, lineArb, fc.option(percentArb, { nil: undefined })), {
        maxLength: 4,
        selector: ([id]) => id,
      }),
      threshold: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      approvers: fc.uniqueArray(
        fc.oneof(
          fc.constant({ role: 'sponsor' }),
          fc.record({ email: emailArb }, { requiredKeys: ['email'] }),
        ),
        { minLength: 1, maxLength: 4, selector: (a) => ('role' in a ? 'sponsor' : a.email) },
      ),
      rule: fc.oneof(
        fc.constantFrom({ kind: 'all' }, { kind: 'any' }, { kind: 'sequential' }),
        fc.record({ kind: fc.constant('quorum'), count: fc.integer({ min: 1, max: 4 }) }),
        fc.record({ kind: fc.constant('percentage'), percent: percentArb }),
      ),
      decideWithinHours: hoursArb,
      remind: fc.option(fc.integer({ min: 1, max: MAX_DECIDE_WITHIN_HOURS }), { nil: undefined }),
      atDeadline: fc.constantFrom('hold', 'kill', 'recycle'),
      esignature: fc.boolean(),
    })
    .map(({ skip, criteria, threshold, remind, decideWithinHours, atDeadline, ...g }) => {
      const shouldMeet = criteria.flatMap(([id, text, weight]) =>
        weight === undefined ? [] : [{ id, text, weight }],
      );
      return withoutUndefined({
        ...g,
        skipWhen: skip ? skipRule : undefined,
        // A gate that opens at once has no stage to submit required deliverables in.
        deliverables: g.deliverables.map((d) => ({
          ...d,
          required: d.required && g.opens === 'on-submission',
        })),
        criteria: withoutUndefined({
          mustMeet: criteria.flatMap(([id, text, weight]) => (weight === undefined ? [{ id, text }] : [])),
          shouldMeet,
          threshold: shouldMeet.length > 0 ? threshold : undefined,
        }),
        rule:
          g.rule.kind === 'quorum'
            ? { ...g.rule, count: Math.min(g.rule.count as number, g.approvers.length) }
            : g.rule,
        sla: withoutUndefined({
          decideWithinHours,
          remindAfterHours: remind !== undefined && remind < decideWithinHours ? remind : undefined,
          atDeadline,
        }),
      });
    });
}

/** Definitions that are valid by construction (the property checks they are), over what YAML makes tricky. */
const definitionArb = fieldsArb.chain((fields) => {
  const number = fields.find((f) => f.type === 'number');
  const skipRule = number ? `${number.id} < 50000` : undefined;
  return fc.record({
    id: slugArb,
    version: fc.integer({ min: 1, max: 1_000_000 }),
    name: lineArb,
    contacts: fc.record({ pmo: emailArb, escalation: emailArb }, { requiredKeys: ['pmo'] }),
    intake: fc.constant({ fields }),
    gates: fc.uniqueArray(gateArb(skipRule), { minLength: 1, maxLength: 3, selector: (g) => g.id }),
    closeOut: fc.record({
      checklist: fc.array(lineArb, { minLength: 1, maxLength: 3 }),
      sla: fc.constant({ decideWithinHours: 48, remindAfterHours: 24 }),
    }),
  });
});

describe('parseDefinitionFile — round trip', () => {
  it('property: any valid definition written as YAML or JSON reads back as the same definition', () => {
    fc.assert(
      fc.property(definitionArb, fc.constantFrom('yaml', 'json'), (candidate, format) => {
        // Prepare
        const valid = parseProcessDefinition(candidate);
        expect(valid.ok ? [] : valid.problems).toEqual([]);
        if (!valid.ok) return;
        const text = format === 'yaml' ? stringify(valid.value) : JSON.stringify(valid.value, null, 2);

        // Act
        const result = parseDefinitionFile(text);

        // Assess
        expect(result).toEqual({ ok: true, value: valid.value });
      }),
    );
  });
});
