import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { RESERVED_WORDS } from '../../functions/domain/expression.ts';
import {
  type FieldSpec,
  fieldSpecProblems,
  fieldSpecSchema,
  parseFieldValues,
} from '../../functions/domain/fields.ts';
import { type Parsed, parseWith } from '../../functions/domain/validation.ts';

const COST: FieldSpec = {
  id: 'estimatedCost',
  label: 'Estimated cost',
  type: 'number',
  required: true,
  min: 0,
  max: 1e9,
};
const RISK: FieldSpec = {
  id: 'risk',
  label: 'Risk',
  type: 'choice',
  required: true,
  choices: ['low', 'medium', 'high'],
};
const NOTES: FieldSpec = { id: 'notes', label: 'Notes', type: 'text', required: false };
const START: FieldSpec = { id: 'startDate', label: 'Start date', type: 'date', required: false };
const SPECS = [COST, RISK, NOTES, START];
const VALID = { estimatedCost: 20000, risk: 'low', notes: 'Phase one only.', startDate: '2027-03-01' };

function problems<T>(result: Parsed<T>): Array<[string, string]> {
  return result.ok ? [] : result.problems.map((p) => [p.path, p.message]);
}

describe('fieldSpecSchema', () => {
  it.each([
    ['a number with bounds', COST],
    ['a number without bounds', { id: 'x', label: 'X', type: 'number', required: false }],
    ['a choice', RISK],
    ['a text', NOTES],
    ['a text with its own limit', { ...NOTES, maxLength: 4000 }],
    ['a date', START],
  ])('accepts %s as it is', (_name, spec) => {
    // Prepare — spec

    // Act
    const result = parseWith(fieldSpecSchema, spec);

    // Assess
    expect(result).toEqual({ ok: true, value: spec });
  });

  it('trims the label and the choices', () => {
    // Prepare
    const spec = { ...RISK, label: ' Risk ', choices: [' low', 'high '] };

    // Act
    const result = parseWith(fieldSpecSchema, spec);

    // Assess
    expect(result).toEqual({ ok: true, value: { ...RISK, choices: ['low', 'high'] } });
  });

  it.each([
    ['an id starting with a digit', { ...COST, id: '1cost' }, 'id'],
    ['an id with a dash', { ...COST, id: 'estimated-cost' }, 'id'],
    ['an id of 41 characters', { ...COST, id: `a${'b'.repeat(40)}` }, 'id'],
    ['an empty label', { ...COST, label: '  ' }, 'label'],
    ['a label of two lines', { ...COST, label: 'Estimated\ncost' }, 'label'],
    ['a label with a control character', { ...COST, label: 'Cost\u0007' }, 'label'],
    ['a label of 121 characters', { ...COST, label: 'x'.repeat(121) }, 'label'],
    ['a required flag that is not a boolean', { ...COST, required: 'yes' }, 'required'],
    ['an infinite min', { ...COST, min: Number.POSITIVE_INFINITY }, 'min'],
    ['a max that is text', { ...COST, max: '10' }, 'max'],
    ['a text limit of 0', { ...NOTES, maxLength: 0 }, 'maxLength'],
    ['a text limit of 4001', { ...NOTES, maxLength: 4001 }, 'maxLength'],
    ['a text limit that is not whole', { ...NOTES, maxLength: 10.5 }, 'maxLength'],
    ['no choices', { ...RISK, choices: [] }, 'choices'],
    ['51 choices', { ...RISK, choices: Array.from({ length: 51 }, (_, i) => `c${i}`) }, 'choices'],
    ['a choice of 61 characters', { ...RISK, choices: ['x'.repeat(61)] }, 'choices.0'],
    ['a choice with a bidirectional override', { ...RISK, choices: ['low', 'hi\u202egh'] }, 'choices.1'],
    [
      'a choice field without choices',
      { id: 'risk', label: 'Risk', type: 'choice', required: true },
      'choices',
    ],
  ])('refuses %s on its path', (_name, spec, path) => {
    // Prepare — spec

    // Act
    const result = parseWith(fieldSpecSchema, spec);

    // Assess
    expect(problems(result).map(([p]) => p)).toEqual([path]);
  });

  it.each([
    ['an unknown type', { ...COST, type: 'money' }],
    ['a key of another type', { ...NOTES, choices: ['a'] }],
    ['an unknown key', { ...START, default: '2027-01-01' }],
  ])('refuses %s', (_name, spec) => {
    // Prepare — spec

    // Act
    const result = parseWith(fieldSpecSchema, spec);

    // Assess
    expect(result.ok).toBe(false);
  });
});

