import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProposal } from '../../functions/domain/proposal.ts';
import type { Parsed } from '../../functions/domain/validation.ts';

const REQUESTER = 'riley.requester@example.com';
const VALID = {
  title: 'New CRM',
  summary: 'Replace the ageing CRM before its licence runs out.',
  sponsorEmail: 'sam.sponsor@example.com',
  estimatedCost: 120_000,
  processId: 'standard',
};

/** Addresses of the shape any mail system accepts (letters, digits, dots, a dotted domain). */
const emailArb = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,10}(\.[a-z0-9]{1,5})?$/),
    fc.stringMatching(/^[a-z0-9]{1,10}\.[a-z]{2,6}$/),
  )
  .map(([local, domain]) => `${local}@${domain}`);

function paths<T>(result: Parsed<T>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.path);
}

describe('parseProposal', () => {
  it('accepts a valid proposal as it is', () => {
    // Prepare
    const input = { ...VALID };

    // Act
    const result = parseProposal(input, REQUESTER);

    // Assess
    expect(result).toEqual({ ok: true, value: VALID });
  });

  it('accepts a proposal without the optional cost and process', () => {
    // Prepare
    const input = { title: 'Abc', summary: 'x', sponsorEmail: 'sam.sponsor@example.com' };

    // Act
    const result = parseProposal(input, REQUESTER);

    // Assess
    expect(result).toEqual({ ok: true, value: input });
  });

  it('trims the texts and lower-cases the sponsor e-mail', () => {
    // Prepare
    const input = {
      ...VALID,
      title: '  New CRM  ',
      summary: '\n Replace it. \t',
      sponsorEmail: 'Sam.Sponsor@Example.COM',
    };

    // Act
    const result = parseProposal(input, REQUESTER);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: { ...VALID, summary: 'Replace it.', sponsorEmail: 'sam.sponsor@example.com' },
    });
  });

  it.each([
    ['a title too short', { title: 'ab' }, 'title'],
    ['a title too short once trimmed', { title: '  ab   ' }, 'title'],
    ['a title too long', { title: 'x'.repeat(201) }, 'title'],
    ['an empty summary', { summary: '   ' }, 'summary'],
    ['an invalid sponsorEmail', { sponsorEmail: 'sam at example' }, 'sponsorEmail'],
    ['a missing sponsorEmail', { sponsorEmail: undefined }, 'sponsorEmail'],
    ['a negative estimatedCost', { estimatedCost: -1 }, 'estimatedCost'],
    ['an estimatedCost that is not a number', { estimatedCost: '100' }, 'estimatedCost'],
    ['an estimatedCost above a trillion', { estimatedCost: 1e12 + 1 }, 'estimatedCost'],
    ['a processId that is not a slug', { processId: 'Standard Process' }, 'processId'],
  ])('rejects %s on its field', (_name, change, path) => {
    // Prepare
    const input = { ...VALID, ...change };

    // Act
    const result = parseProposal(input, REQUESTER);

    // Assess
    expect(paths(result)).toEqual([path]);
  });

  it('rejects an unknown field, naming it', () => {
    // Prepare
    const input = { ...VALID, approved: true };

    // Act
    const result = parseProposal(input, REQUESTER);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: '(root)', message: expect.stringContaining('approved') }],
    });
  });

  it('reports several bad fields at once', () => {
    // Prepare
    const input = { title: 'x', summary: 'ok', sponsorEmail: 'nope', estimatedCost: -5 };

    // Act
    const result = parseProposal(input, REQUESTER);

    // Assess
    expect(paths(result)).toEqual(['title', 'sponsorEmail', 'estimatedCost']);
  });

  it('rejects the requester as their own sponsor (separation of duties), whatever the case', () => {
    // Prepare
    const input = { ...VALID, sponsorEmail: 'Riley.Requester@EXAMPLE.com' };

    // Act
    const result = parseProposal(input, 'RILEY.requester@example.COM');

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'sponsorEmail', message: 'the sponsor must be someone other than the requester' }],
    });
  });

  it('property: a sponsor equal to the requester in any letter case is always rejected on sponsorEmail', () => {
    fc.assert(
      fc.property(
        emailArb,
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        (email, sponsorCase, requesterCase) => {
          // Prepare
          const recase = (flags: boolean[]) =>
            [...email].map((c, i) => (flags[i % flags.length] ? c.toUpperCase() : c.toLowerCase())).join('');
          const input = { ...VALID, sponsorEmail: recase(sponsorCase) };

          // Act
          const result = parseProposal(input, recase(requesterCase));

          // Assess — rejected for being the requester, not for being malformed
          expect(result).toEqual({
            ok: false,
            problems: [
              { path: 'sponsorEmail', message: 'the sponsor must be someone other than the requester' },
            ],
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: never throws on arbitrary input; either ok or every problem has a path and a message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue()), (input) => {
        // Prepare — input

        // Act
        const result = parseProposal(input, REQUESTER);

        // Assess
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThanOrEqual(1);
          for (const problem of result.problems) {
            expect(problem.path.length).toBeGreaterThan(0);
            expect(problem.message.length).toBeGreaterThan(0);
          }
        } else expect(result.value.sponsorEmail).not.toBe(REQUESTER);
      }),
      { numRuns: 300 },
    );
  });
});
