import * as z from 'zod/mini';
import { gateIndex, type ProcessDefinition } from './definition.ts';
import { OUTCOMES, type Outcome } from './outcomes.ts';
import { type Parsed, type Problem, parseWith } from './validation.ts';

const condition = z.strictObject({
  text: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)),
  due: z.iso.date(),
});

/** A decision as posted from the decision page, before the rules that need the gate. */
export const decisionInputSchema = z.strictObject({
  outcome: z.enum(OUTCOMES),
  comment: z.optional(z.string().check(z.trim(), z.maxLength(4000))),
  conditions: z.optional(z.array(condition).check(z.maxLength(10))),
  recycleTo: z.optional(z.string()),
  scores: z.optional(z.record(z.string(), z.int().check(z.gte(0), z.lte(10)))),
  packageHash: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be the version hash shown on the page')),
});

export type DecisionInput = z.infer<typeof decisionInputSchema>;

export interface Decision {
  outcome: Outcome;
  comment: string;
  conditions: { text: string; due: string }[];
  recycleTo?: string;
  scores: Record<string, number>;
  packageHash: string;
}

/**
 * Parses a decision and applies the rules that depend on the gate:
 * a comment for anything but Go, dated conditions for Conditional Go (and only then),
 * an earlier-or-same gate for Recycle, scores only on this gate's criteria.
 */
export function parseDecision(
  input: unknown,
  context: { definition: ProcessDefinition; gateId: string; today: string },
): Parsed<Decision> {
  const parsed = parseWith(decisionInputSchema, input);
  if (!parsed.ok) return parsed;
  const d = parsed.value;
  const problems: Problem[] = [];
  const comment = d.comment ?? '';
  const conditions = (d.conditions ?? []).filter((c) => c.text.length > 0);
  if (d.outcome !== 'go' && comment.length === 0) {
    problems.push({ path: 'comment', message: `a comment is required for ${d.outcome}` });
  }
  if (d.outcome === 'conditional-go') {
    if (conditions.length === 0)
      problems.push({ path: 'conditions', message: 'Conditional Go needs at least one condition' });
    conditions.forEach((c, i) => {
      if (c.due < context.today)
        problems.push({ path: `conditions.${i}.due`, message: 'must not be in the past' });
    });
  } else if (conditions.length > 0) {
    problems.push({ path: 'conditions', message: 'conditions belong to Conditional Go only' });
  }
  const current = gateIndex(context.definition, context.gateId);
  if (d.outcome === 'recycle') {
    const target = d.recycleTo === undefined ? -1 : gateIndex(context.definition, d.recycleTo);
    if (target < 0 || target > current) {
      problems.push({
        path: 'recycleTo',
        message: 'Recycle needs this gate or an earlier one to go back to',
      });
    }
  } else if (d.recycleTo) {
    problems.push({ path: 'recycleTo', message: 'only Recycle goes back to a gate' });
  }
  const gate = context.definition.gates[current];
  const criteria = new Set(
    [...(gate?.criteria.mustMeet ?? []), ...(gate?.criteria.shouldMeet ?? [])].map((c) => c.id),
  );
  for (const id of Object.keys(d.scores ?? {})) {
    if (!criteria.has(id))
      problems.push({ path: `scores.${id}`, message: 'is not a criterion of this gate' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      outcome: d.outcome,
      comment,
      conditions: d.outcome === 'conditional-go' ? conditions : [],
      ...(d.outcome === 'recycle' && d.recycleTo ? { recycleTo: d.recycleTo } : {}),
      scores: d.scores ?? {},
      packageHash: d.packageHash,
    },
  };
}
