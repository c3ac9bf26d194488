import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CompareOp,
  checkExpression,
  type Expr,
  evaluate,
  fieldsOf,
  formatExpressionError,
  isCalendarDate,
  type Literal,
  parseExpression,
  printExpression,
  RESERVED_WORDS,
} from '../../functions/domain/expression.ts';
import type { FieldSpec } from '../../functions/domain/fields.ts';

function parsed(source: string): Expr {
  const result = parseExpression(source);
  if (!result.ok) throw new Error(formatExpressionError(result.error));
  return result.expr;
}

const OPS: CompareOp[] = ['=', '!=', '<', '<=', '>', '>='];
const fieldArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,6}$/).filter((f) => !RESERVED_WORDS.includes(f));
/** Numbers of every shape the printer must spell out: tiny, huge, negative, -0, fractions. */
const numberArb = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, 0.1, 12.5, 1e21, 1.5e-7, 5e-324, Number.MAX_VALUE),
);
const literalArb: fc.Arbitrary<Literal> = fc.oneof(numberArb, fc.string({ maxLength: 8, unit: 'binary' }));

function exprArb(field: fc.Arbitrary<string>, literal: fc.Arbitrary<Literal>): fc.Arbitrary<Expr> {
  return fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { maxDepth: 5, depthSize: 'small' },
      fc.record({
        kind: fc.constant('compare' as const),
        field,
        op: fc.constantFrom(...OPS),
        value: literal,
      }),
      fc.record({
        kind: fc.constant('in' as const),
        field,
        values: fc.array(literal, { minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        kind: fc.constantFrom('or' as const, 'and' as const),
        left: tie('expr'),
        right: tie('expr'),
      }),
      fc.record({ kind: fc.constant('not' as const), operand: tie('expr') }),
    ),
  })).expr;
}

/** Small pools, so that generated rules and values often meet and comparisons are both true and false. */
const POOL_FIELDS = ['a', 'b', 'c', 'd'];
const poolLiteralArb: fc.Arbitrary<Literal> = fc.oneof(
  fc.integer({ min: -2, max: 2 }),
  fc.constantFrom('x', 'y', '2027-01-01'),
);
const poolExprArb = exprArb(fc.constantFrom(...POOL_FIELDS), poolLiteralArb);
const valuesArb = fc.record(
  Object.fromEntries(POOL_FIELDS.map((f) => [f, fc.option(poolLiteralArb, { nil: undefined })])),
);

