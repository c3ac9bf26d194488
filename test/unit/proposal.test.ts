import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import { DEFAULT_SUBADDRESS_DOMAINS } from '../../functions/domain/email.ts';
import { type ProposalContext, parseProposal, parseProposalShape } from '../../functions/domain/proposal.ts';
import type { Parsed } from '../../functions/domain/validation.ts';
import { DEMO_DEFINITION, DEMO_PEOPLE } from '../../infra/local/demo.ts';

const REQUESTER = DEMO_PEOPLE.requester.email;
/** The demo process: Fay Finance approves "Go to development", Omar Operations "Go to launch". */
const CONTEXT: ProposalContext = {
  requesterEmail: REQUESTER,
  definition: DEMO_DEFINITION,
  subaddressDomains: DEFAULT_SUBADDRESS_DOMAINS,
};
const VALID = {
  title: 'New CRM',
  summary: 'Replace the ageing CRM before its licence runs out.',
  sponsorEmail: 'sam.sponsor@example.com',
  processId: 'standard',
  fields: { estimatedCost: 120_000, risk: 'medium' },
};
const SPONSOR_IS_REQUESTER = 'the sponsor must be someone other than the requester';

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

function problems<T>(result: Parsed<T>): [string, string][] {
  return result.ok ? [] : result.problems.map((p) => [p.path, p.message]);
}

function asRequester(requesterEmail: string): ProposalContext {
  return { ...CONTEXT, requesterEmail };
}

describe('parseProposal — shape', () => {
  it('accepts a valid proposal as it is', () => {
    // Prepare
    const input = structuredClone(VALID);

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(result).toEqual({ ok: true, value: VALID });
  });

  it('accepts a proposal without the optional process and manager, and without optional fields', () => {
    // Prepare
    const input = {
      title: 'Abc',
      summary: 'x',
      sponsorEmail: 'sam.sponsor@example.com',
      fields: { estimatedCost: 0, risk: 'low' },
    };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(result).toEqual({ ok: true, value: input });
  });

  it('trims the texts and lower-cases the sponsor and manager e-mails', () => {
    // Prepare
    const input = {
      ...VALID,
      title: '  New CRM  ',
      summary: '\n Replace it. \t',
      sponsorEmail: 'Sam.Sponsor@Example.COM',
      managerEmail: 'Morgan.Manager@EXAMPLE.com',
    };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        ...VALID,
        summary: 'Replace it.',
        sponsorEmail: 'sam.sponsor@example.com',
        managerEmail: 'morgan.manager@example.com',
      },
    });
  });

  it.each([
    ['a title too short', { title: 'ab' }, 'title'],
    ['a title too short once trimmed', { title: '  ab   ' }, 'title'],
    ['a title too long', { title: 'x'.repeat(201) }, 'title'],
    ['a title of two lines', { title: 'New\nCRM' }, 'title'],
    ['an empty summary', { summary: '   ' }, 'summary'],
    ['an invalid sponsorEmail', { sponsorEmail: 'sam at example' }, 'sponsorEmail'],
    ['a missing sponsorEmail', { sponsorEmail: undefined }, 'sponsorEmail'],
    ['an invalid managerEmail', { managerEmail: 'morgan' }, 'managerEmail'],
    ['a processId that is not a slug', { processId: 'Standard Process' }, 'processId'],
    ['fields that are not an object', { fields: ['estimatedCost', 5] }, 'fields'],
  ])('rejects %s on its field', (_name, change, path) => {
    // Prepare
    const input = { ...VALID, ...change };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual([path]);
  });

  it('rejects an unknown property, naming it — a field outside `fields` included', () => {
    // Prepare
    const input = { ...VALID, estimatedCost: 120_000 };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: '(root)', message: expect.stringContaining('estimatedCost') }],
    });
  });

  it('reports several bad properties at once', () => {
    // Prepare
    const input = { title: 'x', summary: 'ok', sponsorEmail: 'nope', managerEmail: 'nope' };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(paths(result)).toEqual(['title', 'sponsorEmail', 'managerEmail']);
  });

  it('checks the shape alone without a process', () => {
    // Prepare
    const input = { ...VALID, fields: { anything: 'goes here' } };

    // Act
    const result = parseProposalShape(input);

    // Assess
    expect(result).toEqual({ ok: true, value: input });
  });
});

