import type { VoteRule } from './definition.ts';
import { isApproval, mostSevere, type Outcome } from './outcomes.ts';

export interface Vote {
  approver: string;
  outcome: Outcome;
}

export type Tally = { status: 'pending'; awaiting: string[] } | { status: 'decided'; outcome: Outcome };

/** How many approvals a rule needs from `count` approvers. */
export function approvalsNeeded(rule: VoteRule, count: number): number {
  switch (rule.kind) {
    case 'all':
    case 'sequential':
      return count;
    case 'any':
      return 1;
    case 'quorum':
      return Math.min(rule.count, count);
    case 'percentage':
      return Math.max(1, Math.ceil((rule.percent * count) / 100 - 1e-9));
  }
}

/**
 * Combines the approvers' votes into the gate's outcome.
 * - `any`: the first vote decides, whatever it is.
 * - otherwise the gate passes once enough approvals are in (Conditional Go if any
 *   approval was conditional), and stops as soon as enough approvals can no longer
 *   be reached, with the most severe of the stopping votes (Kill > Recycle > Hold).
 * - `sequential` asks one approver at a time, in order.
 * Votes from people who are not approvers are ignored; only an approver's first vote counts.
 */
export function tally(rule: VoteRule, approvers: readonly string[], votes: readonly Vote[]): Tally {
  const counted = new Map<string, Outcome>();
  for (const vote of votes) {
    if (approvers.includes(vote.approver) && !counted.has(vote.approver))
      counted.set(vote.approver, vote.outcome);
  }
  const cast = [...counted.values()];
  const [first] = counted.values();
  if (rule.kind === 'any' && first) return { status: 'decided', outcome: first };

  const approvals = cast.filter(isApproval);
  const stops = cast.filter((o) => !isApproval(o));
  const needed = approvalsNeeded(rule, approvers.length);
  if (approvals.length >= needed) {
    return { status: 'decided', outcome: approvals.includes('conditional-go') ? 'conditional-go' : 'go' };
  }
  const notVoted = approvers.filter((a) => !counted.has(a));
  if (approvals.length + notVoted.length < needed) {
    return { status: 'decided', outcome: mostSevere(stops) ?? 'hold' };
  }
  const awaiting = rule.kind === 'sequential' ? notVoted.slice(0, 1) : notVoted;
  return { status: 'pending', awaiting };
}
