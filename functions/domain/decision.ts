import * as z from 'zod/mini';
import { CLOSE_OUT_GATE_ID, gateIndex, type ProcessDefinition } from './definition.ts';
import { OUTCOME_LABELS, OUTCOMES, type Outcome } from './outcomes.ts';
import { knockouts, weightedScore } from './scoring.ts';
import { safeLine, safeText } from './text.ts';
import { type Parsed, type Problem, parseWith } from './validation.ts';

export const condition = z.strictObject({
  text: safeLine(1, 500),
  due: z.iso.date(),
  /** Who must meet it; the project's manager when absent. */
  owner: z.optional(z.email().check(z.toLowerCase())),
});

/** A decision as posted from the decision page, before the rules that need the gate. */
export const decisionInputSchema = z.strictObject({
  outcome: z.enum(OUTCOMES),
  comment: z.optional(z.union([z.literal(''), safeText(1, 4000)])),
  conditions: z.optional(z.array(condition).check(z.maxLength(10))),
  recycleTo: z.optional(z.string().check(z.maxLength(64))),
  /** Must-meet criteria, each answered yes or no. */
  mustMeet: z.optional(z.record(z.string().check(z.maxLength(64)), z.enum(['yes', 'no']))),
  /** Should-meet criteria, each scored 0–10. */
  scores: z.optional(z.record(z.string().check(z.maxLength(64)), z.int().check(z.gte(0), z.lte(10)))),
  /** Close-out sign-off: the checklist items confirmed, by position. */
  checklist: z.optional(z.array(z.int().check(z.gte(0), z.lt(20))).check(z.maxLength(20))),
  packageHash: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be the version hash shown on the page')),
});

export type DecisionInput = z.infer<typeof decisionInputSchema>;

export interface Condition {
  text: string;
  due: string;
  owner?: string;
}

export interface Decision {
  outcome: Outcome;
  comment: string;
  conditions: Condition[];
  recycleTo?: string;
  mustMeet: Record<string, 'yes' | 'no'>;
  scores: Record<string, number>;
  /** This approver's weighted should-meet score (0–100), when the gate has should-meet criteria. */
  weightedScore?: number;
  /** Must-meet criteria this approver answered "no". */
  knockouts: string[];
  packageHash: string;
}

export interface DecisionContext {
  definition: ProcessDefinition;
  /** The gate decided, or CLOSE_OUT_GATE_ID for the sponsor's close-out sign-off. */
  gateId: string;
  today: string;
  /** Gates this project skipped: a Recycle cannot go back to them. */
  skipped?: readonly string[];
}

/**
 * The gates a Recycle at this gate may go back to: this one or an earlier one the project went
 * through (not one it skipped). The decision page offers exactly these, so it never offers a
 * choice the decision would refuse.
 */
export function recycleChoices(
  context: Pick<DecisionContext, 'definition' | 'gateId' | 'skipped'>,
): ProcessDefinition['gates'] {
  const skipped = context.skipped ?? [];
  return context.definition.gates
    .slice(0, gateIndex(context.definition, context.gateId) + 1)
    .filter((g) => !skipped.includes(g.id));
}

/**
 * Parses a decision and applies the rules that depend on the gate (docs/vote-rules.md):
 * - a comment for anything but Go, and for a Go whose weighted score is under the threshold;
 * - every must-meet criterion answered; a "no" is a knock-out and rules out Go and Conditional Go;
 * - every should-meet criterion scored 0–10 to go on;
 * - dated conditions (not in the past) for Conditional Go, and only then;
 * - Recycle to this gate or an earlier one the project went through.
 * The close-out sign-off is a Go that confirms every checklist item.
 */