describe('parseProposal — typed fields of the process', () => {
  it('keeps the typed values, trimmed, and leaves out an optional field left empty', () => {
    // Prepare
    const input = { ...VALID, fields: { estimatedCost: 45_000.5, risk: ' low ', targetDate: ' ' } };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(result.ok && result.value.fields).toEqual({ estimatedCost: 45_000.5, risk: 'low' });
  });

  it('accepts a date field', () => {
    // Prepare
    const input = { ...VALID, fields: { ...VALID.fields, targetDate: '2031-02-28' } };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(result.ok && result.value.fields).toEqual({ ...VALID.fields, targetDate: '2031-02-28' });
  });

  it.each([
    ['a missing required number', { risk: 'low' }, 'fields.estimatedCost', 'is required'],
    [
      'a number sent as text',
      { estimatedCost: '100', risk: 'low' },
      'fields.estimatedCost',
      'must be a number',
    ],
    [
      'a number under its minimum',
      { estimatedCost: -1, risk: 'low' },
      'fields.estimatedCost',
      'must be at least 0',
    ],
    [
      'a choice not on the list',
      { estimatedCost: 1, risk: 'extreme' },
      'fields.risk',
      'must be one of: low, medium, high',
    ],
    [
      'an impossible date',
      { estimatedCost: 1, risk: 'low', targetDate: '2031-02-30' },
      'fields.targetDate',
      'must be a date (YYYY-MM-DD)',
    ],
    [
      'a field the process does not have',
      { estimatedCost: 1, risk: 'low', colour: 'red' },
      'fields.colour',
      'is not a field of this process (fields: estimatedCost, risk, targetDate)',
    ],
  ])('rejects %s, naming the field', (_name, fields, path, message) => {
    // Prepare
    const input = { ...VALID, fields };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([[path, message]]);
  });

  it('requires the required fields when no fields are sent at all', () => {
    // Prepare
    const { fields: _fields, ...input } = VALID;

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([
      ['fields.estimatedCost', 'is required'],
      ['fields.risk', 'is required'],
    ]);
  });

  it('takes no fields for a process that asks for none', () => {
    // Prepare
    const definition: ProcessDefinition = { ...DEMO_DEFINITION, intake: { fields: [] } };
    const { fields: _fields, ...input } = VALID;

    // Act
    const results = [
      parseProposal(input, { ...CONTEXT, definition }),
      parseProposal({ ...input, fields: { risk: 'low' } }, { ...CONTEXT, definition }),
    ];

    // Assess
    expect(results[0]).toEqual({ ok: true, value: { ...input, fields: {} } });
    expect(problems(results[1] as Parsed<unknown>)).toEqual([
      ['fields.risk', 'is not a field of this process (this process has no fields)'],
    ]);
  });
});

