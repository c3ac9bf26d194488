/** The five Cooper Stage-Gate decisions, in order of severity (least to most). */
export const OUTCOMES = ['go', 'conditional-go', 'hold', 'recycle', 'kill'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABELS: Record<Outcome, string> = {
  go: 'Go',
  'conditional-go': 'Conditional Go',
  hold: 'Hold',
  recycle: 'Recycle',
  kill: 'Kill',
};

export const OUTCOME_MEANINGS: Record<Outcome, string> = {
  go: 'The project passes this gate and moves to the next stage.',
  'conditional-go': 'The project passes this gate on conditions that must be met by their due dates.',
  hold: 'The project is paused until a PMO admin resumes it.',
  recycle: 'The project goes back to an earlier gate and is reviewed again.',
  kill: 'The project stops here and goes to close-out.',
};

/** Go and Conditional Go let a project pass; the others stop it at this gate. */
export function isApproval(outcome: Outcome): boolean {
  return outcome === 'go' || outcome === 'conditional-go';
}

export function severity(outcome: Outcome): number {
  return OUTCOMES.indexOf(outcome);
}

/** The most severe of several outcomes (Kill beats Recycle beats Hold …). */
export function mostSevere(outcomes: readonly Outcome[]): Outcome | undefined {
  let worst: Outcome | undefined;
  for (const outcome of outcomes)
    if (worst === undefined || severity(outcome) > severity(worst)) worst = outcome;
  return worst;
}
