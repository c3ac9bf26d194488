import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecisionContext, parseDecision, recycleChoices } from '../../functions/domain/decision.ts';
import { CLOSE_OUT_GATE_ID, gateIndex, type ProcessDefinition } from '../../functions/domain/definition.ts';
import { OUTCOME_LABELS, OUTCOMES, type Outcome } from '../../functions/domain/outcomes.ts';
import type { Parsed } from '../../functions/domain/validation.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

const HASH = 'c0ffee'.padEnd(64, '0');
const TODAY = '2030-06-15';
/**
 * The middle gate of the demo: `scoping` is before it, `launch` after it. Must-meet `funded`
 * ("Budget is available"), should-meet `roi` (weight 100), threshold 50.
 */
const CONTEXT: DecisionContext = { definition: DEMO_DEFINITION, gateId: 'business-case', today: TODAY };
/** What every decision on the business case gate answers, unless a test says otherwise. */
const MET = { mustMeet: { funded: 'yes' } } as const;
const SCORED = { ...MET, scores: { roi: 7 } } as const;

function paths<T>(result: Parsed<T>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.path);
}

function problems<T>(result: Parsed<T>): [string, string][] {
  return result.ok ? [] : result.problems.map((p) => [p.path, p.message]);
}

/** A one-gate process with two must-meet and two should-meet criteria, threshold 60. */
const TWO_BY_TWO: ProcessDefinition = {
  ...DEMO_DEFINITION,
  gates: [
    {
      ...(DEMO_DEFINITION.gates[0] as ProcessDefinition['gates'][number]),
      id: 'review',
      criteria: {
        mustMeet: [
          { id: 'legal', text: 'Legal has signed off' },
          { id: 'funded', text: 'Budget is available' },
        ],
        shouldMeet: [
          { id: 'value', text: 'Clear business value', weight: 3 },
          { id: 'risk', text: 'Risk is acceptable', weight: 1 },
        ],
        threshold: 60,
      },
    },
  ],
};

describe('parseDecision — valid decisions', () => {
  it('accepts a Go that answers and scores every criterion, and fills in the defaults', () => {
    // Prepare
    const input = { outcome: 'go', ...SCORED, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        outcome: 'go',
        comment: '',
        conditions: [],
        mustMeet: { funded: 'yes' },
        scores: { roi: 7 },
        weightedScore: 70,
        knockouts: [],
        packageHash: HASH,
      },
    });
  });

  it('accepts a Conditional Go with a trimmed comment, a condition due today and scores 0 and 10', () => {
    // Prepare
    const context = { ...CONTEXT, gateId: 'scoping' };
    const input = {
      outcome: 'conditional-go',
      comment: '  Fund it, but watch the risks.  ',
      conditions: [{ text: ' Close risk R-7 ', due: TODAY }],
      mustMeet: { 'strategic-fit': 'yes' },
      scores: { value: 0, feasibility: 10 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, context);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        outcome: 'conditional-go',
        comment: 'Fund it, but watch the risks.',
        conditions: [{ text: 'Close risk R-7', due: TODAY }],
        mustMeet: { 'strategic-fit': 'yes' },
        scores: { value: 0, feasibility: 10 },
        weightedScore: 40,
        knockouts: [],
        packageHash: HASH,
      },
    });
  });

  it('keeps a condition owner, lower-cased', () => {
    // Prepare
    const input = {
      outcome: 'conditional-go',
      comment: 'ok',
      conditions: [{ text: 'Sign the contract', due: '2030-07-01', owner: 'Fay.Finance@Example.com' }],
      ...SCORED,
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result.ok && result.value.conditions).toEqual([
      { text: 'Sign the contract', due: '2030-07-01', owner: 'fay.finance@example.com' },
    ]);
  });

  it.each(['scoping', 'business-case'])('accepts Recycle back to %s (earlier or this gate)', (target) => {
    // Prepare
    const input = {
      outcome: 'recycle',
      comment: 'Rework the numbers',
      recycleTo: target,
      ...MET,
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toMatchObject({ ok: true, value: { outcome: 'recycle', recycleTo: target } });
  });

  it.each(['hold', 'kill'] as const)(
    'accepts %s with a comment, leaving the should-meet criteria unscored',
    (outcome) => {
      // Prepare
      const input = { outcome, comment: 'Not now', ...MET, packageHash: HASH };

      // Act
      const result = parseDecision(input, CONTEXT);

      // Assess
      expect(result).toEqual({
        ok: true,
        value: {
          outcome,
          comment: 'Not now',
          conditions: [],
          mustMeet: { funded: 'yes' },
          scores: {},
          knockouts: [],
          packageHash: HASH,
        },
      });
    },
  );

  it('accepts a Go on a gate without should-meet criteria, with no score at all', () => {
    // Prepare
    const context = { ...CONTEXT, gateId: 'launch' };
    const input = { outcome: 'go', mustMeet: { tested: 'yes' }, packageHash: HASH };

    // Act
    const result = parseDecision(input, context);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        outcome: 'go',
        comment: '',
        conditions: [],
        mustMeet: { tested: 'yes' },
        scores: {},
        knockouts: [],
        packageHash: HASH,
      },
    });
  });
});