describe('fieldSpecProblems', () => {
  it('finds nothing wrong with distinct ids, ordered bounds and distinct choices', () => {
    // Prepare
    const specs = [...SPECS, { ...COST, id: 'exactly', min: 5, max: 5 }];

    // Act
    const found = fieldSpecProblems(specs);

    // Assess
    expect(found).toEqual([]);
  });

  it('names an id used twice at its second use', () => {
    // Prepare
    const specs = [COST, RISK, NOTES, { ...START, id: 'risk' }];

    // Act
    const found = fieldSpecProblems(specs);

    // Assess
    expect(found).toEqual([{ path: '3.id', message: 'field id "risk" is used twice' }]);
  });

  it('refuses a max below the min', () => {
    // Prepare
    const specs = [RISK, { ...COST, min: 10, max: 9 }];

    // Act
    const found = fieldSpecProblems(specs);

    // Assess
    expect(found).toEqual([{ path: '1.max', message: 'must not be below min' }]);
  });

  it('names a choice listed twice', () => {
    // Prepare
    const specs = [COST, NOTES, { ...RISK, choices: ['low', 'high', 'low'] }];

    // Act
    const found = fieldSpecProblems(specs);

    // Assess
    expect(found).toEqual([{ path: '2.choices', message: 'choice "low" is listed twice' }]);
  });

  it.each(RESERVED_WORDS)('refuses the word of the rule language "%s" as an id', (word) => {
    // Prepare
    const specs = [{ ...NOTES, id: word }];

    // Act
    const found = fieldSpecProblems(specs);

    // Assess
    expect(found).toEqual([
      {
        path: '0.id',
        message: `"${word}" is a word of the skip rules (and, or, not, in) and cannot be a field id`,
      },
    ]);
  });

  it('allows a reserved word in another case, which rules read as a field name', () => {
    // Prepare
    const specs = [{ ...NOTES, id: 'AND' }];

    // Act
    const found = fieldSpecProblems(specs);

    // Assess
    expect(found).toEqual([]);
  });

  it('composes with the schema as a list, with paths inside it', () => {
    // Prepare
    const listSchema = z.array(fieldSpecSchema);
    const input = [COST, { ...COST }];

    // Act
    const parsed = parseWith(listSchema, input);
    const found = parsed.ok ? fieldSpecProblems(parsed.value) : [];

    // Assess
    expect(found).toEqual([{ path: '1.id', message: 'field id "estimatedCost" is used twice' }]);
  });
});