describe('parseExpression', () => {
  it.each<[string, Expr]>([
    ['estimatedCost < 50000', { kind: 'compare', field: 'estimatedCost', op: '<', value: 50000 }],
    ['risk = "low"', { kind: 'compare', field: 'risk', op: '=', value: 'low' }],
    ['startDate >= "2027-01-01"', { kind: 'compare', field: 'startDate', op: '>=', value: '2027-01-01' }],
    ['region in ("emea", "apac")', { kind: 'in', field: 'region', values: ['emea', 'apac'] }],
    ['x != -3', { kind: 'compare', field: 'x', op: '!=', value: -3 }],
    ['x <= 12.5', { kind: 'compare', field: 'x', op: '<=', value: 12.5 }],
    ['x>0', { kind: 'compare', field: 'x', op: '>', value: 0 }],
    ['note = "say \\"hi\\" \\\\ bye"', { kind: 'compare', field: 'note', op: '=', value: 'say "hi" \\ bye' }],
    ['code_2 in (1)', { kind: 'in', field: 'code_2', values: [1] }],
  ])('parses %s', (source, expected) => {
    // Prepare — source

    // Act
    const result = parseExpression(source);

    // Assess
    expect(result).toEqual({ ok: true, expr: expected });
  });

  it('gives "not" precedence over "and", and "and" over "or", chains leaning left', () => {
    // Prepare
    const source = 'a = 1 or b = 2 and not c = 3 or d = 4';
    const cmp = (field: string, value: number): Expr => ({ kind: 'compare', field, op: '=', value });

    // Act
    const expr = parsed(source);

    // Assess
    expect(expr).toEqual({
      kind: 'or',
      left: {
        kind: 'or',
        left: cmp('a', 1),
        right: { kind: 'and', left: cmp('b', 2), right: { kind: 'not', operand: cmp('c', 3) } },
      },
      right: cmp('d', 4),
    });
  });

  it('parses the rule of the brief with parentheses, spaces and line breaks', () => {
    // Prepare
    const source = '  estimatedCost < 50000\n\tand not (risk = "high")  ';

    // Act
    const expr = parsed(source);

    // Assess
    expect(expr).toEqual({
      kind: 'and',
      left: { kind: 'compare', field: 'estimatedCost', op: '<', value: 50000 },
      right: { kind: 'not', operand: { kind: 'compare', field: 'risk', op: '=', value: 'high' } },
    });
  });

  it.each([
    ['', 1, 'empty rule'],
    [' \n ', 1, 'empty rule'],
    ['risk', 5, 'expected a comparison operator after "risk"'],
    ['risk "low"', 6, 'expected a comparison operator after "risk", found the text "low"'],
    ['estimatedCost < ', 17, 'expected a value after "<"'],
    ['risk = low', 8, 'expected a value after "=", found "low" (text goes in double quotes)'],
    ['risk = (1)', 8, 'expected a value after "=", found "("'],
    ['risk = "low" xyz', 14, 'expected the end of the rule, found "xyz"'],
    ['risk = "low")', 13, 'expected the end of the rule, found ")"'],
    ['a = 1 AND b = 2', 7, 'expected the end of the rule, found "AND"'],
    ['(risk = "low"', 14, 'expected ")"'],
    ['(risk = "low" or', 17, 'expected a comparison after "or"'],
    ['(a = 1 b = 2)', 8, 'expected ")", found "b"'],
    ['risk = "low', 8, 'unterminated string'],
    ['risk = "low\\', 8, 'unterminated string'],
    ['risk = "lo\\w"', 11, 'only \\" and \\\\ may follow a backslash in text'],
    ['risk # 1', 6, 'unexpected "#"'],
    ['risk = 1 & b = 2', 10, 'unexpected "&"'],
    ['risk\u00a0= 1', 5, 'unexpected U+00A0'],
    ['a = 😀', 5, 'unexpected U+1F600'],
    ['a = 1 ! b', 7, 'unexpected "!"'],
    ['a == 1', 3, 'unexpected "==" (compare with a single =)'],
    ['a = - 1', 5, 'unexpected "-"'],
    ['a = 12.', 7, 'expected a digit after "12."'],
    ['a = .5', 5, 'unexpected "."'],
    [`a = 1${'0'.repeat(400)}`, 5, 'the number is too large'],
    ['and a = 1', 1, 'expected a comparison, found "and"'],
    ['5 < a', 1, 'expected a comparison, found "5"'],
    ['a = 1 and', 10, 'expected a comparison after "and"'],
    ['a = 1 and or b = 2', 11, 'expected a comparison after "and", found "or"'],
    ['not', 4, 'expected a comparison after "not"'],
    ['()', 2, 'expected a comparison after "(", found ")"'],
    ['in = 1', 1, 'expected a comparison, found "in"'],
    ['region in "emea"', 11, 'expected "(" after "in", found the text "emea"'],
    ['region in ()', 12, 'expected a value in the list, found ")"'],
    ['region in ("emea",)', 19, 'expected a value in the list, found ")"'],
    ['region in ("emea" "apac")', 19, 'expected "," or ")" in the list, found the text "apac"'],
    ['region in ("emea"', 18, 'expected "," or ")" in the list'],
    [`a = "${'x'.repeat(40)}" b`, 48, `expected the end of the rule, found "b"`],
    [`a = 1 ${'y'.repeat(40)}`, 7, `expected the end of the rule, found "${'y'.repeat(30)}…"`],
  ])('refuses %j at column %i: %s', (source, column, message) => {
    // Prepare — source

    // Act
    const result = parseExpression(source);

    // Assess
    expect(result).toEqual({ ok: false, error: { column, message } });
  });

  it('refuses a rule longer than 500 characters at column 501', () => {
    // Prepare
    const source = `a = "${'x'.repeat(494)}"`;

    // Act
    const atLimit = parseExpression(source);
    const over = parseExpression(`${source} `);

    // Assess
    expect(source).toHaveLength(500);
    expect(atLimit.ok).toBe(true);
    expect(over).toEqual({
      ok: false,
      error: { column: 501, message: 'the rule is too long (at most 500 characters)' },
    });
  });

  it('accepts 20 levels of nesting and refuses the 21st, naming its column', () => {
    // Prepare
    const twenty = `${'('.repeat(10)}${'not '.repeat(10)}a = 1${')'.repeat(10)}`;
    const twentyOne = `(${twenty})`;
    const nots = `${'not '.repeat(21)}a = 1`;

    // Act
    const results = [twenty, twentyOne, nots].map(parseExpression);

    // Assess
    expect(results[0]?.ok).toBe(true);
    const deep = 'the rule is nested too deeply (at most 20 levels)';
    expect(results[1]).toEqual({ ok: false, error: { column: 48, message: deep } });
    expect(results[2]).toEqual({ ok: false, error: { column: 81, message: deep } });
  });

  it('stops at the 21st of 250 parentheses rather than overflowing the stack', () => {
    // Prepare
    const parens = `${'('.repeat(250)}${')'.repeat(250)}`;

    // Act
    const result = parseExpression(parens);

    // Assess
    expect(result).toEqual({
      ok: false,
      error: { column: 21, message: 'the rule is nested too deeply (at most 20 levels)' },
    });
  });

  it('parses a long chain of "and"s, which is not nesting', () => {
    // Prepare
    const source = Array.from({ length: 40 }, (_, i) => `a${i}=${i}`).join(' and ');

    // Act
    const result = parseExpression(source);

    // Assess
    expect(source.length).toBeLessThanOrEqual(500);
    expect(result.ok && fieldsOf(result.expr)).toHaveLength(40);
  });

  it('property: never throws, on any string; an error names a column within the rule or just after it', () => {
    // Strings of the language's own pieces reach deep into the parser; arbitrary ones test the tokenizer.
    const pieceArb = fc.constantFrom(
      ...['a', 'risk', '=', '!=', '<', '>=', '(', ')', ',', '"', '\\', '"x"'],
      ...['not', 'and', 'or', 'in', '1', '-', '.', '12.5', ' ', '\n', '!', '#'],
    );
    const sourceArb = fc.oneof(
      fc.string({ maxLength: 600 }),
      fc.string({ maxLength: 600, unit: 'binary' }),
      fc.string({
        maxLength: 600,
        unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      }),
      fc.array(pieceArb, { maxLength: 200 }).map((pieces) => pieces.join(' ')),
      fc.array(pieceArb, { maxLength: 200 }).map((pieces) => pieces.join('')),
    );
    fc.assert(
      fc.property(sourceArb, (source) => {
        // Prepare — source

        // Act
        const result = parseExpression(source);

        // Assess
        if (!result.ok) {
          expect(result.error.column).toBeGreaterThanOrEqual(1);
          expect(result.error.column).toBeLessThanOrEqual(source.length + 1);
          expect(result.error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatExpressionError', () => {
  it('puts the column first', () => {
    // Prepare
    const error = { column: 17, message: 'expected a value after "<"' };

    // Act
    const text = formatExpressionError(error);

    // Assess
    expect(text).toBe('at column 17: expected a value after "<"');
  });
});

describe('printExpression', () => {
  it.each([
    ['estimatedCost<50000 and not(risk="high")', 'estimatedCost < 50000 and not risk = "high"'],
    ['(a = 1 or b = 2) and c = 3', '(a = 1 or b = 2) and c = 3'],
    ['a = 1 or (b = 2 and c = 3)', 'a = 1 or b = 2 and c = 3'],
    ['(a = 1 or b = 2) or c = 3', 'a = 1 or b = 2 or c = 3'],
    ['a = 1 or (b = 2 or c = 3)', 'a = 1 or (b = 2 or c = 3)'],
    ['a = 1 and (b = 2 and c = 3)', 'a = 1 and (b = 2 and c = 3)'],
    ['not (a = 1 and b = 2)', 'not (a = 1 and b = 2)'],
    ['not not a = 1', 'not not a = 1'],
    ['region in ("emea","apac" ,  3)', 'region in ("emea", "apac", 3)'],
    ['note = "say \\"hi\\" \\\\"', 'note = "say \\"hi\\" \\\\"'],
    ['x = 007.50', 'x = 7.5'],
    ['x = -0', 'x = -0'],
  ])('prints %j as %j', (source, expected) => {
    // Prepare
    const expr = parsed(source);

    // Act
    const text = printExpression(expr);

    // Assess
    expect(text).toBe(expected);
  });

  it.each([
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-2.5e22, '-25000000000000000000000'],
    [123.456, '123.456'],
  ])('spells %d out in plain digits, since rules have no exponents', (value, digits) => {
    // Prepare
    const expr: Expr = { kind: 'compare', field: 'x', op: '=', value };

    // Act
    const text = printExpression(expr);

    // Assess
    expect(text).toBe(`x = ${digits}`);
    expect(parsed(text)).toEqual(expr);
  });

  it('property: parsing the printed form gives the same rule back', () => {
    fc.assert(
      fc.property(
        exprArb(fieldArb, literalArb).filter((e) => printExpression(e).length <= 500),
        (expr) => {
          // Prepare
          const text = printExpression(expr);

          // Act
          const result = parseExpression(text);

          // Assess
          expect(result).toEqual({ ok: true, expr });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('fieldsOf', () => {
  it('lists each field once, in order of first mention', () => {
    // Prepare
    const expr = parsed('risk = "low" or (estimatedCost < 5 and not risk = "high") or region in ("emea")');

    // Act
    const fields = fieldsOf(expr);

    // Assess
    expect(fields).toEqual(['risk', 'estimatedCost', 'region']);
  });
});

describe('evaluate', () => {
  const proposal = { estimatedCost: 20000, risk: 'low', region: 'emea', startDate: '2027-03-01' };

  it.each([
    ['estimatedCost < 50000', true],
    ['estimatedCost < 20000', false],
    ['estimatedCost <= 20000', true],
    ['estimatedCost > 19999.5', true],
    ['estimatedCost >= 20001', false],
    ['estimatedCost = 20000', true],
    ['estimatedCost != 20000', false],
    ['risk = "low"', true],
    ['risk != "low"', false],
    ['risk = "Low"', false],
    ['region in ("emea", "apac")', true],
    ['region in ("amer")', false],
    ['startDate >= "2027-01-01"', true],
    ['startDate < "2027-02-28"', false],
    ['estimatedCost < 50000 and not (risk = "high")', true],
    ['estimatedCost > 50000 or region = "emea"', true],
    ['estimatedCost > 50000 or region = "apac"', false],
  ])('%s → %s', (source, expected) => {
    // Prepare
    const expr = parsed(source);

    // Act
    const result = evaluate(expr, proposal);

    // Assess
    expect(result).toBe(expected);
  });

  it.each(['=', '!=', '<', '<=', '>', '>='])(
    'treats %s on a field the proposal left empty as false, so the rule does not skip',
    (op) => {
      // Prepare
      const expr = parsed(`estimatedCost ${op} 50000`);

      // Act
      const results = [evaluate(expr, {}), evaluate(expr, { estimatedCost: undefined })];

      // Assess
      expect(results).toEqual([false, false]);
    },
  );

  it('treats "in" on an empty field as false, and its negation as true', () => {
    // Prepare
    const expr = parsed('region in ("emea")');

    // Act
    const results = [evaluate(expr, {}), evaluate({ kind: 'not', operand: expr }, {})];

    // Assess
    expect(results).toEqual([false, true]);
  });

  it('treats a comparison across types as false, whatever the operator', () => {
    // Prepare
    const rules = ['x = "5"', 'x != "5"', 'x < "9"', 'x >= "0"', 'x in ("5")', 'y = 5', 'y != 5', 'y > 0'];

    // Act
    const results = rules.map((rule) => evaluate(parsed(rule), { x: 5, y: '5' }));

    // Assess
    expect(results).toEqual(rules.map(() => false));
  });

  it('compares text by code units, so ISO dates compare in time order and case matters', () => {
    // Prepare
    const rules = ['d < "2027-10-01"', 'd > "2026-12-31"', 't < "a"', 't > "Zebra"'];

    // Act
    const results = rules.map((rule) => evaluate(parsed(rule), { d: '2027-09-30', t: 'Zebra' }));

    // Assess
    expect(results).toEqual([true, true, true, false]);
  });

  it('reads only the values own fields, never inherited ones like "constructor"', () => {
    // Prepare
    const expr = parsed('constructor != "x"');

    // Act
    const result = evaluate(expr, {});

    // Assess
    expect(result).toBe(false);
  });

  it('property: "not" negates', () => {
    fc.assert(
      fc.property(poolExprArb, valuesArb, (expr, values) => {
        // Prepare
        const negated: Expr = { kind: 'not', operand: expr };

        // Act
        const result = evaluate(negated, values);

        // Assess
        expect(result).toBe(!evaluate(expr, values));
      }),
      { numRuns: 500 },
    );
  });

  it('property: De Morgan, not (a and b) is (not a) or (not b)', () => {
    fc.assert(
      fc.property(poolExprArb, poolExprArb, valuesArb, (a, b, values) => {
        // Prepare
        const left: Expr = { kind: 'not', operand: { kind: 'and', left: a, right: b } };
        const right: Expr = {
          kind: 'or',
          left: { kind: 'not', operand: a },
          right: { kind: 'not', operand: b },
        };

        // Act
        const results = [evaluate(left, values), evaluate(right, values)];

        // Assess
        expect(results[0]).toBe(results[1]);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a rule and its printed-then-parsed form agree on every proposal', () => {
    fc.assert(
      fc.property(poolExprArb, valuesArb, (expr, values) => {
        // Prepare
        const reparsed = parsed(printExpression(expr));

        // Act
        const results = [evaluate(expr, values), evaluate(reparsed, values)];

        // Assess
        expect(results[0]).toBe(results[1]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('isCalendarDate', () => {
  it.each([
    ['2027-01-01', true],
    ['2027-12-31', true],
    ['2028-02-29', true],
    ['2000-02-29', true],
    ['2027-02-29', false],
    ['1900-02-29', false],
    ['2027-02-30', false],
    ['2027-04-31', false],
    ['2027-13-01', false],
    ['2027-00-10', false],
    ['2027-01-00', false],
    ['2027-1-01', false],
    ['27-01-01', false],
    ['2027-01-01T00:00:00Z', false],
    ['２０２７-01-01', false],
  ])('%s → %s', (value, expected) => {
    // Prepare — value

    // Act
    const result = isCalendarDate(value);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('checkExpression', () => {
  const FIELDS: FieldSpec[] = [
    { id: 'estimatedCost', label: 'Estimated cost', type: 'number', required: true, min: 0 },
    { id: 'risk', label: 'Risk', type: 'choice', required: true, choices: ['low', 'medium', 'high'] },
    { id: 'title', label: 'Title', type: 'text', required: false },
    { id: 'startDate', label: 'Start date', type: 'date', required: false },
  ];

  it.each([
    'estimatedCost < 50000 and not (risk = "high")',
    'estimatedCost in (1, 2.5)',
    'risk in ("low", "medium")',
    'risk != "high"',
    'title = "CRM" or title in ("ERP")',
    'startDate >= "2027-01-01" and startDate in ("2028-02-29")',
  ])('accepts %s', (source) => {
    // Prepare
    const expr = parsed(source);

    // Act
    const messages = checkExpression(expr, FIELDS);

    // Assess
    expect(messages).toEqual([]);
  });

  it.each([
    ['cost < 5', 'unknown field "cost" (fields: estimatedCost, risk, title, startDate)'],
    ['estimatedCost < "abc"', 'estimatedCost is a number: compare it with a number, not "abc"'],
    ['estimatedCost in (1, "2")', 'estimatedCost is a number: compare it with a number, not "2"'],
    ['risk = "urgent"', '"urgent" is not one of the choices of risk (low, medium, high)'],
    ['risk in ("low", 3)', '3 is not one of the choices of risk (low, medium, high)'],
    ['risk = "Low"', '"Low" is not one of the choices of risk (low, medium, high)'],
    ['risk < "high"', 'risk is a choice: only =, != and in apply'],
    ['startDate >= "next year"', 'startDate is a date: compare it with "YYYY-MM-DD"'],
    ['startDate = "2027-02-30"', 'startDate is a date: compare it with "YYYY-MM-DD"'],
    ['startDate > 2027', 'startDate is a date: compare it with "YYYY-MM-DD"'],
    ['title > "M"', 'title is text: only =, != and in apply'],
    ['title = 42', 'title is text: compare it with text in double quotes, not 42'],
  ])('for %s says %s', (source, message) => {
    // Prepare
    const expr = parsed(source);

    // Act
    const messages = checkExpression(expr, FIELDS);

    // Assess
    expect(messages).toEqual([message]);
  });

  it('reports every problem once, in the order of the rule', () => {
    // Prepare
    const expr = parsed('cost < 5 or (risk = "urgent" and cost > 1) or title >= 3');

    // Act
    const messages = checkExpression(expr, FIELDS);

    // Assess
    expect(messages).toEqual([
      'unknown field "cost" (fields: estimatedCost, risk, title, startDate)',
      '"urgent" is not one of the choices of risk (low, medium, high)',
      'title is text: only =, != and in apply',
      'title is text: compare it with text in double quotes, not 3',
    ]);
  });

  it('says so when the process has no fields at all', () => {
    // Prepare
    const expr = parsed('risk = "low"');

    // Act
    const messages = checkExpression(expr, []);

    // Assess
    expect(messages).toEqual(['unknown field "risk" (this process has no fields)']);
  });
});
