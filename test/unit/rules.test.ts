import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VoteRule } from '../../functions/domain/definition.ts';
import { isApproval, OUTCOME_LABELS, OUTCOMES, type Outcome } from '../../functions/domain/outcomes.ts';
import { approvalsNeeded, type Tally, tally, type Vote } from '../../functions/domain/rules.ts';

const RUNS = { numRuns: 200 };
const OUTSIDER = 'outsider@elsewhere.test';
type RuleKind = VoteRule['kind'];
const ALL_KINDS: RuleKind[] = ['all', 'any', 'quorum', 'percentage', 'sequential'];
const STOPS: Outcome[] = ['hold', 'recycle', 'kill'];

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

/**
 * Votes by the approvers and the outsider, repeats included. With `knockouts`, some votes carry a
 * must-meet "no" (mostly on stop outcomes, as decision.ts allows; sometimes on any outcome, which
 * the tally must survive too).
 */
function votesArb(approvers: readonly string[], options: { knockouts?: boolean; maxLength?: number } = {}) {
  const approver = fc.constantFrom(...approvers, OUTSIDER);
  const plain = fc.record({ approver, outcome: outcomeArb });
  const vote: fc.Arbitrary<Vote> = options.knockouts
    ? fc.oneof(
        { arbitrary: plain, weight: 6 },
        {
          arbitrary: fc.record({ approver, outcome: fc.constantFrom(...STOPS), knockout: fc.boolean() }),
          weight: 2,
        },
        { arbitrary: fc.record({ approver, outcome: outcomeArb, knockout: fc.constant(true) }), weight: 1 },
      )
    : plain;
  return fc.array(vote, { maxLength: options.maxLength ?? 12 });
}

interface Scenario {
  approvers: string[];
  rule: VoteRule;
  votes: Vote[];
}

