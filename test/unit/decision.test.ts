import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecision } from '../../functions/domain/decision.ts';
import { gateIndex } from '../../functions/domain/definition.ts';
import { OUTCOMES, type Outcome } from '../../functions/domain/outcomes.ts';
import type { Parsed } from '../../functions/domain/validation.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

const HASH = 'c0ffee'.padEnd(64, '0');
const TODAY = '2030-06-15';
/** The middle gate of the demo: `scoping` is before it, `launch` after it. */
const CONTEXT = { definition: DEMO_DEFINITION, gateId: 'business-case', today: TODAY };

function paths<T>(result: Parsed<T>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.path);
}

describe('parseDecision — valid decisions', () => {
  it('accepts a bare Go and fills in the defaults', () => {
    // Prepare
    const input = { outcome: 'go', packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: { outcome: 'go', comment: '', conditions: [], scores: {}, packageHash: HASH },
    });
  });

  it('accepts a Conditional Go with a trimmed comment, a condition due today and scores 0 and 10', () => {
    // Prepare
    const input = {
      outcome: 'conditional-go',
      comment: '  Fund it, but watch the risks.  ',
      conditions: [{ text: ' Close risk R-7 ', due: TODAY }],
      scores: { funded: 0, roi: 10 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        outcome: 'conditional-go',
        comment: 'Fund it, but watch the risks.',
        conditions: [{ text: 'Close risk R-7', due: TODAY }],
        scores: { funded: 0, roi: 10 },
        packageHash: HASH,
      },
    });
  });

  it.each(['scoping', 'business-case'])('accepts Recycle back to %s (earlier or this gate)', (target) => {
    // Prepare
    const input = { outcome: 'recycle', comment: 'Rework the numbers', recycleTo: target, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toMatchObject({ ok: true, value: { outcome: 'recycle', recycleTo: target } });
  });

  it.each(['hold', 'kill'] as const)('accepts %s with a comment', (outcome) => {
    // Prepare
    const input = { outcome, comment: 'Not now', packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: { outcome, comment: 'Not now', conditions: [], scores: {}, packageHash: HASH },
    });
  });
});