describe('parseProposal — separation of duties', () => {
  it('rejects the requester as their own sponsor, whatever the case', () => {
    // Prepare
    const input = { ...VALID, sponsorEmail: 'Riley.Requester@EXAMPLE.com' };

    // Act
    const result = parseProposal(input, asRequester('RILEY.requester@example.COM'));

    // Assess
    expect(problems(result)).toEqual([['sponsorEmail', SPONSOR_IS_REQUESTER]]);
  });

  it('rejects the requester as their own sponsor under a +tag alias', () => {
    // Prepare
    const input = { ...VALID, sponsorEmail: 'riley.requester+sponsor@example.com' };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([['sponsorEmail', SPONSOR_IS_REQUESTER]]);
  });

  it('rejects the requester signed in under an alias, naming the plain address as sponsor', () => {
    // Prepare
    const input = { ...VALID, sponsorEmail: 'Riley.Requester@Example.com' };

    // Act
    const result = parseProposal(input, asRequester('riley.requester+work@example.com'));

    // Assess
    expect(problems(result)).toEqual([['sponsorEmail', SPONSOR_IS_REQUESTER]]);
  });

  it('treats a +tag as another mailbox at a domain not known to deliver sub-addresses', () => {
    // Prepare
    const input = { ...VALID, sponsorEmail: 'riley+boss@corp.test' };

    // Act
    const result = parseProposal(input, asRequester('riley@corp.test'));

    // Assess
    expect(result.ok).toBe(true);
  });

  it("rejects the project's manager as its sponsor, under any alias", () => {
    // Prepare
    const inputs = [
      { ...VALID, managerEmail: 'morgan.manager@example.com', sponsorEmail: 'morgan.manager@example.com' },
      { ...VALID, managerEmail: 'morgan.manager@example.com', sponsorEmail: 'Morgan.Manager+x@Example.com' },
    ];

    // Act
    const results = inputs.map((input) => parseProposal(input, CONTEXT));

    // Assess
    for (const result of results)
      expect(problems(result)).toEqual([
        ['sponsorEmail', "the sponsor must be someone other than the project's manager"],
      ]);
  });

  it('rejects a requester who is a named approver of a gate, naming the gate', () => {
    // Prepare
    const input = structuredClone(VALID);

    // Act
    const result = parseProposal(input, asRequester('Fay.Finance+ideas@example.com'));

    // Assess
    expect(problems(result)).toEqual([
      [
        '(requester)',
        'the requester approves gate "Go to development" of this process and may not approve their own project',
      ],
    ]);
  });

  it('rejects a manager who is a named approver of a gate, on managerEmail, naming the gate', () => {
    // Prepare
    const input = { ...VALID, managerEmail: DEMO_PEOPLE.operations.email };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(problems(result)).toEqual([
      [
        'managerEmail',
        `the project's manager approves gate "Go to launch" of this process and may not approve their own project`,
      ],
    ]);
  });

  it('names every gate the requester would approve, and the sponsor problem too', () => {
    // Prepare
    const approver = { email: 'riley.requester@example.com' };
    const definition: ProcessDefinition = {
      ...DEMO_DEFINITION,
      gates: DEMO_DEFINITION.gates.map((g) => ({ ...g, approvers: [...g.approvers, approver] })),
    };
    const input = { ...VALID, sponsorEmail: 'riley.requester+me@example.com' };

    // Act
    const result = parseProposal(input, { ...CONTEXT, definition });

    // Assess
    expect(problems(result)).toEqual([
      ['sponsorEmail', SPONSOR_IS_REQUESTER],
      ...DEMO_DEFINITION.gates.map(
        (g) =>
          [
            '(requester)',
            `the requester approves gate "${g.name}" of this process and may not approve their own project`,
          ] as [string, string],
      ),
    ]);
  });

  it('lets a named approver of a gate be the sponsor', () => {
    // Prepare
    const input = { ...VALID, sponsorEmail: DEMO_PEOPLE.finance.email };

    // Act
    const result = parseProposal(input, CONTEXT);

    // Assess
    expect(result.ok).toBe(true);
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
          const result = parseProposal(input, asRequester(recase(requesterCase)));

          // Assess — rejected for being the requester, not for being malformed
          expect(problems(result)).toEqual([['sponsorEmail', SPONSOR_IS_REQUESTER]]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: a +tag alias of the requester at a sub-addressing domain is always rejected', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]{1,10}(\.[a-z0-9]{1,5})?$/),
        fc.stringMatching(/^[a-z0-9-]{1,10}$/),
        fc.constantFrom(...DEFAULT_SUBADDRESS_DOMAINS),
        fc.boolean(),
        (local, tag, domain, aliasOnSponsor) => {
          // Prepare
          const plain = `${local}@${domain}`;
          const alias = `${local}+${tag}@${domain}`;
          const input = { ...VALID, sponsorEmail: aliasOnSponsor ? alias : plain };

          // Act
          const result = parseProposal(input, asRequester(aliasOnSponsor ? plain : alias));

          // Assess
          expect(problems(result)).toEqual([['sponsorEmail', SPONSOR_IS_REQUESTER]]);
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
        const result = parseProposal(input, CONTEXT);

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
