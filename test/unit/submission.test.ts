import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GateDefinition } from '../../functions/domain/definition.ts';
import { buildGatePackage, gatePackageHash } from '../../functions/domain/gate-package.ts';
import { parseSubmission, type Submission } from '../../functions/domain/submission.ts';
import type { Parsed } from '../../functions/domain/validation.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';

/** "Go to development": business-case and project-plan required, risk-register optional. */
const GATE = DEMO_DEFINITION.gates[1] as GateDefinition;
/** The idea screen has no deliverables. */
const SCREEN = DEMO_DEFINITION.gates[0] as GateDefinition;

const CASE = { id: 'business-case', title: 'Business case v3', link: 'https://docs.example.com/case' };
const PLAN = { id: 'project-plan', title: 'Plan', link: 'https://docs.example.com/plan' };
const RISKS = { id: 'risk-register', title: 'Risks', link: 'http://intranet.example.com/risks' };

function problems<T>(result: Parsed<T>): [string, string][] {
  return result.ok ? [] : result.problems.map((p) => [p.path, p.message]);
}

function paths<T>(result: Parsed<T>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.path);
}

describe('parseSubmission — valid submissions', () => {
  it('accepts every deliverable, naming each as the checklist does', () => {
    // Prepare
    const input = { note: '  Ready for review.  ', deliverables: [CASE, PLAN, RISKS] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        gateId: 'business-case',
        note: 'Ready for review.',
        deliverables: [
          { ...CASE, name: 'Business case' },
          { ...PLAN, name: 'Project plan' },
          { ...RISKS, name: 'Risk register' },
        ],
      },
    });
  });

  it('lets an optional deliverable be left out, and the note too', () => {
    // Prepare
    const input = { deliverables: [PLAN, CASE] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        gateId: 'business-case',
        note: '',
        deliverables: [
          { ...CASE, name: 'Business case' },
          { ...PLAN, name: 'Project plan' },
        ],
      },
    });
  });

  it('accepts the gate id when it names the gate the stage leads to', () => {
    // Prepare
    const input = { gateId: 'business-case', deliverables: [CASE, PLAN] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('accepts an empty submission for a gate without deliverables', () => {
    // Prepare
    const input = { deliverables: [] };

    // Act
    const result = parseSubmission(input, SCREEN);

    // Assess
    expect(result).toEqual({ ok: true, value: { gateId: 'scoping', note: '', deliverables: [] } });
  });

  it('returns the deliverables in checklist order whatever the order posted', () => {
    // Prepare
    const input = { deliverables: [RISKS, PLAN, CASE] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(result.ok && result.value.deliverables.map((d) => d.id)).toEqual([
      'business-case',
      'project-plan',
      'risk-register',
    ]);
  });

  it('property: any order posted gives the same submission, and so the same gate package hash', () => {
    const subsetArb = fc.boolean().chain((withRisks) =>
      fc.shuffledSubarray(withRisks ? [CASE, PLAN, RISKS] : [CASE, PLAN], {
        minLength: withRisks ? 3 : 2,
        maxLength: withRisks ? 3 : 2,
      }),
    );
    fc.assert(
      fc.property(subsetArb, (posted) => {
        // Prepare
        const canonical = [CASE, PLAN, RISKS].filter((d) => posted.includes(d));
        const packageOf = (submission: Submission) =>
          buildGatePackage({
            project: {
              projectId: 'p-1',
              title: 'New CRM',
              summary: 'Replace the CRM.',
              requester: { email: 'riley.requester@example.com' },
              sponsorEmail: 'sam.sponsor@example.com',
              fields: {},
            },
            definition: DEMO_DEFINITION,
            gate: GATE,
            submission: {
              note: submission.note,
              deliverables: submission.deliverables,
              submittedBy: 'riley.requester@example.com',
              submittedAt: '2030-06-15T09:00:00.000Z',
            },
            sequence: 2,
            openedAt: '2030-06-15T09:00:00.000Z',
            dueAt: '2030-06-20T09:00:00.000Z',
          });

        // Act
        const shuffled = parseSubmission({ deliverables: posted }, GATE);
        const ordered = parseSubmission({ deliverables: canonical }, GATE);

        // Assess
        expect(shuffled.ok && ordered.ok).toBe(true);
        if (!shuffled.ok || !ordered.ok) return;
        expect(shuffled.value).toEqual(ordered.value);
        expect(gatePackageHash(packageOf(shuffled.value))).toBe(gatePackageHash(packageOf(ordered.value)));
      }),
      { numRuns: 50 },
    );
  });
});

describe('parseSubmission — against the checklist', () => {
  it('names a missing required deliverable', () => {
    // Prepare
    const input = { deliverables: [CASE, RISKS] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(problems(result)).toEqual([['deliverables', '"Project plan" (project-plan) is required']]);
  });

  it('names every missing required deliverable when nothing is submitted', () => {
    // Prepare
    const input = { note: 'Here you go', deliverables: [] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(problems(result)).toEqual([
      ['deliverables', '"Business case" (business-case) is required'],
      ['deliverables', '"Project plan" (project-plan) is required'],
    ]);
  });

  it('refuses an id the checklist does not have, listing the ones it has', () => {
    // Prepare
    const input = { deliverables: [CASE, PLAN, { ...CASE, id: 'market-study' }] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(problems(result)).toEqual([
      [
        'deliverables.2.id',
        '"market-study" is not a deliverable of Go to development (business-case, project-plan, risk-register)',
      ],
    ]);
  });

  it('says "none" when the gate has no deliverables at all', () => {
    // Prepare
    const input = { deliverables: [CASE] };

    // Act
    const result = parseSubmission(input, SCREEN);

    // Assess
    expect(problems(result)).toEqual([
      ['deliverables.0.id', '"business-case" is not a deliverable of Idea screen (none)'],
    ]);
  });

  it('refuses a deliverable submitted twice, at the second one', () => {
    // Prepare
    const input = { deliverables: [CASE, PLAN, { ...CASE, title: 'Business case v4' }] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(problems(result)).toEqual([['deliverables.2.id', '"business-case" is submitted twice']]);
  });

  it("refuses a submission for another gate than the one the project's stage leads to", () => {
    // Prepare
    const input = { gateId: 'launch', deliverables: [CASE, PLAN] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(problems(result)).toEqual([['gateId', `the project's stage leads to gate "business-case"`]]);
  });

  it('reports every problem at once', () => {
    // Prepare
    const input = { gateId: 'scoping', deliverables: [RISKS, { ...PLAN, id: 'plan' }, RISKS] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(paths(result)).toEqual([
      'gateId',
      'deliverables.1.id',
      'deliverables.2.id',
      'deliverables',
      'deliverables',
    ]);
  });
});

describe('parseSubmission — the shape of each deliverable', () => {
  it.each([
    ['a javascript: link', 'javascript:alert(1)'],
    ['an upper-case javascript: link', 'JavaScript:alert(document.cookie)'],
    ['an ftp:// link', 'ftp://files.example.com/case.pdf'],
    ['a file: link', 'file:///etc/passwd'],
    ['a data: link', 'data:text/html,<script>alert(1)</script>'],
    ['a mailto: link', 'mailto:riley@example.com'],
    ['a link without a host', 'https://'],
    ['a relative link', '/docs/case.pdf'],
    ['no link at all', ''],
    ['a link of 2001 characters', `https://example.com/${'a'.repeat(1981)}`],
  ])('refuses %s', (_name, link) => {
    // Prepare
    const input = { deliverables: [{ ...CASE, link }, PLAN] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(paths(result)).toEqual(['deliverables.0.link']);
  });

  it('says what kind of link it wants', () => {
    // Prepare
    const input = { deliverables: [{ ...CASE, link: 'javascript:alert(1)' }, PLAN] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(problems(result)).toEqual([['deliverables.0.link', 'must be an http(s) link']]);
  });

  it.each([
    ['an empty title', { title: '   ' }, 'deliverables.0.title'],
    ['a title of two lines', { title: 'Business\ncase' }, 'deliverables.0.title'],
    ['a title with a bidirectional override', { title: 'case\u202Efdp.exe' }, 'deliverables.0.title'],
    ['no id', { id: undefined }, 'deliverables.0.id'],
  ])('refuses %s', (_name, change, path) => {
    // Prepare
    const input = { deliverables: [{ ...CASE, ...change }, PLAN] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(paths(result)).toEqual([path]);
  });

  it('refuses an unknown property of a deliverable, naming it', () => {
    // Prepare
    const input = { deliverables: [{ ...CASE, approved: true }, PLAN] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(result.ok).toBe(false);
    expect(
      problems(result)
        .map(([, m]) => m)
        .join(' '),
    ).toContain('approved');
  });

  it('refuses more than 30 deliverables', () => {
    // Prepare
    const input = { deliverables: Array.from({ length: 31 }, () => CASE) };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(paths(result)).toEqual(['deliverables']);
  });

  it('refuses a note with a control character', () => {
    // Prepare
    const input = { note: 'ok\u0007', deliverables: [CASE, PLAN] };

    // Act
    const result = parseSubmission(input, GATE);

    // Assess
    expect(paths(result)).toEqual(['note']);
  });

  it('property: never throws, and whatever it accepts is on the checklist, once, with an http(s) link', () => {
    const deliverableArb = fc.record({
      id: fc.constantFrom('business-case', 'project-plan', 'risk-register', 'other'),
      title: fc.oneof(fc.constant('A title'), fc.string({ maxLength: 5 })),
      link: fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', 'ftp://x.example', 'nope')),
    });
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ deliverables: fc.array(deliverableArb, { maxLength: 5 }) })),
        (input) => {
          // Prepare — input

          // Act
          const result = parseSubmission(input, GATE);

          // Assess
          if (!result.ok) {
            for (const p of result.problems) expect(p.message.length).toBeGreaterThan(0);
            return;
          }
          const ids = result.value.deliverables.map((d) => d.id);
          expect(new Set(ids).size).toBe(ids.length);
          for (const required of GATE.deliverables.filter((d) => d.required))
            expect(ids).toContain(required.id);
          for (const d of result.value.deliverables) expect(new URL(d.link).protocol).toMatch(/^https?:$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
