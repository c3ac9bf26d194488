import type { FieldSpec } from './fields.ts';

/**
 * The skip-rule language: a gate may be skipped when a rule over the proposal's fields holds, e.g.
 * `estimatedCost < 50000 and not (risk = "high")`. Rules are written by process owners and run on
 * every proposal, so the language is tiny, parsed by hand (never evaluated as code), and bounded in
 * length and nesting so that no rule can exhaust the stack.
 */

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type Literal = number | string;
export type Expr =
  | { kind: 'or' | 'and'; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'compare'; field: string; op: CompareOp; value: Literal }
  | { kind: 'in'; field: string; values: Literal[] };

/** `column` is 1-based, in UTF-16 code units, and points at the offending token. */
export interface ExpressionError {
  column: number;
  message: string;
}

/** Field names; shared with the field specs so that every field can be named in a rule. */
export const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;
export const RESERVED_WORDS: readonly string[] = ['and', 'or', 'not', 'in'];
const MAX_LENGTH = 500;
const MAX_DEPTH = 20;

type Token =
  | { kind: 'ident' | 'keyword' | 'op' | '(' | ')' | ',' | 'end'; text: string; column: number }
  | { kind: 'literal'; text: string; column: number; value: Literal };

class Failure {
  constructor(readonly error: ExpressionError) {}
}

function fail(column: number, message: string): never {
  throw new Failure({ column, message });
}

/** A character for a message: printable ASCII as itself, anything else by its code point. */
function showChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code > 0x20 && code < 0x7f ? `"${char}"` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function show(token: Token): string {
  const text = token.text.length > 30 ? `${token.text.slice(0, 30)}…` : token.text;
  return token.kind === 'literal' && typeof token.value === 'string' ? `the text ${text}` : `"${text}"`;
}

const found = (token: Token) => (token.kind === 'end' ? '' : `, found ${show(token)}`);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const take = (kind: 'ident' | 'keyword' | 'op' | '(' | ')' | ',', length: number) => {
    tokens.push({ kind, text: source.slice(i, i + length), column: i + 1 });
    i += length;
  };
  while (i < source.length) {
    const c = source[i] as string;
    const two = source.slice(i, i + 2);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '(' || c === ')' || c === ',') take(c, 1);
    else if (two === '!=' || two === '<=' || two === '>=') take('op', 2);
    else if (two === '==') fail(i + 1, 'unexpected "==" (compare with a single =)');
    else if (c === '=' || c === '<' || c === '>') take('op', 1);
    else if (isDigit(c) || (c === '-' && isDigit(source[i + 1]))) i = readNumber(source, i, tokens);
    else if (c === '"') i = readString(source, i, tokens);
    else if (/[A-Za-z]/.test(c)) {
      let end = i + 1;
      while (isWordChar(source[end])) end++;
      take(RESERVED_WORDS.includes(source.slice(i, end)) ? 'keyword' : 'ident', end - i);
    } else fail(i + 1, `unexpected ${showChar(String.fromCodePoint(source.codePointAt(i) ?? 0))}`);
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}

function readNumber(source: string, start: number, tokens: Token[]): number {
  let end = start + 1;
  while (isDigit(source[end])) end++;
  if (source[end] === '.') {
    if (!isDigit(source[end + 1])) fail(end + 1, `expected a digit after "${source.slice(start, end + 1)}"`);
    end++;
    while (isDigit(source[end])) end++;
  }
  const text = source.slice(start, end);
  const value = Number(text);
  if (!Number.isFinite(value)) fail(start + 1, 'the number is too large');
  tokens.push({ kind: 'literal', text, column: start + 1, value });
  return end;
}

function readString(source: string, start: number, tokens: Token[]): number {
  let value = '';
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '"') {
      tokens.push({ kind: 'literal', text: source.slice(start, i + 1), column: start + 1, value });
      return i + 1;
    }
    if (c === '\\') {
      const next = source[++i];
      if (next === undefined) break;
      if (next !== '"' && next !== '\\') fail(i, 'only \\" and \\\\ may follow a backslash in text');
      value += next;
    } else value += c;
  }
  return fail(start + 1, 'unterminated string');
}