export function parseDecision(input: unknown, context: DecisionContext): Parsed<Decision> {
  const parsed = parseWith(decisionInputSchema, input);
  if (!parsed.ok) return parsed;
  if (context.gateId === CLOSE_OUT_GATE_ID) return parseSignOff(parsed.value, context);
  const d = parsed.value;
  const problems: Problem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const current = gateIndex(context.definition, context.gateId);
  const gate = context.definition.gates[current];
  if (!gate) return { ok: false, problems: [{ path: '(gate)', message: 'is not in this process' }] };
  const { criteria } = gate;
  const comment = d.comment ?? '';
  const approving = d.outcome === 'go' || d.outcome === 'conditional-go';

  const mustMeet = d.mustMeet ?? {};
  for (const id of Object.keys(mustMeet))
    if (!criteria.mustMeet.some((c) => c.id === id))
      problem(`mustMeet.${id}`, 'is not a must-meet criterion');
  for (const c of criteria.mustMeet)
    if (mustMeet[c.id] === undefined) problem(`mustMeet.${c.id}`, `answer yes or no: "${c.text}"`);
  const knockedOut = knockouts(criteria, mustMeet);
  if (approving && knockedOut.length > 0) {
    const texts = criteria.mustMeet.filter((c) => knockedOut.includes(c.id)).map((c) => `"${c.text}"`);
    problem(
      'outcome',
      `${OUTCOME_LABELS[d.outcome]} is not possible: the must-meet criterion ${texts.join(', ')} is not met`,
    );
  }

  const scores = d.scores ?? {};
  for (const id of Object.keys(scores))
    if (!criteria.shouldMeet.some((c) => c.id === id))
      problem(`scores.${id}`, 'is not a should-meet criterion');
  if (approving)
    for (const c of criteria.shouldMeet)
      if (scores[c.id] === undefined) problem(`scores.${c.id}`, `score 0–10 to go on: "${c.text}"`);
  const score = weightedScore(criteria, scores);
  if (d.outcome !== 'go' && comment.length === 0)
    problem('comment', `a comment is required for ${OUTCOME_LABELS[d.outcome]}`);
  else if (
    approving &&
    comment.length === 0 &&
    score !== undefined &&
    criteria.threshold !== undefined &&
    score < criteria.threshold
  ) {
    problem(
      'comment',
      `the weighted score ${score} is under the threshold ${criteria.threshold}: a comment is needed to go on anyway`,
    );
  }

  const conditions = d.conditions ?? [];
  if (d.outcome === 'conditional-go') {
    if (conditions.length === 0) problem('conditions', 'Conditional Go needs at least one condition');
    conditions.forEach((c, i) => {
      if (c.due < context.today) problem(`conditions.${i}.due`, 'must not be in the past');
    });
  } else if (conditions.length > 0) problem('conditions', 'conditions belong to Conditional Go only');

  if (d.outcome === 'recycle') {
    if (!recycleChoices(context).some((g) => g.id === d.recycleTo))
      problem('recycleTo', 'Recycle needs this gate or an earlier one the project went through');
  } else if (d.recycleTo) problem('recycleTo', 'only Recycle goes back to a gate');
  if (d.checklist?.length) problem('checklist', 'belongs to the close-out sign-off only');

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      outcome: d.outcome,
      comment,
      conditions: d.outcome === 'conditional-go' ? conditions : [],
      ...(d.outcome === 'recycle' && d.recycleTo ? { recycleTo: d.recycleTo } : {}),
      mustMeet,
      scores,
      ...(score === undefined ? {} : { weightedScore: score }),
      knockouts: knockedOut,
      packageHash: d.packageHash,
    },
  };
}

function parseSignOff(d: DecisionInput, context: DecisionContext): Parsed<Decision> {
  const problems: Problem[] = [];
  if (d.outcome !== 'go')
    problems.push({ path: 'outcome', message: 'a close-out is signed off, nothing else' });
  const { checklist } = context.definition.closeOut;
  const confirmed = new Set(d.checklist ?? []);
  checklist.forEach((item, i) => {
    if (!confirmed.has(i)) problems.push({ path: `checklist.${i}`, message: `confirm "${item}"` });
  });
  for (const i of confirmed)
    if (i >= checklist.length)
      problems.push({ path: `checklist.${i}`, message: 'is not an item of the close-out checklist' });
  for (const key of ['conditions', 'recycleTo', 'mustMeet', 'scores'] as const)
    if (d[key] !== undefined) problems.push({ path: key, message: 'does not apply to a close-out sign-off' });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      outcome: 'go',
      comment: d.comment ?? '',
      conditions: [],
      mustMeet: {},
      scores: {},
      knockouts: [],
      packageHash: d.packageHash,
    },
  };
}
