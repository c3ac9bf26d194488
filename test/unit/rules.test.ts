import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VoteRule } from '../../functions/domain/definition.ts';
import { isApproval, OUTCOMES, type Outcome } from '../../functions/domain/outcomes.ts';
import { approvalsNeeded, type Tally, tally, type Vote } from '../../functions/domain/rules.ts';

const RUNS = { numRuns: 200 };
const OUTSIDER = 'outsider@elsewhere.test';
type RuleKind = VoteRule['kind'];
const ALL_KINDS: RuleKind[] = ['all', 'any', 'quorum', 'percentage', 'sequential'];

/** 1–7 distinct approver e-mails (never the outsider). */
const approversArb = fc
  .uniqueArray(fc.emailAddress(), { minLength: 1, maxLength: 7 })
  .filter((list) => !list.includes(OUTSIDER));

/** A rule of one of `kinds`, valid for `count` approvers (percent with at most two decimals). */
function ruleArb(count: number, kinds: readonly RuleKind[] = ALL_KINDS): fc.Arbitrary<VoteRule> {
  const byKind: Record<RuleKind, fc.Arbitrary<VoteRule>> = {
    all: fc.constant({ kind: 'all' }),
    any: fc.constant({ kind: 'any' }),
    sequential: fc.constant({ kind: 'sequential' }),
    quorum: fc.integer({ min: 1, max: count }).map((n) => ({ kind: 'quorum', count: n })),
    percentage: fc
      .integer({ min: 1, max: 10_000 })
      .map((hundredths) => ({ kind: 'percentage', percent: hundredths / 100 })),
  };
  return fc.oneof(...kinds.map((k) => byKind[k]));
}

const outcomeArb = fc.constantFrom(...OUTCOMES);

function votesArb(approvers: readonly string[], maxLength = 12): fc.Arbitrary<Vote[]> {
  return fc.array(fc.record({ approver: fc.constantFrom(...approvers, OUTSIDER), outcome: outcomeArb }), {
    maxLength,
  });
}

interface Scenario {
  approvers: string[];
  rule: VoteRule;
  votes: Vote[];
}

function scenarioArb(kinds: readonly RuleKind[] = ALL_KINDS): fc.Arbitrary<Scenario> {
  return approversArb.chain((approvers) =>
    fc.record({
      approvers: fc.constant(approvers),
      rule: ruleArb(approvers.length, kinds),
      votes: votesArb(approvers),
    }),
  );
}

/** Each approver's first vote, in the order they were cast (the votes that count). */
function countedVotes(approvers: readonly string[], votes: readonly Vote[]): Vote[] {
  const seen = new Set<string>();
  const counted: Vote[] = [];
  for (const vote of votes) {
    if (approvers.includes(vote.approver) && !seen.has(vote.approver)) {
      seen.add(vote.approver);
      counted.push(vote);
    }
  }
  return counted;
}

/** Kill > Recycle > Hold, spelled out rather than borrowed from the domain. */
function worstStop(outcomes: readonly Outcome[]): Outcome {
  if (outcomes.includes('kill')) return 'kill';
  if (outcomes.includes('recycle')) return 'recycle';
  return 'hold';
}

function approvalOf(counted: readonly Vote[]): Outcome {
  return counted.some((v) => v.outcome === 'conditional-go') ? 'conditional-go' : 'go';
}

describe('approvalsNeeded', () => {
  it('needs every approver for all and sequential, one for any, the quorum for quorum', () => {
    // Prepare
    const count = 5;

    // Act
    const needed = {
      all: approvalsNeeded({ kind: 'all' }, count),
      sequential: approvalsNeeded({ kind: 'sequential' }, count),
      any: approvalsNeeded({ kind: 'any' }, count),
      quorum: approvalsNeeded({ kind: 'quorum', count: 3 }, count),
      quorumAboveApprovers: approvalsNeeded({ kind: 'quorum', count: 9 }, count),
    };

    // Assess
    expect(needed).toEqual({ all: 5, sequential: 5, any: 1, quorum: 3, quorumAboveApprovers: 5 });
  });

  it('rounds a percentage up: 50% of 3 needs 2, a third of 3 needs 1, 66.67% of 3 needs 3', () => {
    // Prepare
    const rules: VoteRule[] = [
      { kind: 'percentage', percent: 50 },
      { kind: 'percentage', percent: 100 / 3 },
      { kind: 'percentage', percent: 66.67 },
    ];

    // Act
    const needed = rules.map((rule) => approvalsNeeded(rule, 3));

    // Assess
    expect(needed).toEqual([2, 1, 3]);
  });

  it('property: a percentage rounds up exactly and never needs fewer than one approval', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 7 }),
        (hundredths, count) => {
          // Prepare
          const rule: VoteRule = { kind: 'percentage', percent: hundredths / 100 };
          const exact = Math.ceil((hundredths * count) / 10_000); // integer arithmetic, no float error

          // Act
          const needed = approvalsNeeded(rule, count);

          // Assess
          expect(needed).toBe(Math.max(1, exact));
          expect(needed).toBeGreaterThanOrEqual(1);
          expect(needed).toBeLessThanOrEqual(count);
        },
      ),
      RUNS,
    );
  });

  it('needs one approval even for a vanishingly small percentage', () => {
    // Prepare
    const rule: VoteRule = { kind: 'percentage', percent: 0.0001 };

    // Act
    const needed = approvalsNeeded(rule, 7);

    // Assess
    expect(needed).toBe(1);
  });
});