describe('parseFieldValues', () => {
  it('accepts valid values as they are', () => {
    // Prepare
    const input = { ...VALID };

    // Act
    const result = parseFieldValues(SPECS, input);

    // Assess
    expect(result).toEqual({ ok: true, value: VALID });
  });

  it('trims text, choices and dates', () => {
    // Prepare
    const input = { ...VALID, notes: '  Line one.\nLine two.\n', risk: ' low ', startDate: ' 2027-03-01' };

    // Act
    const result = parseFieldValues(SPECS, input);

    // Assess
    expect(result).toEqual({ ok: true, value: { ...VALID, notes: 'Line one.\nLine two.' } });
  });

  it.each([
    ['left out', {}],
    ['undefined', { notes: undefined, startDate: undefined }],
    ['null', { notes: null, startDate: null }],
    ['empty', { notes: '', startDate: '' }],
    ['blank', { notes: '  \n ', startDate: ' ' }],
  ])('leaves out optional fields that are %s', (_name, optional) => {
    // Prepare
    const input = { estimatedCost: 1, risk: 'high', ...optional };

    // Act
    const result = parseFieldValues(SPECS, input);

    // Assess
    expect(result).toEqual({ ok: true, value: { estimatedCost: 1, risk: 'high' } });
  });

  it('accepts no object at all when no field is required', () => {
    // Prepare
    const specs = [NOTES, START];

    // Act
    const results = [parseFieldValues(specs, undefined), parseFieldValues([], undefined)];

    // Assess
    expect(results).toEqual([
      { ok: true, value: {} },
      { ok: true, value: {} },
    ]);
  });

  it('names each required field when there is no object at all', () => {
    // Prepare
    const input = undefined;

    // Act
    const result = parseFieldValues(SPECS, input);

    // Assess
    expect(problems(result)).toEqual([
      ['fields.estimatedCost', 'is required'],
      ['fields.risk', 'is required'],
    ]);
  });

  it.each([null, 'risk=low', 42, [1, 2]])('refuses %j in place of an object', (input) => {
    // Prepare — input

    // Act
    const result = parseFieldValues(SPECS, input);

    // Assess
    expect(problems(result)).toEqual([['fields', 'must be an object']]);
  });

  it.each([
    ['a missing required number', { estimatedCost: undefined }, 'estimatedCost', 'is required'],
    ['a null required number', { estimatedCost: null }, 'estimatedCost', 'is required'],
    ['an empty required choice', { risk: '' }, 'risk', 'is required'],
    ['a number given as text', { estimatedCost: '5' }, 'estimatedCost', 'must be a number'],
    ['an empty string for a number', { estimatedCost: '' }, 'estimatedCost', 'must be a number'],
    ['NaN', { estimatedCost: Number.NaN }, 'estimatedCost', 'must be a number'],
    ['an infinite number', { estimatedCost: Number.POSITIVE_INFINITY }, 'estimatedCost', 'must be a number'],
    ['a number below the min', { estimatedCost: -1 }, 'estimatedCost', 'must be at least 0'],
    ['a number above the max', { estimatedCost: 1e9 + 1 }, 'estimatedCost', 'must be at most 1000000000'],
    ['an unknown choice', { risk: 'urgent' }, 'risk', 'must be one of: low, medium, high'],
    ['a choice in another case', { risk: 'Low' }, 'risk', 'must be one of: low, medium, high'],
    ['a choice that is not text', { risk: 1 }, 'risk', 'must be one of: low, medium, high'],
    ['a date in another format', { startDate: '01/03/2027' }, 'startDate', 'must be a date (YYYY-MM-DD)'],
    ['an impossible date', { startDate: '2027-02-30' }, 'startDate', 'must be a date (YYYY-MM-DD)'],
    ['a date and time', { startDate: '2027-03-01T10:00:00Z' }, 'startDate', 'must be a date (YYYY-MM-DD)'],
    ['a date that is a number', { startDate: 20270301 }, 'startDate', 'must be a date (YYYY-MM-DD)'],
    ['text that is not text', { notes: 42 }, 'notes', 'must be text'],
    [
      'text with a control character',
      { notes: 'a\u0000b' },
      'notes',
      'contains a control character (U+0000)',
    ],
    [
      'text with a lone surrogate',
      { notes: 'a\ud800' },
      'notes',
      'is not well-formed Unicode (a lone surrogate)',
    ],
    [
      'text with a bidirectional override',
      { notes: 'a\u202eb' },
      'notes',
      'contains a bidirectional override character (U+202E)',
    ],
    [
      'text longer than the default 500',
      { notes: 'x'.repeat(501) },
      'notes',
      'must be at most 500 characters',
    ],
  ])('refuses %s', (_name, change, id, message) => {
    // Prepare
    const input = { ...VALID, ...change };

    // Act
    const result = parseFieldValues(SPECS, input);

    // Assess
    expect(problems(result)).toEqual([[`fields.${id}`, message]]);
  });

  it("holds text to the field's own limit", () => {
    // Prepare
    const specs: FieldSpec[] = [{ ...NOTES, maxLength: 10 }];

    // Act
    const results = [
      parseFieldValues(specs, { notes: 'x'.repeat(10) }),
      parseFieldValues(specs, { notes: 'x'.repeat(11) }),
    ];

    // Assess
    expect(results.map(problems)).toEqual([[], [['fields.notes', 'must be at most 10 characters']]]);
  });

  it('names a key that is not a field, listing the fields', () => {
    // Prepare
    const input = { ...VALID, budget: 5 };

    // Act
    const result = parseFieldValues(SPECS, input);

    // Assess
    expect(problems(result)).toEqual([
      ['fields.budget', 'is not a field of this process (fields: estimatedCost, risk, notes, startDate)'],
    ]);
  });

  it('says so when a process without fields is sent some', () => {
    // Prepare
    const input = { budget: 5 };

    // Act
    const result = parseFieldValues([], input);

    // Assess
    expect(problems(result)).toEqual([
      ['fields.budget', 'is not a field of this process (this process has no fields)'],
    ]);
  });

  it('reports every problem at once', () => {
    // Prepare
    const input = { estimatedCost: -5, risk: 'urgent', startDate: '2027-13-01', extra: true };

    // Act
    const result = parseFieldValues(SPECS, input);

    // Assess
    expect(problems(result).map(([path]) => path)).toEqual([
      'fields.estimatedCost',
      'fields.risk',
      'fields.startDate',
      'fields.extra',
    ]);
  });

  it('reads only own keys, so a field called "constructor" is not found on Object', () => {
    // Prepare
    const specs: FieldSpec[] = [{ id: 'constructor', label: 'C', type: 'text', required: true }];

    // Act
    const result = parseFieldValues(specs, {});

    // Assess
    expect(problems(result)).toEqual([['fields.constructor', 'is required']]);
  });

  it('names a "__proto__" key from JSON as not a field, without touching any prototype', () => {
    // Prepare
    const input = JSON.parse('{"notes": "ok", "__proto__": {"polluted": 1}}');

    // Act
    const result = parseFieldValues([NOTES], input);

    // Assess
    expect(problems(result)).toEqual([
      ['fields.__proto__', 'is not a field of this process (fields: notes)'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('property: valid values for any valid specs come back the same', () => {
    const idsArb = fc.uniqueArray(
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/).filter((id) => !RESERVED_WORDS.includes(id)),
      { maxLength: 6 },
    );
    const safeTextArb = (max: number) =>
      fc
        .string({ unit: fc.constantFrom('a', 'Z', '7', ' ', '.', 'é', '€', '😀', '\n', '\t'), maxLength: 40 })
        .map((s) => s.trim())
        .filter((s) => s.length > 0 && s.length <= max);
    const boundArb = fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: undefined });
    const specArb = (id: string): fc.Arbitrary<FieldSpec> =>
      fc.oneof(
        fc.tuple(fc.boolean(), boundArb, boundArb).map(([required, a, b]): FieldSpec => {
          const [min, max] = a !== undefined && b !== undefined && b < a ? [b, a] : [a, b];
          return { id, label: id, type: 'number', required, min, max };
        }),
        fc
          .record({
            required: fc.boolean(),
            maxLength: fc.option(fc.integer({ min: 1, max: 4000 }), { nil: undefined }),
          })
          .map(
            ({ required, maxLength }): FieldSpec => ({ id, label: id, type: 'text', required, maxLength }),
          ),
        fc
          .record({
            required: fc.boolean(),
            choices: fc.uniqueArray(
              safeTextArb(60).filter((c) => !/[\n\t]/.test(c)),
              { minLength: 1, maxLength: 5 },
            ),
          })
          .map(({ required, choices }): FieldSpec => ({ id, label: id, type: 'choice', required, choices })),
        fc.boolean().map((required): FieldSpec => ({ id, label: id, type: 'date', required })),
      );
    const valueArb = (spec: FieldSpec): fc.Arbitrary<number | string> => {
      switch (spec.type) {
        case 'number':
          return fc.double({ min: spec.min ?? -1e12, max: spec.max ?? 1e12, noNaN: true });
        case 'text':
          return safeTextArb(spec.maxLength ?? 500);
        case 'choice':
          return fc.constantFrom(...spec.choices);
        case 'date':
          return fc
            .date({
              min: new Date('0001-01-01T00:00:00Z'),
              max: new Date('9999-12-31T00:00:00Z'),
              noInvalidDate: true,
            })
            .map((d) => d.toISOString().slice(0, 10));
      }
    };
    const caseArb = idsArb
      .chain((ids) => fc.tuple(...ids.map(specArb)))
      .chain((specs) =>
        fc.tuple(
          fc.constant(specs),
          fc.tuple(
            ...specs.map((spec) =>
              spec.required ? valueArb(spec) : fc.option(valueArb(spec), { nil: undefined }),
            ),
          ),
        ),
      );

    fc.assert(
      fc.property(caseArb, ([specs, values]) => {
        // Prepare
        const input: Record<string, number | string> = {};
        specs.forEach((spec, i) => {
          const value = values[i];
          if (value !== undefined) input[spec.id] = value;
        });

        // Act
        const specsAreValid =
          parseWith(z.array(fieldSpecSchema), specs).ok && fieldSpecProblems(specs).length === 0;
        const result = parseFieldValues(specs, input);

        // Assess
        expect(specsAreValid).toBe(true);
        expect(result).toEqual({ ok: true, value: input });
      }),
      { numRuns: 300 },
    );
  });
});