describe('parseDecision — must-meet criteria (knock-outs)', () => {
  it.each(OUTCOMES)('requires every must-meet criterion answered, even for %s', (outcome) => {
    // Prepare
    const input = {
      outcome,
      comment: 'because',
      ...(outcome === 'conditional-go' ? { conditions: [{ text: 'x', due: TODAY }] } : {}),
      ...(outcome === 'recycle' ? { recycleTo: 'scoping' } : {}),
      scores: { roi: 7 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['mustMeet.funded', 'answer yes or no: "Budget is available"']]);
  });

  it.each([
    ['go', 'Go'],
    ['conditional-go', 'Conditional Go'],
  ] as const)('refuses %s when a must-meet criterion is answered "no", naming it', (outcome, label) => {
    // Prepare
    const input = {
      outcome,
      comment: 'anyway',
      ...(outcome === 'conditional-go' ? { conditions: [{ text: 'x', due: TODAY }] } : {}),
      mustMeet: { funded: 'no' },
      scores: { roi: 7 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([
      ['outcome', `${label} is not possible: the must-meet criterion "Budget is available" is not met`],
    ]);
  });

  it('names every must-meet criterion answered "no", in the order of the gate', () => {
    // Prepare
    const context = { definition: TWO_BY_TWO, gateId: 'review', today: TODAY };
    const input = {
      outcome: 'go',
      mustMeet: { funded: 'no', legal: 'no' },
      scores: { value: 9, risk: 9 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, context);

    // Assess
    expect(problems(result)).toEqual([
      [
        'outcome',
        'Go is not possible: the must-meet criterion "Legal has signed off", "Budget is available" is not met',
      ],
    ]);
  });

  it.each(['hold', 'recycle', 'kill'] as const)('accepts %s with a knock-out and records it', (outcome) => {
    // Prepare
    const input = {
      outcome,
      comment: 'No budget',
      ...(outcome === 'recycle' ? { recycleTo: 'business-case' } : {}),
      mustMeet: { funded: 'no' },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toMatchObject({
      ok: true,
      value: { outcome, mustMeet: { funded: 'no' }, knockouts: ['funded'] },
    });
  });

  it('rejects an answer to a criterion that is not a must-meet criterion of this gate', () => {
    // Prepare — `strategic-fit` is a must-meet criterion of scoping, `roi` a should-meet one here
    const input = {
      outcome: 'go',
      mustMeet: { funded: 'yes', 'strategic-fit': 'yes', roi: 'yes' },
      scores: { roi: 7 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([
      ['mustMeet.strategic-fit', 'is not a must-meet criterion'],
      ['mustMeet.roi', 'is not a must-meet criterion'],
    ]);
  });

  it.each([
    ['maybe', 'maybe'],
    ['a boolean', true],
    ['upper case', 'YES'],
  ])('rejects a must-meet answer that is %s', (_name, answer) => {
    // Prepare
    const input = { outcome: 'go', mustMeet: { funded: answer }, scores: { roi: 7 }, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['mustMeet.funded']);
  });
});

describe('parseDecision — should-meet scores and the threshold', () => {
  it.each(['go', 'conditional-go'] as const)(
    'requires every should-meet criterion scored for %s',
    (outcome) => {
      // Prepare
      const input = {
        outcome,
        comment: 'ok',
        ...(outcome === 'conditional-go' ? { conditions: [{ text: 'x', due: TODAY }] } : {}),
        ...MET,
        packageHash: HASH,
      };

      // Act
      const result = parseDecision(input, CONTEXT);

      // Assess
      expect(problems(result)).toEqual([
        ['scores.roi', 'score 0–10 to go on: "Return on investment above hurdle rate"'],
      ]);
    },
  );

  it('names each unscored criterion when only some were scored', () => {
    // Prepare
    const context = { definition: TWO_BY_TWO, gateId: 'review', today: TODAY };
    const input = {
      outcome: 'go',
      comment: 'ok',
      mustMeet: { legal: 'yes', funded: 'yes' },
      scores: { value: 8 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, context);

    // Assess
    expect(problems(result)).toEqual([['scores.risk', 'score 0–10 to go on: "Risk is acceptable"']]);
  });

  it('needs a comment for a Go whose weighted score is under the threshold', () => {
    // Prepare — roi 4 of 10 weighs in at 40, under the threshold 50
    const input = { outcome: 'go', mustMeet: { funded: 'yes' }, scores: { roi: 4 }, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([
      ['comment', 'the weighted score 40 is under the threshold 50: a comment is needed to go on anyway'],
    ]);
  });

  it('accepts a Go under the threshold with a comment, and records the score', () => {
    // Prepare
    const input = {
      outcome: 'go',
      comment: 'Strategic, whatever the ROI',
      mustMeet: { funded: 'yes' },
      scores: { roi: 4 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toMatchObject({
      ok: true,
      value: { weightedScore: 40, comment: 'Strategic, whatever the ROI' },
    });
  });

  it('needs no comment for a Go exactly at the threshold', () => {
    // Prepare — roi 5 weighs in at 50, the threshold
    const input = { outcome: 'go', mustMeet: { funded: 'yes' }, scores: { roi: 5 }, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toMatchObject({ ok: true, value: { weightedScore: 50, comment: '' } });
  });

  it('weights the scores before comparing: 7 and 2 at weights 3 and 1 give 57.5, under 60', () => {
    // Prepare
    const context = { definition: TWO_BY_TWO, gateId: 'review', today: TODAY };
    const input = {
      outcome: 'go',
      mustMeet: { legal: 'yes', funded: 'yes' },
      scores: { value: 7, risk: 2 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, context);

    // Assess
    expect(problems(result)).toEqual([
      ['comment', 'the weighted score 57.5 is under the threshold 60: a comment is needed to go on anyway'],
    ]);
  });

  it('asks a Conditional Go under the threshold for its comment once, as for any Conditional Go', () => {
    // Prepare
    const input = {
      outcome: 'conditional-go',
      conditions: [{ text: 'x', due: TODAY }],
      mustMeet: { funded: 'yes' },
      scores: { roi: 1 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['comment', 'a comment is required for Conditional Go']]);
  });

  it('records the weighted score of a stop vote that scored, without a threshold rule', () => {
    // Prepare
    const input = {
      outcome: 'hold',
      comment: 'Later',
      mustMeet: { funded: 'yes' },
      scores: { roi: 1 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toMatchObject({ ok: true, value: { outcome: 'hold', weightedScore: 10 } });
  });
});

describe('parseDecision — problems named by path', () => {
  it.each([
    ['conditional-go', { conditions: [{ text: 'x', due: TODAY }], scores: { roi: 7 } }],
    ['hold', {}],
    ['recycle', { recycleTo: 'scoping' }],
    ['kill', {}],
  ] as const)('requires a comment for %s', (outcome, extra) => {
    // Prepare
    const input = { outcome, ...MET, ...extra, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'comment', message: `a comment is required for ${OUTCOME_LABELS[outcome]}` }],
    });
  });

  it('treats a whitespace-only comment as no comment', () => {
    // Prepare
    const input = { outcome: 'kill', comment: '   \n\t ', ...MET, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['comment']);
  });

  it.each([
    ['no conditions', undefined],
    ['an empty list', []],
  ])('requires at least one condition for Conditional Go (%s)', (_name, conditions) => {
    // Prepare
    const input = { outcome: 'conditional-go', comment: 'ok', conditions, ...SCORED, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['conditions', 'Conditional Go needs at least one condition']]);
  });

  it('rejects a condition due in the past, naming which one', () => {
    // Prepare
    const input = {
      outcome: 'conditional-go',
      comment: 'ok',
      conditions: [
        { text: 'on time', due: '2030-06-16' },
        { text: 'too late', due: '2030-06-14' },
      ],
      ...SCORED,
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['conditions.1.due', 'must not be in the past']]);
  });

  it.each([
    ['a due date that is not a date', { text: 'x', due: 'next week' }, 'conditions.0.due'],
    ['an impossible due date', { text: 'x', due: '2030-02-30' }, 'conditions.0.due'],
    ['a due date-time', { text: 'x', due: '2030-07-01T00:00:00Z' }, 'conditions.0.due'],
    [
      'an owner that is not an e-mail',
      { text: 'x', due: '2030-07-01', owner: 'the manager' },
      'conditions.0.owner',
    ],
    ['an empty text', { text: '  ', due: '2030-07-01' }, 'conditions.0.text'],
    ['a text of two lines', { text: 'a\nb', due: '2030-07-01' }, 'conditions.0.text'],
  ])('rejects a condition with %s', (_name, condition, path) => {
    // Prepare
    const input = {
      outcome: 'conditional-go',
      comment: 'ok',
      conditions: [condition],
      ...SCORED,
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual([path]);
  });

  it('rejects more than ten conditions', () => {
    // Prepare
    const conditions = Array.from({ length: 11 }, (_, i) => ({ text: `c${i}`, due: '2030-07-01' }));
    const input = { outcome: 'conditional-go', comment: 'ok', conditions, ...SCORED, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['conditions']);
  });

  it.each(['go', 'hold', 'kill'] as const)('rejects conditions on %s', (outcome) => {
    // Prepare
    const input = {
      outcome,
      comment: 'because',
      conditions: [{ text: 'x', due: '2030-07-01' }],
      ...SCORED,
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['conditions', 'conditions belong to Conditional Go only']]);
  });

  it.each([
    ['missing', undefined],
    ['a later gate', 'launch'],
    ['an unknown gate', 'no-such-gate'],
    ['empty', ''],
  ])('rejects Recycle when the target is %s', (_name, recycleTo) => {
    // Prepare
    const input = { outcome: 'recycle', comment: 'again', recycleTo, ...MET, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([
      ['recycleTo', 'Recycle needs this gate or an earlier one the project went through'],
    ]);
  });

  it('rejects Recycle to an earlier gate the project skipped', () => {
    // Prepare
    const context = { ...CONTEXT, gateId: 'launch', skipped: ['business-case'] };
    const skipped = {
      outcome: 'recycle',
      comment: 'again',
      recycleTo: 'business-case',
      mustMeet: { tested: 'no' },
      packageHash: HASH,
    };
    const walked = { ...skipped, recycleTo: 'scoping' };

    // Act
    const results = [parseDecision(skipped, context), parseDecision(walked, context)];

    // Assess
    expect(paths(results[0] as Parsed<unknown>)).toEqual(['recycleTo']);
    expect(results[1]).toMatchObject({ ok: true, value: { recycleTo: 'scoping', knockouts: ['tested'] } });
  });

  it('offers as Recycle choices exactly the targets it accepts, at every gate, skipped or not', () => {
    // Prepare: every gate of the demo, with nothing or the business case skipped
    const ids = DEMO_DEFINITION.gates.map((g) => g.id);
    const cases = ids.flatMap((gateId) =>
      [[], ['business-case']].map((skipped) => ({ ...CONTEXT, gateId, skipped })),
    );

    // Act
    const compared = cases.map((context) => {
      const mustMeet = Object.fromEntries(
        DEMO_DEFINITION.gates[gateIndex(DEMO_DEFINITION, context.gateId)]?.criteria.mustMeet.map((c) => [
          c.id,
          'no',
        ]) ?? [],
      );
      const accepted = ids.filter(
        (recycleTo) =>
          parseDecision(
            { outcome: 'recycle', comment: 'again', recycleTo, mustMeet, packageHash: HASH },
            context,
          ).ok,
      );
      return { offered: recycleChoices(context).map((g) => g.id), accepted };
    });

    // Assess
    for (const { offered, accepted } of compared) expect(offered).toEqual(accepted);
    expect(compared.map((c) => c.offered)).toEqual([
      ['scoping'],
      ['scoping'],
      ['scoping', 'business-case'],
      ['scoping'],
      ['scoping', 'business-case', 'launch'],
      ['scoping', 'launch'],
    ]);
  });

  it('rejects recycleTo on anything but Recycle', () => {
    // Prepare
    const input = { outcome: 'hold', comment: 'wait', recycleTo: 'scoping', ...MET, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['recycleTo', 'only Recycle goes back to a gate']]);
  });

  it('rejects a score on a criterion of another gate', () => {
    // Prepare — `value` is a criterion of scoping, not of business-case
    const input = { outcome: 'go', ...MET, scores: { roi: 5, value: 5 }, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['scores.value', 'is not a should-meet criterion']]);
  });

  it('rejects a score on a must-meet criterion', () => {
    // Prepare
    const input = { outcome: 'go', ...MET, scores: { roi: 5, funded: 10 }, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['scores.funded']);
  });

  it.each([
    ['above 10', 11],
    ['below 0', -1],
    ['a fraction', 2.5],
    ['a string', '7'],
  ])('rejects a score %s', (_name, score) => {
    // Prepare
    const input = { outcome: 'go', ...MET, scores: { roi: score }, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['scores.roi']);
  });

  it.each([
    ['missing', undefined],
    ['upper-case hex', HASH.toUpperCase().replace(/0/g, 'A')],
    ['63 characters', HASH.slice(1)],
    ['65 characters', `${HASH}0`],
    ['not hex', 'g'.repeat(64)],
  ])('rejects a packageHash that is %s', (_name, packageHash) => {
    // Prepare
    const input = { outcome: 'go', ...SCORED, packageHash };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['packageHash']);
  });

  it('rejects an unknown outcome on `outcome`', () => {
    // Prepare
    const input = { outcome: 'approve', ...SCORED, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['outcome']);
  });

  it('rejects an unknown extra field, naming it', () => {
    // Prepare
    const input = { outcome: 'go', ...SCORED, packageHash: HASH, approver: 'someone.else@example.com' };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((p) => p.message).join(' ')).toContain('approver');
  });

  it('rejects a close-out checklist on a gate decision', () => {
    // Prepare
    const input = { outcome: 'go', ...SCORED, checklist: [0, 1, 2], packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['checklist', 'belongs to the close-out sign-off only']]);
  });

  it('refuses a decision on a gate the process does not have', () => {
    // Prepare
    const context = { ...CONTEXT, gateId: 'no-such-gate' };

    // Act
    const result = parseDecision({ outcome: 'go', packageHash: HASH }, context);

    // Assess
    expect(problems(result)).toEqual([['(gate)', 'is not in this process']]);
  });

  it('reports every problem at once', () => {
    // Prepare
    const input = {
      outcome: 'recycle',
      conditions: [{ text: 'x', due: '2030-07-01' }],
      recycleTo: 'launch',
      mustMeet: { tested: 'yes' },
      scores: { tested: 3 },
      checklist: [0],
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual([
      'mustMeet.tested',
      'mustMeet.funded',
      'scores.tested',
      'comment',
      'conditions',
      'recycleTo',
      'checklist',
    ]);
  });

  it.each([null, 'go', 42, [], [{ outcome: 'go' }]])(
    'rejects a non-object body (%j) at the root',
    (input) => {
      // Prepare — input

      // Act
      const result = parseDecision(input, CONTEXT);

      // Assess
      expect(paths(result)).toEqual(['(root)']);
    },
  );
});

describe('parseDecision — the close-out sign-off', () => {
  const SIGN_OFF: DecisionContext = { definition: DEMO_DEFINITION, gateId: CLOSE_OUT_GATE_ID, today: TODAY };
  const CHECKLIST = DEMO_DEFINITION.closeOut.checklist;

  it('accepts a Go that confirms every checklist item, in any order and with repeats', () => {
    // Prepare
    const inputs = [
      { outcome: 'go', checklist: [0, 1, 2], packageHash: HASH },
      { outcome: 'go', checklist: [2, 0, 1, 0], comment: '  Well done.  ', packageHash: HASH },
    ];

    // Act
    const results = inputs.map((input) => parseDecision(input, SIGN_OFF));

    // Assess
    const signedOff = (comment: string) => ({
      ok: true,
      value: {
        outcome: 'go',
        comment,
        conditions: [],
        mustMeet: {},
        scores: {},
        knockouts: [],
        packageHash: HASH,
      },
    });
    expect(results).toEqual([signedOff(''), signedOff('Well done.')]);
  });

  it('refuses a confirmation of an item the checklist does not have', () => {
    // Act
    const result = parseDecision({ outcome: 'go', checklist: [0, 1, 2, 7], packageHash: HASH }, SIGN_OFF);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'checklist.7', message: 'is not an item of the close-out checklist' }],
    });
  });

  it('names each checklist item not confirmed, by its text', () => {
    // Prepare
    const input = { outcome: 'go', checklist: [1], packageHash: HASH };

    // Act
    const result = parseDecision(input, SIGN_OFF);

    // Assess
    expect(problems(result)).toEqual([
      ['checklist.0', `confirm "${CHECKLIST[0]}"`],
      ['checklist.2', `confirm "${CHECKLIST[2]}"`],
    ]);
  });

  it.each(['conditional-go', 'hold', 'recycle', 'kill'] as const)(
    'refuses %s: a close-out is only signed off',
    (outcome) => {
      // Prepare
      const input = { outcome, comment: 'no', checklist: [0, 1, 2], packageHash: HASH };

      // Act
      const result = parseDecision(input, SIGN_OFF);

      // Assess
      expect(problems(result)).toEqual([['outcome', 'a close-out is signed off, nothing else']]);
    },
  );

  it.each([
    ['conditions', [{ text: 'x', due: TODAY }]],
    ['recycleTo', 'scoping'],
    ['mustMeet', {}],
    ['scores', { roi: 5 }],
  ])('refuses %s, which does not apply to a sign-off', (key, value) => {
    // Prepare
    const input = { outcome: 'go', checklist: [0, 1, 2], [key]: value, packageHash: HASH };

    // Act
    const result = parseDecision(input, SIGN_OFF);

    // Assess
    expect(problems(result)).toEqual([[key, 'does not apply to a close-out sign-off']]);
  });

  it('still checks the shape first: a checklist position must be a whole number below 20', () => {
    // Prepare
    const input = { outcome: 'go', checklist: [0, 1, 2, 20], packageHash: HASH };

    // Act
    const result = parseDecision(input, SIGN_OFF);

    // Assess
    expect(paths(result)).toEqual(['checklist.3']);
  });
});

describe('parseDecision — properties', () => {
  const gateIds = DEMO_DEFINITION.gates.map((g) => g.id);

  /** Inputs close enough to valid ones to reach the rules that need the gate. */
  const nearlyValidArb = fc.record(
    {
      outcome: fc.oneof(fc.constantFrom<string>(...OUTCOMES), fc.string()),
      comment: fc.oneof(fc.constant(''), fc.constant('  '), fc.string({ maxLength: 20 })),
      conditions: fc.array(
        fc.record(
          {
            text: fc.oneof(fc.constant(' '), fc.string({ maxLength: 10 })),
            due: fc.constantFrom('2030-06-14', TODAY, '2030-06-16', 'tomorrow'),
            owner: fc.constantFrom('a@example.com', 'A@Example.com', 'nobody'),
          },
          { requiredKeys: ['text', 'due'] },
        ),
        { maxLength: 3 },
      ),
      recycleTo: fc.oneof(fc.constantFrom(...gateIds), fc.string({ maxLength: 8 })),
      mustMeet: fc.dictionary(
        fc.constantFrom('funded', 'strategic-fit', 'tested', 'roi', 'x'),
        fc.constantFrom<unknown>('yes', 'no', 'maybe', true),
        { maxKeys: 3 },
      ),
      scores: fc.dictionary(
        fc.constantFrom('funded', 'roi', 'value', 'feasibility', 'tested', 'x'),
        fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double()),
        { maxKeys: 3 },
      ),
      checklist: fc.array(fc.integer({ min: -1, max: 21 }), { maxLength: 4 }),
      packageHash: fc.oneof(fc.constant(HASH), fc.stringMatching(/^[0-9a-fA-F]{62,65}$/)),
    },
    { requiredKeys: ['outcome'] },
  );

  const contextArb = fc.record({
    gateId: fc.constantFrom(...gateIds, CLOSE_OUT_GATE_ID, 'not-a-gate'),
    today: fc.constantFrom('2030-06-15', '1999-01-01', '2100-12-31'),
    skipped: fc.subarray(gateIds),
  });

  it('never throws on arbitrary input; either ok or every problem has a path and a message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), nearlyValidArb), contextArb, (input, context) => {
        // Prepare
        const full = { definition: DEMO_DEFINITION, ...context };

        // Act
        const result = parseDecision(input, full);

        // Assess
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThanOrEqual(1);
          for (const problem of result.problems) {
            expect(problem.path.length).toBeGreaterThan(0);
            expect(problem.message.length).toBeGreaterThan(0);
          }
        } else expect(OUTCOMES).toContain(result.value.outcome);
      }),
      { numRuns: 500 },
    );
  });

  /** A valid decision for `gateId`, then — half of the time — one spoiler that may break a gate rule. */
  const plausibleArb = fc.constantFrom(...gateIds).chain((gateId) => {
    const current = gateIndex(DEMO_DEFINITION, gateId);
    const gate = DEMO_DEFINITION.gates[current];
    const mustMeet = gate?.criteria.mustMeet.map((c) => c.id) ?? [];
    const shouldMeet = gate?.criteria.shouldMeet.map((c) => c.id) ?? [];
    const spoilers: ((input: Record<string, unknown>) => void)[] = [
      (i) => delete i.comment,
      (i) => (i.comment = '   '),
      (i) => (i.conditions = [{ text: 'x', due: '2030-07-01' }]),
      (i) => (i.conditions = []),
      (i) => (i.conditions = [{ text: 'x', due: '2030-06-14' }]),
      (i) => (i.recycleTo = 'launch'),
      (i) => (i.recycleTo = 'scoping'),
      (i) => delete i.recycleTo,
      (i) => delete i.mustMeet,
      (i) => (i.mustMeet = Object.fromEntries(mustMeet.map((id) => [id, 'no']))),
      (i) => (i.mustMeet = { ...(i.mustMeet as object), 'strategic-fit': 'yes' }),
      (i) => delete i.scores,
      (i) => (i.scores = { value: 5 }),
      (i) => (i.scores = { tested: 10 }),
      (i) => (i.scores = { [shouldMeet[0] ?? 'x']: 0 }),
      (i) => (i.scores = { [shouldMeet[0] ?? 'x']: 11 }),
      (i) => (i.checklist = [0]),
    ];
    return fc
      .record({
        gateId: fc.constant(gateId),
        outcome: fc.constantFrom(...OUTCOMES),
        comment: fc.constantFrom('', 'Because.', '  Because.  '),
        due: fc.constantFrom(TODAY, '2030-06-16', '2031-01-01'),
        recycleTo: fc.constantFrom(...gateIds.slice(0, current + 1)),
        answers: fc.array(fc.constantFrom<'yes' | 'no'>('yes', 'yes', 'yes', 'no'), {
          minLength: mustMeet.length,
          maxLength: mustMeet.length,
        }),
        scores: fc.array(fc.integer({ min: 0, max: 10 }), {
          minLength: shouldMeet.length,
          maxLength: shouldMeet.length,
        }),
        skipped: fc.subarray(gateIds.slice(0, current)),
        spoiler: fc.option(fc.constantFrom(...spoilers), { freq: 2 }),
      })
      .map(({ gateId, outcome, comment, due, recycleTo, answers, scores, skipped, spoiler }) => {
        const input: Record<string, unknown> = {
          outcome,
          comment,
          mustMeet: Object.fromEntries(mustMeet.map((id, i) => [id, answers[i]])),
          scores: Object.fromEntries(shouldMeet.map((id, i) => [id, scores[i]])),
          packageHash: HASH,
        };
        if (outcome === 'conditional-go') input.conditions = [{ text: 'Close risk R-7', due }];
        if (outcome === 'recycle') input.recycleTo = recycleTo;
        spoiler?.(input);
        return { gateId, skipped, input };
      });
  });

  it('whatever it accepts obeys the gate rules', () => {
    let accepted = 0;
    fc.assert(
      fc.property(plausibleArb, ({ gateId, skipped, input }) => {
        // Prepare
        const today = TODAY;
        const context = { definition: DEMO_DEFINITION, gateId, today, skipped };
        const current = gateIndex(DEMO_DEFINITION, gateId);
        const criteria = DEMO_DEFINITION.gates[current]?.criteria ?? { mustMeet: [], shouldMeet: [] };
        const shouldMeet = criteria.shouldMeet.map((c) => c.id);

        // Act
        const result = parseDecision(input, context);

        // Assess
        if (!result.ok) return;
        accepted++;
        const d = result.value;
        const outcome: Outcome = d.outcome;
        const approving = outcome === 'go' || outcome === 'conditional-go';
        expect(d.packageHash).toMatch(/^[0-9a-f]{64}$/);
        if (outcome !== 'go') expect(d.comment.trim().length).toBeGreaterThan(0);
        expect(d.comment).toBe(d.comment.trim());
        expect(d.conditions.length > 0).toBe(outcome === 'conditional-go');
        for (const c of d.conditions) expect(c.due >= today).toBe(true);
        if (outcome === 'recycle') {
          const target = gateIndex(DEMO_DEFINITION, d.recycleTo ?? '');
          expect(target).toBeGreaterThanOrEqual(0);
          expect(target).toBeLessThanOrEqual(current);
          expect(skipped).not.toContain(d.recycleTo);
        } else expect(d.recycleTo).toBeUndefined();
        expect(Object.keys(d.mustMeet).sort()).toEqual(criteria.mustMeet.map((c) => c.id).sort());
        expect(d.knockouts).toEqual(
          criteria.mustMeet.filter((c) => d.mustMeet[c.id] === 'no').map((c) => c.id),
        );
        if (approving) expect(d.knockouts).toEqual([]);
        for (const [id, score] of Object.entries(d.scores)) {
          expect(shouldMeet).toContain(id);
          expect(Number.isInteger(score) && score >= 0 && score <= 10).toBe(true);
        }
        if (approving) for (const id of shouldMeet) expect(d.scores[id]).toBeDefined();
        if (approving && shouldMeet.length > 0) expect(d.weightedScore).toBeDefined();
        if (
          outcome === 'go' &&
          d.weightedScore !== undefined &&
          criteria.threshold !== undefined &&
          d.weightedScore < criteria.threshold
        )
          expect(d.comment.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(100); // the property was not checked vacuously
  });
});