describe('tally — examples', () => {
  const approvers = ['ana@example.com', 'ben@example.com', 'cy@example.com'];

  it('all: waits for everyone, then passes', () => {
    // Prepare
    const rule: VoteRule = { kind: 'all' };
    const someVotes: Vote[] = [{ approver: 'ben@example.com', outcome: 'go' }];
    const everyVote: Vote[] = approvers.map((approver) => ({ approver, outcome: 'go' }));

    // Act
    const partial = tally(rule, approvers, someVotes);
    const complete = tally(rule, approvers, everyVote);

    // Assess
    expect(partial).toEqual({ status: 'pending', awaiting: ['ana@example.com', 'cy@example.com'] });
    expect(complete).toEqual({ status: 'decided', outcome: 'go' });
  });

  it('all: several stops resolve to the most severe (Kill > Recycle > Hold)', () => {
    // Prepare
    const rule: VoteRule = { kind: 'all' };
    const votes: Vote[] = [
      { approver: 'ana@example.com', outcome: 'hold' },
      { approver: 'ben@example.com', outcome: 'kill' },
      { approver: 'cy@example.com', outcome: 'recycle' },
    ];

    // Act
    const result = tally(rule, approvers, votes);
    const withoutKill = tally(rule, approvers, [votes[0] as Vote, votes[2] as Vote]);

    // Assess
    expect(result).toEqual({ status: 'decided', outcome: 'kill' });
    expect(withoutKill).toEqual({ status: 'decided', outcome: 'recycle' });
  });

  it('quorum 2 of 3: one Kill leaves it open, a second stop decides it', () => {
    // Prepare
    const rule: VoteRule = { kind: 'quorum', count: 2 };
    const kill: Vote = { approver: 'ana@example.com', outcome: 'kill' };
    const hold: Vote = { approver: 'ben@example.com', outcome: 'hold' };

    // Act
    const afterKill = tally(rule, approvers, [kill]);
    const afterHold = tally(rule, approvers, [kill, hold]);

    // Assess
    expect(afterKill).toEqual({ status: 'pending', awaiting: ['ben@example.com', 'cy@example.com'] });
    expect(afterHold).toEqual({ status: 'decided', outcome: 'kill' });
  });

  it('sequential: asks the chain one at a time, in order', () => {
    // Prepare
    const rule: VoteRule = { kind: 'sequential' };

    // Act
    const none = tally(rule, approvers, []);
    const afterFirst = tally(rule, approvers, [{ approver: 'ana@example.com', outcome: 'go' }]);

    // Assess
    expect(none).toEqual({ status: 'pending', awaiting: ['ana@example.com'] });
    expect(afterFirst).toEqual({ status: 'pending', awaiting: ['ben@example.com'] });
  });

  it('any: nobody has voted yet, so everyone is awaited', () => {
    // Prepare
    const rule: VoteRule = { kind: 'any' };

    // Act
    const result = tally(rule, approvers, [{ approver: OUTSIDER, outcome: 'go' }]);

    // Assess
    expect(result).toEqual({ status: 'pending', awaiting: approvers });
  });
});

