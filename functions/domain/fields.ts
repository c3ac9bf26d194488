import * as z from 'zod/mini';
import { IDENTIFIER, isCalendarDate, RESERVED_WORDS } from './expression.ts';
import { safeLine, textProblem } from './text.ts';
import type { Parsed, Problem } from './validation.ts';

/**
 * The intake fields a process asks of each proposal (cost, risk, region, start date…). They are
 * typed so that skip rules can be checked against them before any proposal arrives.
 */

/** A field id is also how a skip rule names the field, so it follows the rule language's identifiers. */
const fieldId = z
  .string()
  .check(
    z.maxLength(40),
    z.regex(IDENTIFIER, 'must start with a letter and hold only letters, digits and underscores'),
  );
const common = { id: fieldId, label: safeLine(1, 120), required: z.boolean() };

export const fieldSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...common,
    type: z.literal('number'),
    min: z.optional(z.number()),
    max: z.optional(z.number()),
  }),
  z.strictObject({
    ...common,
    type: z.literal('text'),
    maxLength: z.optional(z.int().check(z.gte(1), z.lte(4000))),
  }),
  z.strictObject({
    ...common,
    type: z.literal('choice'),
    choices: z.array(safeLine(1, 60)).check(z.minLength(1), z.maxLength(50)),
  }),
  z.strictObject({ ...common, type: z.literal('date') }),
]);

export type FieldSpec = z.infer<typeof fieldSpecSchema>;

/** A text field without its own limit holds what fits in an e-mail paragraph. */
const DEFAULT_TEXT_LENGTH = 500;

/** The checks that span fields of a valid-shaped list; paths are relative to the list. */
export function fieldSpecProblems(specs: readonly FieldSpec[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  specs.forEach((spec, i) => {
    if (seen.has(spec.id)) problems.push({ path: `${i}.id`, message: `field id "${spec.id}" is used twice` });
    seen.add(spec.id);
    if (RESERVED_WORDS.includes(spec.id)) {
      problems.push({
        path: `${i}.id`,
        message: `"${spec.id}" is a word of the skip rules (${RESERVED_WORDS.join(', ')}) and cannot be a field id`,
      });
    }
    if (spec.type === 'number' && spec.min !== undefined && spec.max !== undefined && spec.max < spec.min) {
      problems.push({ path: `${i}.max`, message: 'must not be below min' });
    }
    if (spec.type === 'choice') {
      spec.choices.forEach((choice, j) => {
        if (spec.choices.indexOf(choice) !== j) {
          problems.push({ path: `${i}.choices`, message: `choice "${choice}" is listed twice` });
        }
      });
    }
  });
  return problems;
}

/** One field's value, or the message for what is wrong with it; `undefined` stands for absent. */
function fieldValue(spec: FieldSpec, raw: unknown): { value?: number | string; problem?: string } {
  // Forms send null or an empty string for a field left empty: both count as absent.
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  const absent = raw === undefined || raw === null || (text === '' && spec.type !== 'number');
  if (absent) return spec.required ? { problem: 'is required' } : {};
  switch (spec.type) {
    case 'number':
      // JSON numbers only: "5" is refused rather than guessed at.
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return { problem: 'must be a number' };
      if (spec.min !== undefined && raw < spec.min) return { problem: `must be at least ${spec.min}` };
      if (spec.max !== undefined && raw > spec.max) return { problem: `must be at most ${spec.max}` };
      return { value: raw };
    case 'text': {
      if (text === undefined) return { problem: 'must be text' };
      const problem = textProblem(text, { oneLine: false });
      if (problem !== undefined) return { problem };
      const max = spec.maxLength ?? DEFAULT_TEXT_LENGTH;
      return text.length > max ? { problem: `must be at most ${max} characters` } : { value: text };
    }
    case 'choice':
      return text !== undefined && spec.choices.includes(text)
        ? { value: text }
        : { problem: `must be one of: ${spec.choices.join(', ')}` };
    case 'date':
      return text !== undefined && isCalendarDate(text)
        ? { value: text }
        : { problem: 'must be a date (YYYY-MM-DD)' };
  }
}

/**
 * Validates a proposal's field values against its process's specs. Absent optional fields are left
 * out of the result; text, choices and dates come back trimmed.
 */
export function parseFieldValues(
  specs: readonly FieldSpec[],
  input: unknown,
): Parsed<Record<string, number | string>> {
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    return { ok: false, problems: [{ path: 'fields', message: 'must be an object' }] };
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const value: Record<string, number | string> = {};
  const problems: Problem[] = [];
  for (const spec of specs) {
    // Own keys only: a field called "constructor" must not find Object's.
    const result = fieldValue(spec, Object.hasOwn(given, spec.id) ? given[spec.id] : undefined);
    if (result.problem !== undefined) problems.push({ path: `fields.${spec.id}`, message: result.problem });
    else if (result.value !== undefined) value[spec.id] = result.value;
  }
  const known =
    specs.length > 0 ? `fields: ${specs.map((s) => s.id).join(', ')}` : 'this process has no fields';
  for (const key of Object.keys(given)) {
    if (!specs.some((s) => s.id === key)) {
      problems.push({ path: `fields.${key}`, message: `is not a field of this process (${known})` });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}
