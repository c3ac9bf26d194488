import type { GateDefinition } from './definition.ts';

type Criteria = GateDefinition['criteria'];

/**
 * One approver's weighted score on a gate's should-meet criteria, 0–100:
 * Σ(score × weight) / Σ(weight) × 10, scores being 0–10. Undefined when the gate has no
 * should-meet criteria or a criterion was left unscored.
 */
export function weightedScore(
  criteria: Criteria,
  scores: Readonly<Record<string, number>>,
): number | undefined {
  if (criteria.shouldMeet.length === 0) return undefined;
  let total = 0;
  let weights = 0;
  for (const c of criteria.shouldMeet) {
    const score = scores[c.id];
    if (score === undefined) return undefined;
    total += score * c.weight;
    weights += c.weight;
  }
  return round1((total / weights) * 10);
}

/** The gate's score: the mean of the approvers' weighted scores (those who scored). */
export function gateScore(
  criteria: Criteria,
  perVote: readonly (number | undefined)[],
): { weighted: number; threshold?: number; scoredBy: number } | undefined {
  const scored = perVote.filter((s): s is number => s !== undefined);
  if (scored.length === 0) return undefined;
  const weighted = round1(scored.reduce((a, b) => a + b, 0) / scored.length);
  return {
    weighted,
    ...(criteria.threshold === undefined ? {} : { threshold: criteria.threshold }),
    scoredBy: scored.length,
  };
}

/** Must-meet criteria answered "no" (knock-outs). */
export function knockouts(criteria: Criteria, answers: Readonly<Record<string, 'yes' | 'no'>>): string[] {
  return criteria.mustMeet.filter((c) => answers[c.id] === 'no').map((c) => c.id);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