function scenarioArb(kinds: readonly RuleKind[] = ALL_KINDS, knockouts = false): fc.Arbitrary<Scenario> {
  return approversArb.chain((approvers) =>
    fc.record({
      approvers: fc.constant(approvers),
      rule: ruleArb(approvers.length, kinds),
      votes: votesArb(approvers, { knockouts }),
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

  // docs/vote-rules.md quotes these examples under "How many approvals a rule needs".
  it('rounds a percentage up: 50% of 3 needs 2, a third of 3 needs 1, 66.67% of 3 needs 3, 30% of 3 needs 1', () => {
    // Prepare
    const rules: VoteRule[] = [
      { kind: 'percentage', percent: 50 },
      { kind: 'percentage', percent: 100 / 3 },
      { kind: 'percentage', percent: 66.67 },
      { kind: 'percentage', percent: 30 },
    ];

    // Act
    const needed = rules.map((rule) => approvalsNeeded(rule, 3));

    // Assess
    expect(needed).toEqual([2, 1, 3, 1]);
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

/*
 * The vote-combination table of docs/vote-rules.md, row for row and word for word. Change one,
 * change the other: the last test below reads the table out of the document and compares.
 */
const NAMES = { Ana: 'ana@example.com', Ben: 'ben@example.com', Cy: 'cy@example.com' } as const;
type Name = keyof typeof NAMES;
const TABLE_APPROVERS = Object.values(NAMES);
const TABLE_RULES: Record<'all' | 'any' | 'quorum' | 'percentage' | 'sequential', VoteRule> = {
  all: { kind: 'all' },
  any: { kind: 'any' },
  quorum: { kind: 'quorum', count: 2 },
  percentage: { kind: 'percentage', percent: 30 },
  sequential: { kind: 'sequential' },
};
const TABLE_HEADER = [
  '#',
  'Mix of votes',
  'Votes, in the order cast',
  'all',
  'any',
  'quorum 2',
  '30 %',
  'sequential',
];

interface TableRow {
  mix: string;
  /** `[name, outcome]`, or `[name, outcome, 'knock-out']` for a must-meet "no". */
  votes: [Name, Outcome, 'knock-out'?][];
  all: string;
  any: string;
  quorum: string;
  percentage: string;
  sequential: string;
}

const TABLE: TableRow[] = [
  {
    mix: 'Nobody has voted yet',
    votes: [],
    all: 'pending (Ana, Ben, Cy)',
    any: 'pending (Ana, Ben, Cy)',
    quorum: 'pending (Ana, Ben, Cy)',
    percentage: 'pending (Ana, Ben, Cy)',
    sequential: 'pending (Ana)',
  },
  {
    mix: 'An approver not yet asked (sequential: Cy is asked after Ben)',
    votes: [['Ana', 'go']],
    all: 'pending (Ben, Cy)',
    any: 'Go at vote 1',
    quorum: 'pending (Ben, Cy)',
    percentage: 'Go at vote 1',
    sequential: 'pending (Ben)',
  },
  {
    mix: 'All Go',
    votes: [
      ['Ana', 'go'],
      ['Ben', 'go'],
      ['Cy', 'go'],
    ],
    all: 'Go at vote 3',
    any: 'Go at vote 1',
    quorum: 'Go at vote 2',
    percentage: 'Go at vote 1',
    sequential: 'Go at vote 3',
  },
  {
    mix: 'A Conditional Go among approvals',
    votes: [
      ['Ana', 'go'],
      ['Ben', 'conditional-go'],
      ['Cy', 'go'],
    ],
    all: 'Conditional Go at vote 3',
    any: 'Go at vote 1',
    quorum: 'Conditional Go at vote 2',
    percentage: 'Go at vote 1',
    sequential: 'Conditional Go at vote 3',
  },
  {
    mix: 'One stop vote, cast first',
    votes: [['Ana', 'hold']],
    all: 'Hold at vote 1',
    any: 'Hold at vote 1',
    quorum: 'pending (Ben, Cy)',
    percentage: 'pending (Ben, Cy)',
    sequential: 'Hold at vote 1',
  },
  {
    mix: 'One stop vote after an approval',
    votes: [
      ['Ana', 'go'],
      ['Ben', 'hold'],
    ],
    all: 'Hold at vote 2',
    any: 'Go at vote 1',
    quorum: 'pending (Cy)',
    percentage: 'Go at vote 1',
    sequential: 'Hold at vote 2',
  },
  {
    mix: 'One stop vote, outvoted',
    votes: [
      ['Ana', 'hold'],
      ['Ben', 'go'],
      ['Cy', 'go'],
    ],
    all: 'Hold at vote 1',
    any: 'Hold at vote 1',
    quorum: 'Go at vote 3',
    percentage: 'Go at vote 2',
    sequential: 'Hold at vote 1',
  },
  {
    mix: 'Enough stops that approval is unreachable',
    votes: [
      ['Ana', 'recycle'],
      ['Ben', 'kill'],
    ],
    all: 'Recycle at vote 1',
    any: 'Recycle at vote 1',
    quorum: 'Kill at vote 2',
    percentage: 'pending (Cy)',
    sequential: 'Recycle at vote 1',
  },
  {
    mix: 'Stops after an approval',
    votes: [
      ['Ana', 'go'],
      ['Ben', 'hold'],
      ['Cy', 'kill'],
    ],
    all: 'Hold at vote 2',
    any: 'Go at vote 1',
    quorum: 'Kill at vote 3',
    percentage: 'Go at vote 1',
    sequential: 'Hold at vote 2',
  },
  {
    mix: 'Every approver stops',
    votes: [
      ['Ana', 'hold'],
      ['Ben', 'recycle'],
      ['Cy', 'kill'],
    ],
    all: 'Hold at vote 1',
    any: 'Hold at vote 1',
    quorum: 'Recycle at vote 2',
    percentage: 'Kill at vote 3',
    sequential: 'Hold at vote 1',
  },
  {
    mix: 'A knock-out, cast first',
    votes: [['Ana', 'hold', 'knock-out']],
    all: 'Hold at vote 1',
    any: 'Hold at vote 1',
    quorum: 'Hold at vote 1',
    percentage: 'Hold at vote 1',
    sequential: 'Hold at vote 1',
  },
  {
    mix: 'A knock-out after an approval',
    votes: [
      ['Ana', 'go'],
      ['Ben', 'recycle', 'knock-out'],
    ],
    all: 'Recycle at vote 2',
    any: 'Go at vote 1',
    quorum: 'Recycle at vote 2',
    percentage: 'Go at vote 1',
    sequential: 'Recycle at vote 2',
  },
  {
    mix: 'A knock-out after a more severe stop',
    votes: [
      ['Ana', 'kill'],
      ['Ben', 'hold', 'knock-out'],
    ],
    all: 'Kill at vote 1',
    any: 'Kill at vote 1',
    quorum: 'Kill at vote 2',
    percentage: 'Kill at vote 2',
    sequential: 'Kill at vote 1',
  },
];

function tableVotes(row: TableRow): Vote[] {
  return row.votes.map(([name, outcome, knockout]) => ({
    approver: NAMES[name],
    outcome,
    ...(knockout ? { knockout: true } : {}),
  }));
}

function nameOf(email: string): string {
  return Object.entries(NAMES).find(([, e]) => e === email)?.[0] ?? email;
}

/**
 * What the platform does with these votes: they come in one at a time, and the first one that
 * settles the gate closes it (decide() in functions/usecases/decisions.ts), so later approvers
 * never vote. Renders the result as the document's cells do.
 */
function settle(rule: VoteRule, votes: readonly Vote[]): string {
  for (let cast = 0; ; cast++) {
    const result = tally(rule, TABLE_APPROVERS, votes.slice(0, cast));
    if (result.status === 'decided') return `${OUTCOME_LABELS[result.outcome]} at vote ${cast}`;
    if (cast === votes.length) return `pending (${result.awaiting.map(nameOf).join(', ')})`;
  }
}

function renderVotes(row: TableRow): string {
  if (row.votes.length === 0) return '—';
  return row.votes
    .map(([name, outcome, knockout]) => `${name} ${OUTCOME_LABELS[outcome]}${knockout ? ' ✗' : ''}`)
    .join(' · ');
}

function renderRow(row: TableRow, index: number): string[] {
  return [
    String(index + 1),
    row.mix,
    renderVotes(row),
    row.all,
    row.any,
    row.quorum,
    row.percentage,
    row.sequential,
  ];
}

/** The table between the markers of docs/vote-rules.md, as trimmed cells. */
function documentTable(): string[][] {
  const text = readFileSync(new URL('../../docs/vote-rules.md', import.meta.url), 'utf8');
  const start = text.indexOf('<!-- vote-table:start -->');
  const end = text.indexOf('<!-- vote-table:end -->');
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return text
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .map((line) =>
      line
        .slice(1, line.lastIndexOf('|'))
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('tally — the vote-combination table (docs/vote-rules.md)', () => {
  it.each(TABLE.map((row, i) => [i + 1, row.mix, row] as const))('row %i: %s', (_n, _mix, row) => {
    // Prepare
    const votes = tableVotes(row);

    // Act
    const cells = {
      all: settle(TABLE_RULES.all, votes),
      any: settle(TABLE_RULES.any, votes),
      quorum: settle(TABLE_RULES.quorum, votes),
      percentage: settle(TABLE_RULES.percentage, votes),
      sequential: settle(TABLE_RULES.sequential, votes),
    };

    // Assess
    expect(cells).toEqual({
      all: row.all,
      any: row.any,
      quorum: row.quorum,
      percentage: row.percentage,
      sequential: row.sequential,
    });
  });

  it('uses rules that differ: quorum 2 and 30 % of three approvers need 2 and 1 approvals', () => {
    // Prepare
    const count = TABLE_APPROVERS.length;

    // Act
    const needed = [
      approvalsNeeded(TABLE_RULES.quorum, count),
      approvalsNeeded(TABLE_RULES.percentage, count),
    ];

    // Assess
    expect(needed).toEqual([2, 1]);
  });

  it('is the table printed in docs/vote-rules.md, word for word', () => {
    // Prepare
    const expected = [TABLE_HEADER, ...TABLE.map(renderRow)];

    // Act
    const printed = documentTable();

    // Assess
    expect(printed).toEqual(expected);
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

  it.each(ALL_KINDS)('%s: a knock-out stops the gate even before anyone else has voted', (kind) => {
    // Prepare
    const rule: VoteRule =
      kind === 'quorum'
        ? { kind, count: 1 }
        : kind === 'percentage'
          ? { kind, percent: 1 }
          : ({ kind } as VoteRule);
    const votes: Vote[] = [{ approver: 'cy@example.com', outcome: 'recycle', knockout: true }];

    // Act
    const result = tally(rule, approvers, votes);

    // Assess
    expect(result).toEqual({ status: 'decided', outcome: 'recycle' });
  });

  it('a knock-out recorded on an approving vote still stops the gate, as Hold', () => {
    // Prepare — decision.ts refuses this combination; the tally must not pass the gate anyway
    const rule: VoteRule = { kind: 'any' };
    const votes: Vote[] = [{ approver: 'ana@example.com', outcome: 'go', knockout: true }];

    // Act
    const result = tally(rule, approvers, votes);

    // Assess
    expect(result).toEqual({ status: 'decided', outcome: 'hold' });
  });

  it('a knock-out from an outsider or in a second vote is ignored', () => {
    // Prepare
    const rule: VoteRule = { kind: 'quorum', count: 2 };
    const votes: Vote[] = [
      { approver: OUTSIDER, outcome: 'kill', knockout: true },
      { approver: 'ana@example.com', outcome: 'go' },
      { approver: 'ana@example.com', outcome: 'kill', knockout: true },
      { approver: 'ben@example.com', outcome: 'go' },
    ];

    // Act
    const result = tally(rule, approvers, votes);

    // Assess
    expect(result).toEqual({ status: 'decided', outcome: 'go' });
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
        scenarioArb(ALL_KINDS, true).chain((s) =>
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
            stop: fc.constantFrom(...STOPS),
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

  it('with knock-outs: a counted knock-out decides the most severe stop cast; otherwise as without', () => {
    fc.assert(
      fc.property(scenarioArb(ALL_KINDS, true), ({ approvers, rule, votes }) => {
        // Prepare
        const counted = countedVotes(approvers, votes);
        const stops = counted.map((v) => v.outcome).filter((o) => !isApproval(o));
        const withoutFlags = votes.map(({ approver, outcome }) => ({ approver, outcome }));

        // Act
        const result = tally(rule, approvers, votes);

        // Assess
        if (counted.some((v) => v.knockout))
          expect(result).toEqual({ status: 'decided', outcome: worstStop(stops) });
        else expect(result).toEqual(tally(rule, approvers, withoutFlags));
      }),
      RUNS,
    );
  });

  it('(a) monotonicity: adding a Go vote never turns a decided Go into a stop outcome', () => {
    let decidedGo = 0;
    fc.assert(
      fc.property(
        scenarioArb(ALL_KINDS, true).chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.constantFrom(...s.approvers, OUTSIDER),
            fc.nat({ max: s.votes.length }),
          ),
        ),
        ([{ approvers, rule, votes }, voter, at]) => {
          // Prepare — the Go may come after the others or anywhere among them
          const before = tally(rule, approvers, votes);
          fc.pre(before.status === 'decided' && before.outcome === 'go');
          decidedGo++;
          const go: Vote = { approver: voter, outcome: 'go' };

          // Act
          const appended = tally(rule, approvers, [...votes, go]);
          const inserted = tally(rule, approvers, [...votes.slice(0, at), go, ...votes.slice(at)]);

          // Assess
          for (const after of [appended, inserted]) {
            expect(after.status).toBe('decided');
            expect(after.status === 'decided' && isApproval(after.outcome)).toBe(true);
          }
          expect(appended).toEqual({ status: 'decided', outcome: 'go' });
        },
      ),
      { numRuns: 400 },
    );
    expect(decidedGo).toBeGreaterThan(20); // not checked vacuously
  });

  it('(b) for all, quorum, percentage (and sequential) the result does not depend on vote order', () => {
    fc.assert(
      fc.property(
        scenarioArb(['all', 'quorum', 'percentage', 'sequential'], true).chain((s) => {
          const counted = countedVotes(s.approvers, s.votes);
          return fc.tuple(
            fc.constant(s),
            fc.constant(counted),
            fc.shuffledSubarray(counted, { minLength: counted.length, maxLength: counted.length }),
          );
        }),
        ([{ approvers, rule }, counted, reordered]) => {
          // Prepare — `counted` and `reordered` hold the same first votes in different orders
          // (`any` is left out: its first vote decides)

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

  it('(b) any does depend on order: the first vote decides', () => {
    // Prepare
    const approvers = ['ana@example.com', 'ben@example.com'];
    const go: Vote = { approver: 'ana@example.com', outcome: 'go' };
    const kill: Vote = { approver: 'ben@example.com', outcome: 'kill' };

    // Act
    const results = [
      tally({ kind: 'any' }, approvers, [go, kill]),
      tally({ kind: 'any' }, approvers, [kill, go]),
    ];

    // Assess
    expect(results).toEqual([
      { status: 'decided', outcome: 'go' },
      { status: 'decided', outcome: 'kill' },
    ]);
  });

  it('(c) a counted knock-out vote never yields Go or Conditional Go', () => {
    let knockedOut = 0;
    fc.assert(
      fc.property(scenarioArb(ALL_KINDS, true), ({ approvers, rule, votes }) => {
        // Prepare
        fc.pre(countedVotes(approvers, votes).some((v) => v.knockout));
        knockedOut++;

        // Act
        const result = tally(rule, approvers, votes);

        // Assess
        expect(result.status).toBe('decided');
        expect(result.status === 'decided' && isApproval(result.outcome)).toBe(false);
      }),
      { numRuns: 400 },
    );
    expect(knockedOut).toBeGreaterThan(50);
  });

  it('(d) a decided gate never goes back to pending when more votes are added', () => {
    fc.assert(
      fc.property(
        scenarioArb(ALL_KINDS, true).chain((s) =>
          fc.tuple(fc.constant(s), votesArb(s.approvers, { knockouts: true, maxLength: 8 })),
        ),
        ([{ approvers, rule, votes }, more]) => {
          // Prepare
          const before = tally(rule, approvers, votes);

          // Act
          const after = tally(rule, approvers, [...votes, ...more]);

          // Assess
          if (before.status === 'decided') expect(after.status).toBe('decided');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('(d) every prefix of the votes that is decided stays decided for every longer prefix', () => {
    fc.assert(
      fc.property(scenarioArb(ALL_KINDS, true), ({ approvers, rule, votes }) => {
        // Prepare
        const prefixes = votes.map((_, i) => votes.slice(0, i + 1));

        // Act
        const statuses = prefixes.map((prefix) => tally(rule, approvers, prefix).status);

        // Assess
        const firstDecided = statuses.indexOf('decided');
        if (firstDecided >= 0) expect(statuses.slice(firstDecided).every((s) => s === 'decided')).toBe(true);
      }),
      RUNS,
    );
  });

  it("(e) a non-approver's vote and a second vote by the same approver change nothing", () => {
    fc.assert(
      fc.property(
        scenarioArb(ALL_KINDS, true).chain((s) =>
          fc.record({
            s: fc.constant(s),
            outsiderAt: fc.nat({ max: s.votes.length }),
            outsiderOutcome: outcomeArb,
            outsiderKnockout: fc.boolean(),
            repeatOutcomes: fc.array(outcomeArb, {
              minLength: s.approvers.length,
              maxLength: s.approvers.length,
            }),
            repeatKnockouts: fc.array(fc.boolean(), {
              minLength: s.approvers.length,
              maxLength: s.approvers.length,
            }),
          }),
        ),
        ({
          s: { approvers, rule, votes },
          outsiderAt,
          outsiderOutcome,
          outsiderKnockout,
          repeatOutcomes,
          repeatKnockouts,
        }) => {
          // Prepare
          const withOutsider = [
            ...votes.slice(0, outsiderAt),
            { approver: OUTSIDER, outcome: outsiderOutcome, knockout: outsiderKnockout },
            ...votes.slice(outsiderAt),
          ];
          const counted = countedVotes(approvers, votes);
          const secondVotes = counted.map((v, i) => ({
            approver: v.approver,
            outcome: repeatOutcomes[i] ?? 'kill',
            knockout: repeatKnockouts[i] ?? true,
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

  it('while pending, awaits only approvers who have not voted, and never an outsider', () => {
    fc.assert(
      fc.property(scenarioArb(ALL_KINDS, true), ({ approvers, rule, votes }) => {
        // Prepare
        const voted = new Set(countedVotes(approvers, votes).map((v) => v.approver));

        // Act
        const result = tally(rule, approvers, votes);

        // Assess
        if (result.status === 'pending') {
          expect(result.awaiting.length).toBeGreaterThan(0);
          for (const a of result.awaiting) {
            expect(approvers).toContain(a);
            expect(voted.has(a)).toBe(false);
          }
        }
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