/** Recursive descent over the grammar; `depth` counts the open parentheses and `not`s. */
function parseTokens(tokens: Token[]): Expr {
  let pos = 0;
  let depth = 0;
  const peek = () => tokens[pos] as Token;
  const next = () => {
    const token = peek();
    if (token.kind !== 'end') pos++;
    return token;
  };
  const isWord = (word: string) => peek().kind === 'keyword' && peek().text === word;
  const nested = <T>(token: Token, parse: () => T): T => {
    if (++depth > MAX_DEPTH)
      fail(token.column, `the rule is nested too deeply (at most ${MAX_DEPTH} levels)`);
    const result = parse();
    depth--;
    return result;
  };
  // Chains lean left: `a or b or c` is `(a or b) or c`.
  const chain = (kind: 'or' | 'and', operand: () => Expr) => (): Expr => {
    let left = operand();
    while (isWord(kind)) {
      next();
      left = { kind, left, right: operand() };
    }
    return left;
  };
  const not = (): Expr =>
    isWord('not') ? nested(next(), () => ({ kind: 'not', operand: not() })) : primary();
  const and = chain('and', not);
  const or = chain('or', and);

  const primary = (): Expr => {
    const before = tokens[pos - 1];
    const token = next();
    if (token.kind === '(') {
      return nested(token, () => {
        const inner = or();
        const close = next();
        if (close.kind !== ')') fail(close.column, `expected ")"${found(close)}`);
        return inner;
      });
    }
    if (token.kind !== 'ident') {
      fail(token.column, `expected a comparison${before ? ` after "${before.text}"` : ''}${found(token)}`);
    }
    const field = token.text;
    const op = next();
    if (op.kind === 'keyword' && op.text === 'in') return { kind: 'in', field, values: list() };
    if (op.kind !== 'op') fail(op.column, `expected a comparison operator after "${field}"${found(op)}`);
    const value = next();
    if (value.kind !== 'literal') {
      const hint = value.kind === 'ident' ? ' (text goes in double quotes)' : '';
      fail(value.column, `expected a value after "${op.text}"${found(value)}${hint}`);
    }
    return { kind: 'compare', field, op: op.text as CompareOp, value: value.value };
  };

  const list = (): Literal[] => {
    const open = next();
    if (open.kind !== '(') fail(open.column, `expected "(" after "in"${found(open)}`);
    const values: Literal[] = [];
    for (;;) {
      const value = next();
      if (value.kind !== 'literal') fail(value.column, `expected a value in the list${found(value)}`);
      values.push(value.value);
      const separator = next();
      if (separator.kind === ')') return values;
      if (separator.kind !== ',')
        fail(separator.column, `expected "," or ")" in the list${found(separator)}`);
    }
  };

  const expr = or();
  const rest = peek();
  if (rest.kind !== 'end') fail(rest.column, `expected the end of the rule, found ${show(rest)}`);
  return expr;
}

export function parseExpression(
  source: string,
): { ok: true; expr: Expr } | { ok: false; error: ExpressionError } {
  try {
    if (source.length > MAX_LENGTH)
      fail(MAX_LENGTH + 1, `the rule is too long (at most ${MAX_LENGTH} characters)`);
    const tokens = tokenize(source);
    if (tokens.length === 1) fail(1, 'empty rule');
    return { ok: true, expr: parseTokens(tokens) };
  } catch (e) {
    if (e instanceof Failure) return { ok: false, error: e.error };
    throw e;
  }
}

export function formatExpressionError(e: ExpressionError): string {
  return `at column ${e.column}: ${e.message}`;
}

