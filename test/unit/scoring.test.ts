import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GateDefinition } from '../../functions/domain/definition.ts';
import { gateScore, knockouts, weightedScore } from '../../functions/domain/scoring.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

type Criteria = GateDefinition['criteria'];

/** The demo's idea screen: value (weight 60) and feasibility (40), threshold 60. */
const SCREEN = (DEMO_DEFINITION.gates[0] as GateDefinition).criteria;
const NO_SHOULD_MEET: Criteria = { mustMeet: [{ id: 'tested', text: 'Tested' }], shouldMeet: [] };

function criteriaWith(weights: readonly number[], threshold?: number): Criteria {
  return {
    mustMeet: [],
    shouldMeet: weights.map((weight, i) => ({ id: `c${i}`, text: `Criterion ${i}`, weight })),
    ...(threshold === undefined ? {} : { threshold }),
  };
}

function scoresFor(values: readonly number[]): Record<string, number> {
  return Object.fromEntries(values.map((score, i) => [`c${i}`, score]));
}

const weightsArb = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 });

describe('weightedScore', () => {
  it('weights the 0–10 scores and scales them to 0–100: 8 and 5 at 60/40 give 68', () => {
    // Prepare
    const scores = { value: 8, feasibility: 5 };

    // Act
    const score = weightedScore(SCREEN, scores);

    // Assess
    expect(score).toBe(68);
  });

  it.each([
    ['all 10', { value: 10, feasibility: 10 }, 100],
    ['all 0', { value: 0, feasibility: 0 }, 0],
    ['only the heavier criterion', { value: 10, feasibility: 0 }, 60],
    ['only the lighter criterion', { value: 0, feasibility: 10 }, 40],
  ])('scores %s', (_name, scores, expected) => {
    // Prepare — scores

    // Act
    const score = weightedScore(SCREEN, scores);

    // Assess
    expect(score).toBe(expected);
  });

  it('rounds to one decimal: 1 and 2 at weights 1 and 2 give 16.7', () => {
    // Prepare
    const criteria = criteriaWith([1, 2]);

    // Act
    const score = weightedScore(criteria, scoresFor([1, 2]));

    // Assess
    expect(score).toBe(16.7);
  });

  it('is undefined when the gate has no should-meet criteria', () => {
    // Prepare
    const scores = { tested: 10 };

    // Act
    const score = weightedScore(NO_SHOULD_MEET, scores);

    // Assess
    expect(score).toBeUndefined();
  });

  it('is undefined when a criterion was left unscored', () => {
    // Prepare
    const scores = { value: 9 };

    // Act
    const score = weightedScore(SCREEN, scores);

    // Assess
    expect(score).toBeUndefined();
  });

  it('ignores scores on ids that are not should-meet criteria of the gate', () => {
    // Prepare
    const scores = { value: 8, feasibility: 5, roi: 0, 'strategic-fit': 0 };

    // Act
    const score = weightedScore(SCREEN, scores);

    // Assess
    expect(score).toBe(68);
  });

  it('property: stays within 0–100 and equals the plain mean ×10 when the weights are equal', () => {
    fc.assert(
      fc.property(
        weightsArb.chain((weights) =>
          fc.tuple(
            fc.constant(weights),
            fc.array(fc.integer({ min: 0, max: 10 }), {
              minLength: weights.length,
              maxLength: weights.length,
            }),
          ),
        ),
        ([weights, values]) => {
          // Prepare
          const equal = criteriaWith(weights.map(() => 7));
          const mean = values.reduce((a, b) => a + b, 0) / values.length;

          // Act
          const weighted = weightedScore(criteriaWith(weights), scoresFor(values)) as number;
          const plain = weightedScore(equal, scoresFor(values)) as number;

          // Assess
          expect(weighted).toBeGreaterThanOrEqual(0);
          expect(weighted).toBeLessThanOrEqual(100);
          expect(weighted).toBeGreaterThanOrEqual(Math.min(...values) * 10 - 0.05);
          expect(weighted).toBeLessThanOrEqual(Math.max(...values) * 10 + 0.05);
          expect(Math.abs(plain - mean * 10)).toBeLessThanOrEqual(0.05 + 1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: scaling every weight by the same factor does not change the score', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 6 }).chain((weights) =>
          fc.tuple(
            fc.constant(weights),
            fc.array(fc.integer({ min: 0, max: 10 }), {
              minLength: weights.length,
              maxLength: weights.length,
            }),
            fc.integer({ min: 2, max: 10 }),
          ),
        ),
        ([weights, values, factor]) => {
          // Prepare
          const scaled = criteriaWith(weights.map((w) => w * factor));

          // Act
          const original = weightedScore(criteriaWith(weights), scoresFor(values));
          const rescaled = weightedScore(scaled, scoresFor(values));

          // Assess
          expect(rescaled).toBe(original);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: raising one score never lowers the weighted score', () => {
    fc.assert(
      fc.property(
        weightsArb.chain((weights) =>
          fc.tuple(
            fc.constant(weights),
            fc.array(fc.integer({ min: 0, max: 9 }), {
              minLength: weights.length,
              maxLength: weights.length,
            }),
            fc.nat({ max: weights.length - 1 }),
          ),
        ),
        ([weights, values, raise]) => {
          // Prepare
          const criteria = criteriaWith(weights);
          const raised = values.map((v, i) => (i === raise ? v + 1 : v));

          // Act
          const before = weightedScore(criteria, scoresFor(values)) as number;
          const after = weightedScore(criteria, scoresFor(raised)) as number;

          // Assess
          expect(after).toBeGreaterThanOrEqual(before);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('gateScore', () => {
  it('is the mean of the approvers who scored, with the threshold and how many scored', () => {
    // Prepare
    const perVote = [68, undefined, 71];

    // Act
    const score = gateScore(SCREEN, perVote);

    // Assess
    expect(score).toEqual({ weighted: 69.5, threshold: 60, scoredBy: 2 });
  });

  it('rounds the mean to one decimal', () => {
    // Prepare
    const perVote = [60, 60, 61];

    // Act
    const score = gateScore(SCREEN, perVote);

    // Assess
    expect(score).toEqual({ weighted: 60.3, threshold: 60, scoredBy: 3 });
  });

  it('leaves the threshold out when the gate has none', () => {
    // Prepare
    const criteria = criteriaWith([1]);

    // Act
    const score = gateScore(criteria, [40]);

    // Assess
    expect(score).toEqual({ weighted: 40, scoredBy: 1 });
    expect(score && 'threshold' in score).toBe(false);
  });

  it('is undefined when nobody scored', () => {
    // Prepare
    const perVote = [undefined, undefined];

    // Act
    const scores = [gateScore(SCREEN, perVote), gateScore(SCREEN, [])];

    // Assess
    expect(scores).toEqual([undefined, undefined]);
  });

  it('property: lies between the lowest and the highest score given', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.option(
            fc.integer({ min: 0, max: 1000 }).map((n) => n / 10),
            { nil: undefined },
          ),
          {
            maxLength: 8,
          },
        ),
        (perVote) => {
          // Prepare
          const given = perVote.filter((s): s is number => s !== undefined);

          // Act
          const score = gateScore(SCREEN, perVote);

          // Assess
          if (given.length === 0) expect(score).toBeUndefined();
          else {
            expect(score?.scoredBy).toBe(given.length);
            expect(score?.weighted).toBeGreaterThanOrEqual(Math.min(...given) - 0.05);
            expect(score?.weighted).toBeLessThanOrEqual(Math.max(...given) + 0.05);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('knockouts', () => {
  const criteria: Criteria = {
    mustMeet: [
      { id: 'funded', text: 'Budget is available' },
      { id: 'legal', text: 'Legal has signed off' },
      { id: 'fit', text: 'Fits the strategy' },
    ],
    shouldMeet: [],
  };

  it('lists the must-meet criteria answered "no", in the order the gate lists them', () => {
    // Prepare
    const answers = { fit: 'no', funded: 'no', legal: 'yes' } as const;

    // Act
    const out = knockouts(criteria, answers);

    // Assess
    expect(out).toEqual(['funded', 'fit']);
  });

  it('counts neither an unanswered criterion nor a "no" to an id the gate does not have', () => {
    // Prepare
    const answers = { legal: 'yes', roi: 'no' } as const;

    // Act
    const out = knockouts(criteria, answers);

    // Assess
    expect(out).toEqual([]);
  });

  it('property: exactly the gate criteria answered "no"', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('funded', 'legal', 'fit', 'other'),
          fc.constantFrom<'yes' | 'no'>('yes', 'no'),
        ),
        (answers) => {
          // Prepare
          const expected = ['funded', 'legal', 'fit'].filter((id) => answers[id] === 'no');

          // Act
          const out = knockouts(criteria, answers);

          // Assess
          expect(out).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
