import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isApproval,
  mostSevere,
  OUTCOME_LABELS,
  OUTCOME_MEANINGS,
  OUTCOMES,
  type Outcome,
  severity,
} from '../../functions/domain/outcomes.ts';

describe('outcomes', () => {
  it('orders the five decisions from Go to Kill', () => {
    // Prepare
    const expected = ['go', 'conditional-go', 'hold', 'recycle', 'kill'];

    // Act
    const bySeverity = [...OUTCOMES].sort((a, b) => severity(a) - severity(b));

    // Assess
    expect(bySeverity).toEqual(expected);
  });

  it('counts only Go and Conditional Go as approvals', () => {
    // Prepare
    const outcomes = OUTCOMES;

    // Act
    const approvals = outcomes.filter(isApproval);

    // Assess
    expect(approvals).toEqual(['go', 'conditional-go']);
  });

  it('labels every decision as people read it (docs/vote-rules.md uses these labels), and explains each', () => {
    // Prepare
    const outcomes = OUTCOMES;

    // Act
    const labels = outcomes.map((o) => OUTCOME_LABELS[o]);
    const meanings = outcomes.map((o) => OUTCOME_MEANINGS[o]);

    // Assess
    expect(labels).toEqual(['Go', 'Conditional Go', 'Hold', 'Recycle', 'Kill']);
    for (const meaning of meanings) expect(meaning).toMatch(/^The project .+\.$/);
    expect(Object.keys(OUTCOME_MEANINGS).sort()).toEqual([...OUTCOMES].sort());
  });

  it('picks Kill over Recycle over Hold, and nothing from nothing', () => {
    // Prepare
    const cases: Outcome[][] = [['hold', 'kill', 'recycle'], ['hold', 'recycle', 'hold'], ['hold'], []];

    // Act
    const worst = cases.map(mostSevere);

    // Assess
    expect(worst).toEqual(['kill', 'recycle', 'hold', undefined]);
  });

  it('property: the most severe is one of the outcomes and at least as severe as each', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...OUTCOMES), { minLength: 1, maxLength: 10 }), (outcomes) => {
        // Prepare — outcomes

        // Act
        const worst = mostSevere(outcomes) as Outcome;

        // Assess
        expect(outcomes).toContain(worst);
        for (const o of outcomes) expect(severity(worst)).toBeGreaterThanOrEqual(severity(o));
      }),
      { numRuns: 100 },
    );
  });
});