describe('tally — properties', () => {
  it('unanimous Go is decided Go under every rule', () => {
    fc.assert(
      fc.property(
        approversArb.chain((approvers) =>
          fc.tuple(
            ruleArb(approvers.length),
            fc.shuffledSubarray(approvers, { minLength: approvers.length, maxLength: approvers.length }),
            fc.constant(approvers),
          ),
        ),
        ([rule, order, approvers]) => {
          // Prepare
          const votes: Vote[] = order.map((approver) => ({ approver, outcome: 'go' }));

          // Act
          const result = tally(rule, approvers, votes);

          // Assess
          expect(result).toEqual({ status: 'decided', outcome: 'go' });
        },
      ),
      RUNS,
    );
  });

  it('once every approver has voted, the gate is decided', () => {
    fc.assert(
      fc.property(
        scenarioArb().chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.array(outcomeArb, { minLength: s.approvers.length, maxLength: s.approvers.length }),
          ),
        ),
        ([{ approvers, rule, votes }, lastOutcomes]) => {
          // Prepare
          const everyone = approvers.map((approver, i) => ({
            approver,
            outcome: lastOutcomes[i] ?? 'go',
          }));

          // Act
          const result = tally(rule, approvers, [...votes, ...everyone]);

          // Assess
          expect(result.status).toBe('decided');
        },
      ),
      RUNS,
    );
  });

  it('all / sequential: passes iff every approver approved; any stop decides with the most severe stop', () => {
    fc.assert(
      fc.property(scenarioArb(['all', 'sequential']), ({ approvers, rule, votes }) => {
        // Prepare
        const counted = countedVotes(approvers, votes);
        const stops = counted.map((v) => v.outcome).filter((o) => !isApproval(o));
        const expected: Tally =
          stops.length > 0
            ? { status: 'decided', outcome: worstStop(stops) }
            : counted.length === approvers.length
              ? { status: 'decided', outcome: approvalOf(counted) }
              : {
                  status: 'pending',
                  awaiting: approvers.filter((a) => !counted.some((v) => v.approver === a)),
                };

        // Act
        const result = tally(rule, approvers, votes);

        // Assess
        if (expected.status === 'pending' && rule.kind === 'sequential')
          expect(result).toEqual({ status: 'pending', awaiting: expected.awaiting.slice(0, 1) });
        else expect(result).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('all / sequential: a single non-approval decides at once, whatever the others would say', () => {
    fc.assert(
      fc.property(
        approversArb.chain((approvers) =>
          fc.record({
            approvers: fc.constant(approvers),
            rule: ruleArb(approvers.length, ['all', 'sequential']),
            order: fc.shuffledSubarray(approvers, {
              minLength: approvers.length,
              maxLength: approvers.length,
            }),
            approvedBefore: fc.nat({ max: approvers.length - 1 }),
            approval: fc.constantFrom<Outcome>('go', 'conditional-go'),
            stop: fc.constantFrom<Outcome>('hold', 'recycle', 'kill'),
          }),
        ),
        ({ approvers, rule, order, approvedBefore, approval, stop }) => {
          // Prepare
          const approvals: Vote[] = order
            .slice(0, approvedBefore)
            .map((approver) => ({ approver, outcome: approval }));
          const stopper = order[approvedBefore] as string;

          // Act
          const result = tally(rule, approvers, [...approvals, { approver: stopper, outcome: stop }]);

          // Assess
          expect(result).toEqual({ status: 'decided', outcome: stop });
        },
      ),
      RUNS,
    );
  });

  it('any: the first counted vote decides, whatever it is', () => {
    fc.assert(
      fc.property(scenarioArb(['any']), ({ approvers, rule, votes }) => {
        // Prepare
        const [first] = countedVotes(approvers, votes);

        // Act
        const result = tally(rule, approvers, votes);

        // Assess
        if (first) expect(result).toEqual({ status: 'decided', outcome: first.outcome });
        else expect(result).toEqual({ status: 'pending', awaiting: approvers });
      }),
      RUNS,
    );
  });

  it('quorum / percentage: decided Go exactly when approvals reach approvalsNeeded', () => {
    fc.assert(
      fc.property(scenarioArb(['quorum', 'percentage']), ({ approvers, rule, votes }) => {
        // Prepare
        const counted = countedVotes(approvers, votes);
        const approvals = counted.filter((v) => isApproval(v.outcome));
        const stops = counted.map((v) => v.outcome).filter((o) => !isApproval(o));
        const notVoted = approvers.filter((a) => !counted.some((v) => v.approver === a));
        const needed = approvalsNeeded(rule, approvers.length);

        // Act
        const result = tally(rule, approvers, votes);

        // Assess
        const passed = result.status === 'decided' && isApproval(result.outcome);
        expect(passed).toBe(approvals.length >= needed);
        if (approvals.length >= needed)
          expect(result).toEqual({ status: 'decided', outcome: approvalOf(approvals) });
        else if (approvals.length + notVoted.length < needed)
          expect(result).toEqual({ status: 'decided', outcome: worstStop(stops) });
        else expect(result).toEqual({ status: 'pending', awaiting: notVoted });
      }),
      RUNS,
    );
  });

  it('for every rule but any, the result does not depend on the order of the first votes', () => {
    fc.assert(
      fc.property(
        scenarioArb(['all', 'quorum', 'percentage', 'sequential']).chain((s) => {
          const counted = countedVotes(s.approvers, s.votes);
          return fc.tuple(
            fc.constant(s),
            fc.constant(counted),
            fc.shuffledSubarray(counted, { minLength: counted.length, maxLength: counted.length }),
          );
        }),
        ([{ approvers, rule }, counted, reordered]) => {
          // Prepare — `counted` and `reordered` hold the same first votes in different orders

          // Act
          const original = tally(rule, approvers, counted);
          const shuffled = tally(rule, approvers, reordered);

          // Assess
          expect(shuffled).toEqual(original);
        },
      ),
      RUNS,
    );
  });

  it("a non-approver's vote and a second vote by the same approver change nothing", () => {
    fc.assert(
      fc.property(
        scenarioArb().chain((s) =>
          fc.record({
            s: fc.constant(s),
            outsiderAt: fc.nat({ max: s.votes.length }),
            outsiderOutcome: outcomeArb,
            repeatOutcomes: fc.array(outcomeArb, {
              minLength: s.approvers.length,
              maxLength: s.approvers.length,
            }),
          }),
        ),
        ({ s: { approvers, rule, votes }, outsiderAt, outsiderOutcome, repeatOutcomes }) => {
          // Prepare
          const withOutsider = [
            ...votes.slice(0, outsiderAt),
            { approver: OUTSIDER, outcome: outsiderOutcome },
            ...votes.slice(outsiderAt),
          ];
          const counted = countedVotes(approvers, votes);
          const secondVotes = counted.map((v, i) => ({
            approver: v.approver,
            outcome: repeatOutcomes[i] ?? 'kill',
          }));

          // Act
          const base = tally(rule, approvers, votes);
          const afterOutsider = tally(rule, approvers, withOutsider);
          const afterSecondVotes = tally(rule, approvers, [...votes, ...secondVotes]);

          // Assess
          expect(afterOutsider).toEqual(base);
          expect(afterSecondVotes).toEqual(base);
        },
      ),
      RUNS,
    );
  });

  it('sequential: while pending, awaits exactly the first approver who has not voted', () => {
    fc.assert(
      fc.property(scenarioArb(['sequential']), ({ approvers, rule, votes }) => {
        // Prepare
        const counted = countedVotes(approvers, votes);
        const firstNotVoted = approvers.find((a) => !counted.some((v) => v.approver === a));

        // Act
        const result = tally(rule, approvers, votes);

        // Assess
        if (result.status === 'pending') expect(result.awaiting).toEqual([firstNotVoted]);
        else
          expect(counted.length === approvers.length || counted.some((v) => !isApproval(v.outcome))).toBe(
            true,
          );
      }),
      RUNS,
    );
  });

  it('a passed gate is Conditional Go iff some counted approval was Conditional Go', () => {
    fc.assert(
      fc.property(
        scenarioArb(['all', 'quorum', 'percentage', 'sequential']).chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.array(fc.constantFrom<Outcome>('go', 'conditional-go'), {
              minLength: s.approvers.length,
              maxLength: s.approvers.length,
            }),
          ),
        ),
        ([{ approvers, rule, votes }, approvals]) => {
          // Prepare — keep the generated votes, then have everyone else approve so the gate passes
          const counted = countedVotes(approvers, votes).filter((v) => isApproval(v.outcome));
          const voted = new Set(counted.map((v) => v.approver));
          const rest = approvers
            .filter((a) => !voted.has(a))
            .map((approver, i) => ({ approver, outcome: approvals[i] ?? 'go' }));
          const allVotes = [...counted, ...rest];

          // Act
          const result = tally(rule, approvers, allVotes);

          // Assess
          const anyConditional = allVotes.some((v) => v.outcome === 'conditional-go');
          expect(result).toEqual({ status: 'decided', outcome: anyConditional ? 'conditional-go' : 'go' });
        },
      ),
      RUNS,
    );
  });
});