describe('parseDecision — problems named by path', () => {
  it.each([
    ['conditional-go', { conditions: [{ text: 'x', due: TODAY }] }],
    ['hold', {}],
    ['recycle', { recycleTo: 'scoping' }],
    ['kill', {}],
  ] as const)('requires a comment for %s', (outcome, extra) => {
    // Prepare
    const input = { outcome, ...extra, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'comment', message: `a comment is required for ${outcome}` }],
    });
  });

  it('treats a whitespace-only comment as no comment', () => {
    // Prepare
    const input = { outcome: 'kill', comment: '   \n\t ', packageHash: HASH };

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
    const input = { outcome: 'conditional-go', comment: 'ok', conditions, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['conditions']);
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
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['conditions.1.due']);
  });

  it.each([
    ['not a date', 'next week'],
    ['an impossible date', '2030-02-30'],
    ['a date-time', '2030-07-01T00:00:00Z'],
  ])('rejects a condition due that is %s', (_name, due) => {
    // Prepare
    const input = {
      outcome: 'conditional-go',
      comment: 'ok',
      conditions: [{ text: 'x', due }],
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['conditions.0.due']);
  });

  it.each(['go', 'hold', 'kill'] as const)('rejects conditions on %s', (outcome) => {
    // Prepare
    const input = {
      outcome,
      comment: 'because',
      conditions: [{ text: 'x', due: '2030-07-01' }],
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['conditions']);
  });

  it.each([
    ['missing', undefined],
    ['a later gate', 'launch'],
    ['an unknown gate', 'no-such-gate'],
  ])('rejects Recycle when the target is %s', (_name, recycleTo) => {
    // Prepare
    const input = { outcome: 'recycle', comment: 'again', recycleTo, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['recycleTo']);
  });

  it('rejects recycleTo on anything but Recycle', () => {
    // Prepare
    const input = { outcome: 'hold', comment: 'wait', recycleTo: 'scoping', packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['recycleTo']);
  });

  it('rejects a score on a criterion of another gate', () => {
    // Prepare — `value` is a criterion of scoping, not of business-case
    const input = { outcome: 'go', scores: { roi: 5, value: 5 }, packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['scores.value']);
  });

  it.each([
    ['above 10', 11],
    ['below 0', -1],
    ['a fraction', 2.5],
    ['a string', '7'],
  ])('rejects a score %s', (_name, score) => {
    // Prepare
    const input = { outcome: 'go', scores: { roi: score }, packageHash: HASH };

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
    const input = { outcome: 'go', packageHash };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['packageHash']);
  });

  it('rejects an unknown outcome on `outcome`', () => {
    // Prepare
    const input = { outcome: 'approve', packageHash: HASH };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['outcome']);
  });

  it('rejects an unknown extra field, naming it', () => {
    // Prepare
    const input = { outcome: 'go', packageHash: HASH, approver: 'someone.else@example.com' };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((p) => p.message).join(' ')).toContain('approver');
  });

  it('reports every problem at once', () => {
    // Prepare
    const input = {
      outcome: 'recycle',
      conditions: [{ text: 'x', due: '2030-07-01' }],
      recycleTo: 'launch',
      scores: { tested: 3 },
      packageHash: HASH,
    };

    // Act
    const result = parseDecision(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['comment', 'conditions', 'recycleTo', 'scores.tested']);
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

describe('parseDecision — properties', () => {
  const gateIds = DEMO_DEFINITION.gates.map((g) => g.id);

  /** Inputs close enough to valid ones to reach the rules that need the gate. */
  const nearlyValidArb = fc.record(
    {
      outcome: fc.oneof(fc.constantFrom<string>(...OUTCOMES), fc.string()),
      comment: fc.oneof(fc.constant(''), fc.constant('  '), fc.string({ maxLength: 20 })),
      conditions: fc.array(
        fc.record({
          text: fc.oneof(fc.constant(' '), fc.string({ maxLength: 10 })),
          due: fc.constantFrom('2030-06-14', TODAY, '2030-06-16', 'tomorrow'),
        }),
        { maxLength: 3 },
      ),
      recycleTo: fc.oneof(fc.constantFrom(...gateIds), fc.string({ maxLength: 8 })),
      scores: fc.dictionary(
        fc.constantFrom('funded', 'roi', 'value', 'tested', 'x'),
        fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double()),
        { maxKeys: 3 },
      ),
      packageHash: fc.oneof(fc.constant(HASH), fc.stringMatching(/^[0-9a-fA-F]{62,65}$/)),
    },
    { requiredKeys: ['outcome'] },
  );

  const contextArb = fc.record({
    gateId: fc.constantFrom(...gateIds, 'not-a-gate'),
    today: fc.constantFrom('2030-06-15', '1999-01-01', '2100-12-31'),
  });

  it('never throws on arbitrary input; either ok or every problem has a path and a message', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.jsonValue(), nearlyValidArb),
        contextArb,
        (input, { gateId, today }) => {
          // Prepare
          const context = { definition: DEMO_DEFINITION, gateId, today };

          // Act
          const result = parseDecision(input, context);

          // Assess
          if (!result.ok) {
            expect(result.problems.length).toBeGreaterThanOrEqual(1);
            for (const problem of result.problems) {
              expect(problem.path.length).toBeGreaterThan(0);
              expect(problem.message.length).toBeGreaterThan(0);
            }
          } else expect(OUTCOMES).toContain(result.value.outcome);
        },
      ),
      { numRuns: 500 },
    );
  });

  /** A valid decision for `gateId`, then — half of the time — one spoiler that may break a gate rule. */
  const plausibleArb = fc.constantFrom(...gateIds).chain((gateId) => {
    const current = gateIndex(DEMO_DEFINITION, gateId);
    const gate = DEMO_DEFINITION.gates[current];
    const criteria = [...(gate?.criteria.mustMeet ?? []), ...(gate?.criteria.shouldMeet ?? [])].map(
      (c) => c.id,
    );
    const spoilers: ((input: Record<string, unknown>) => void)[] = [
      (i) => delete i.comment,
      (i) => (i.comment = '   '),
      (i) => (i.conditions = [{ text: 'x', due: '2030-07-01' }]),
      (i) => (i.conditions = []),
      (i) => (i.conditions = [{ text: 'x', due: '2030-06-14' }]),
      (i) => (i.recycleTo = 'launch'),
      (i) => (i.recycleTo = 'scoping'),
      (i) => delete i.recycleTo,
      (i) => (i.scores = { value: 5 }),
      (i) => (i.scores = { tested: 10 }),
      (i) => (i.scores = { [criteria[0] ?? 'x']: 11 }),
    ];
    return fc
      .record({
        gateId: fc.constant(gateId),
        outcome: fc.constantFrom(...OUTCOMES),
        comment: fc.constantFrom('Because.', '  Because.  '),
        due: fc.constantFrom(TODAY, '2030-06-16', '2031-01-01'),
        recycleTo: fc.constantFrom(...gateIds.slice(0, current + 1)),
        scores: fc.dictionary(fc.constantFrom(...criteria), fc.integer({ min: 0, max: 10 }), { maxKeys: 2 }),
        spoiler: fc.option(fc.constantFrom(...spoilers), { freq: 2 }),
      })
      .map(({ gateId, outcome, comment, due, recycleTo, scores, spoiler }) => {
        const input: Record<string, unknown> = { outcome, comment, scores, packageHash: HASH };
        if (outcome === 'conditional-go') input.conditions = [{ text: 'Close risk R-7', due }];
        if (outcome === 'recycle') input.recycleTo = recycleTo;
        spoiler?.(input);
        return { gateId, input };
      });
  });

  it('whatever it accepts obeys the gate rules', () => {
    let accepted = 0;
    fc.assert(
      fc.property(plausibleArb, ({ gateId, input }) => {
        // Prepare
        const today = TODAY;
        const context = { definition: DEMO_DEFINITION, gateId, today };
        const current = gateIndex(DEMO_DEFINITION, gateId);
        const gate = DEMO_DEFINITION.gates[current];
        const criteria = [...(gate?.criteria.mustMeet ?? []), ...(gate?.criteria.shouldMeet ?? [])].map(
          (c) => c.id,
        );

        // Act
        const result = parseDecision(input, context);

        // Assess
        if (!result.ok) return;
        accepted++;
        const d = result.value;
        const outcome: Outcome = d.outcome;
        expect(d.packageHash).toMatch(/^[0-9a-f]{64}$/);
        if (outcome !== 'go') expect(d.comment.trim().length).toBeGreaterThan(0);
        expect(d.comment).toBe(d.comment.trim());
        expect(d.conditions.length > 0).toBe(outcome === 'conditional-go');
        for (const c of d.conditions) expect(c.due >= today).toBe(true);
        if (outcome === 'recycle') {
          const target = gateIndex(DEMO_DEFINITION, d.recycleTo ?? '');
          expect(target).toBeGreaterThanOrEqual(0);
          expect(target).toBeLessThanOrEqual(current);
        } else expect(d.recycleTo).toBeUndefined();
        for (const [id, score] of Object.entries(d.scores)) {
          expect(criteria).toContain(id);
          expect(Number.isInteger(score) && score >= 0 && score <= 10).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(100); // the property was not checked vacuously
  });
});
