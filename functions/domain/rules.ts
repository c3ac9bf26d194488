import type { VoteRule } from './definition.ts';
import { isApproval, mostSevere, type Outcome } from './outcomes.ts';

export interface Vote {
  approver: string;
  outcome: Outcome;
  /** The approver answered "no" to a must-meet criterion: the gate cannot pass. */
  knockout?: boolean;
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
 * Combines the approvers' votes into the gate's outcome (the table in docs/vote-rules.md).
 * - A knock-out (a must-meet criterion answered "no") stops the gate at once, whatever the
 *   rule: must-meet criteria are knock-outs for the gate, not for one voter.
 * - `any`: the first vote decides, whatever it is.
 * - otherwise the gate passes once enough approvals are in (Conditional Go if any approval
 *   was conditional), and stops as soon as enough approvals can no longer be reached, with
 *   the most severe of the stopping votes (Kill > Recycle > Hold).
 * - `sequential` asks one approver at a time, in order.
 * Votes from people who are not approvers are ignored; only an approver's first vote counts.
 */
export function tally(rule: VoteRule, approvers: readonly string[], votes: readonly Vote[]): Tally {
  const counted = new Map<string, Vote>();
  for (const vote of votes) {
    if (approvers.includes(vote.approver) && !counted.has(vote.approver)) counted.set(vote.approver, vote);
  }
  const cast = [...counted.values()];
  const stops = cast.filter((v) => !isApproval(v.outcome)).map((v) => v.outcome);
  if (cast.some((v) => v.knockout)) return { status: 'decided', outcome: mostSevere(stops) ?? 'hold' };
  const [first] = cast;
  if (rule.kind === 'any' && first) return { status: 'decided', outcome: first.outcome };

  const approvals = cast.filter((v) => isApproval(v.outcome)).map((v) => v.outcome);
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