/** Plain decimal digits, since the grammar has no exponents (`1e21` prints as 1 and 21 zeros). */
function printNumber(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(String(n));
  if (!match) return String(n);
  const [, sign, lead, rest = '', exponent] = match;
  const digits = `${lead}${rest}`;
  const point = 1 + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

export function printLiteral(value: Literal): string {
  return typeof value === 'number' ? printNumber(value) : `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

const PRECEDENCE = { or: 1, and: 2, not: 3, compare: 4, in: 4 } as const;

/** Canonical text: single spaces, and parentheses only where the tree needs them. */
export function printExpression(expr: Expr): string {
  const at = (e: Expr, min: number) =>
    PRECEDENCE[e.kind] < min ? `(${printExpression(e)})` : printExpression(e);
  switch (expr.kind) {
    case 'or':
    case 'and':
      // Chains lean left, so a right operand of equal precedence keeps its parentheses.
      return `${at(expr.left, PRECEDENCE[expr.kind])} ${expr.kind} ${at(expr.right, PRECEDENCE[expr.kind] + 1)}`;
    case 'not':
      return `not ${at(expr.operand, PRECEDENCE.not)}`;
    case 'compare':
      return `${expr.field} ${expr.op} ${printLiteral(expr.value)}`;
    case 'in':
      return `${expr.field} in (${expr.values.map(printLiteral).join(', ')})`;
  }
}

type Comparison = Extract<Expr, { field: string }>;

/** The comparisons in a rule, left to right. */
function comparisons(expr: Expr): Comparison[] {
  switch (expr.kind) {
    case 'or':
    case 'and':
      return [...comparisons(expr.left), ...comparisons(expr.right)];
    case 'not':
      return comparisons(expr.operand);
    default:
      return [expr];
  }
}

/** The fields a rule reads, each once, in order of first mention. */
export function fieldsOf(expr: Expr): string[] {
  return [...new Set(comparisons(expr).map((c) => c.field))];
}

/** -1, 0 or 1 for values of one type; NaN across types, which makes every comparison false. */
function order(a: Literal, b: Literal): number {
  if (typeof a !== typeof b) return Number.NaN;
  return a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.NaN;
}

const COMPARE: Record<CompareOp, (o: number) => boolean> = {
  '=': (o) => o === 0,
  '!=': (o) => o < 0 || o > 0,
  '<': (o) => o < 0,
  '<=': (o) => o <= 0,
  '>': (o) => o > 0,
  '>=': (o) => o >= 0,
};

/**
 * Whether the rule holds for a proposal's field values. A comparison on a field the proposal left
 * empty is false, whatever the operator (even `!=`), so a rule over an empty field does not skip the
 * gate — unless it is negated: `not (risk = "high")` holds when risk is empty.
 * Numbers compare numerically, text by UTF-16 code units (so ISO dates compare chronologically).
 */
export function evaluate(expr: Expr, values: Readonly<Record<string, Literal | undefined>>): boolean {
  switch (expr.kind) {
    case 'or':
      return evaluate(expr.left, values) || evaluate(expr.right, values);
    case 'and':
      return evaluate(expr.left, values) && evaluate(expr.right, values);
    case 'not':
      return !evaluate(expr.operand, values);
  }
  // Own keys only: a field called "constructor" must not find Object's.
  const value = Object.hasOwn(values, expr.field) ? values[expr.field] : undefined;
  if (value === undefined) return false;
  if (expr.kind === 'in') return expr.values.some((v) => order(value, v) === 0);
  return COMPARE[expr.op](order(value, expr.value));
}

/** `YYYY-MM-DD` naming a day that exists (no 2027-02-30). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

function comparisonProblems({ field, ...c }: Comparison, spec: FieldSpec): string[] {
  const values = c.kind === 'in' ? c.values : [c.value];
  const ordered = c.kind === 'compare' && c.op !== '=' && c.op !== '!=';
  const kind = spec.type === 'text' ? 'text' : 'a choice';
  const onlyEquality = ordered && spec.type !== 'number' && spec.type !== 'date';
  const problems = onlyEquality ? [`${field} is ${kind}: only =, != and in apply`] : [];
  for (const v of values) {
    if (spec.type === 'number' && typeof v !== 'number') {
      problems.push(`${field} is a number: compare it with a number, not ${printLiteral(v)}`);
    } else if (spec.type === 'date' && (typeof v !== 'string' || !isCalendarDate(v))) {
      problems.push(`${field} is a date: compare it with "YYYY-MM-DD"`);
    } else if (spec.type === 'text' && typeof v !== 'string') {
      problems.push(`${field} is text: compare it with text in double quotes, not ${printLiteral(v)}`);
    } else if (spec.type === 'choice' && (typeof v !== 'string' || !spec.choices.includes(v))) {
      problems.push(`${printLiteral(v)} is not one of the choices of ${field} (${spec.choices.join(', ')})`);
    }
  }
  return problems;
}

/** Type-checks a parsed rule against a process's fields; the messages are for the process owner. */
export function checkExpression(expr: Expr, fields: readonly FieldSpec[]): string[] {
  const known =
    fields.length > 0 ? `fields: ${fields.map((f) => f.id).join(', ')}` : 'this process has no fields';
  const messages = comparisons(expr).flatMap((c) => {
    const spec = fields.find((f) => f.id === c.field);
    return spec === undefined ? [`unknown field "${c.field}" (${known})`] : comparisonProblems(c, spec);
  });
  return [...new Set(messages)];
}
