import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAINS } from '../../functions/domain/trail.ts';
import {
  decideAs,
  extraApprover,
  linkFor,
  projectStatus,
  propose,
  submitStage,
  trail,
  until,
} from '../support/flows.ts';
import {
  criteriaMet,
  form,
  people,
  proposal,
  shownPackageHash,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => t?.stop());

/** A project waiting at gate 2, where the sponsor and finance decide. */
async function atGate2(title: string): Promise<string> {
  const projectId = await propose(t, title);
  await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
  await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
  await submitStage(t, projectId);
  await linkFor(t, people.finance.email, title, 'Gate 2 of 3');
  return projectId;
}

async function delegateFrom(link: string, to: string, reason: string): Promise<Response> {
  return fetch(link, {
    method: 'POST',
    ...form({ intent: 'delegate', delegateTo: to, delegateReason: reason }),
  });
}

describe('delegation', () => {
  it('hands a decision on from the decision page: the old link ends, the delegate decides, the trail says why', async () => {
    // Prepare
    const title = 'Delegated decision';
    const projectId = await atGate2(title);
    const financeLink = await linkFor(t, people.finance.email, title, 'Gate 2 of 3');

    // Act
    const handed = await delegateFrom(financeLink, extraApprover.email, 'On leave; Ada knows the numbers.');
    const oldLink = await fetch(financeLink);
    const [mail] = await t.mailTo(extraApprover.email, 1, `${title} — Gate 2 of 3`);
    await decideAs(t, extraApprover.email, title, 'Gate 2 of 3', { outcome: 'go' });
    await decideAs(t, people.sponsor.email, title, 'Gate 2 of 3', { outcome: 'go' });

    // Assess
    expect(handed.status).toBe(200);
    expect(await handed.text()).toContain('has been asked to decide instead');
    expect(oldLink.status).toBe(410);
    expect(mail?.body.text).toContain(
      `${people.finance.email} handed this decision to you (delegated): On leave; Ada knows the numbers.`,
    );
    await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into stage 3');
    const delegated = (await trail(t, projectId)).find((e) => e.action === 'request.delegated');
    expect(delegated).toMatchObject({
      actor: { type: 'person', id: people.finance.email, name: 'Fay Finance' },
      detail: {
        from: people.finance.email,
        to: extraApprover.email,
        reason: 'On leave; Ada knows the numbers.',
      },
    });
    expect((await t.repository.getGate(projectId, 2))?.approvers).toEqual([
      people.sponsor.email,
      extraApprover.email,
    ]);
  });

  it("refuses a delegation to the project's requester, under any alias, and to someone already deciding", async () => {
    // Prepare
    const title = 'Refused delegation';
    const projectId = await atGate2(title);
    const financeLink = await linkFor(t, people.finance.email, title, 'Gate 2 of 3');

    // Act
    const toRequester = await delegateFrom(
      financeLink,
      'Riley.Requester+review@Example.com',
      'Let Riley decide',
    );
    const toSponsor = await delegateFrom(financeLink, people.sponsor.email, 'Sam knows');
    const noReason = await delegateFrom(financeLink, extraApprover.email, '');
    const stillWorks = await fetch(financeLink);

    // Assess
    expect(toRequester.status).toBe(400);
    expect(await toRequester.text()).toContain(
      'requester or manager, who may not decide on their own project',
    );
    expect(toSponsor.status).toBe(400);
    expect(await toSponsor.text()).toContain('already decides on this gate');
    expect(noReason.status).toBe(400);
    expect(stillWorks.status).toBe(200);
    const refused = (await trail(t, projectId)).filter((e) => e.action === 'request.refused');
    expect(refused).toHaveLength(3);
    expect(refused[0]?.detail).toMatchObject({ route: 'POST /a/{secret}', status: 400 });
  });
});

describe('reassignment by a PMO admin', () => {
  it('hands a pending request to someone else with a reason; only a PMO admin may, never to the requester', async () => {
    // Prepare
    const title = 'Reassigned decision';
    const projectId = await atGate2(title);
    const sponsorLink = await linkFor(t, people.sponsor.email, title, 'Gate 2 of 3');
    const path = `/projects/${projectId}/gates/2/reassign`;

    // Act
    const byRequester = await t.api('POST', path, {
      as: people.requester,
      body: { from: people.sponsor.email, to: extraApprover.email, reason: 'x' },
    });
    const toRequester = await t.api('POST', path, {
      as: people.pmoAdmin,
      body: { from: people.sponsor.email, to: people.requester.email, reason: 'x' },
    });
    const wrongGate = await t.api('POST', `/projects/${projectId}/gates/1/reassign`, {
      as: people.pmoAdmin,
      body: { from: people.sponsor.email, to: extraApprover.email, reason: 'x' },
    });
    const reassigned = await t.api('POST', path, {
      as: people.pmoAdmin,
      body: { from: people.sponsor.email, to: extraApprover.email, reason: 'Sam left the company.' },
    });

    // Assess
    expect(byRequester.status).toBe(403);
    expect(toRequester.status).toBe(400);
    expect(wrongGate.status).toBe(409);
    expect(reassigned.status).toBe(200);
    const gone = await fetch(sponsorLink);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('a PMO admin handed this decision to someone else');
    await decideAs(t, extraApprover.email, title, 'Gate 2 of 3', { outcome: 'go' });
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into stage 3');
    const entry = (await trail(t, projectId)).find((e) => e.action === 'request.reassigned');
    expect(entry).toMatchObject({
      actor: { type: 'person', id: people.pmoAdmin.email, role: 'pmo-admin' },
      detail: { from: people.sponsor.email, to: extraApprover.email, reason: 'Sam left the company.' },
    });
  });
});

describe('a PMO admin acting while an approver decides', () => {
  it("lets exactly one of a reassignment and the approver's own decision win, and keeps the gate consistent", async () => {
    // Prepare: the sponsor has the decision page open at gate 2
    const title = 'Race between admin and approver';
    const projectId = await atGate2(title);
    const sponsorLink = await linkFor(t, people.sponsor.email, title, 'Gate 2 of 3');
    const page = await (await fetch(sponsorLink)).text();

    // Act: both at once; either may win
    const [decided, reassigned] = await Promise.all([
      fetch(sponsorLink, {
        method: 'POST',
        ...form({ ...criteriaMet(page), outcome: 'go', packageHash: shownPackageHash(page) }),
      }),
      t.api('POST', `/projects/${projectId}/gates/2/reassign`, {
        as: people.pmoAdmin,
        body: { from: people.sponsor.email, to: extraApprover.email, reason: 'Sam is travelling.' },
      }),
    ]);

    // Assess: one winner; the loser got a clear answer; the gate agrees with the winner
    const statuses = [decided.status, reassigned.status];
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    const votes = await t.repository.listVotes(projectId, 2);
    const gate = await t.repository.getGate(projectId, 2);
    if (decided.status === 200) {
      expect([409, 400]).toContain(reassigned.status);
      expect(votes.map((v) => v.approver)).toEqual([people.sponsor.email]);
      expect(gate?.approvers).toContain(people.sponsor.email);
    } else {
      expect(decided.status).toBe(410);
      expect(votes).toEqual([]);
      expect(gate?.approvers).toEqual([extraApprover.email, people.finance.email]);
    }
  });
});

describe('the people directory', () => {
  it("sends an out-of-office approver's request to their delegate, and records it", async () => {
    // Prepare: finance is away this week, with Ada standing in
    const today = t.clock.now().toISOString().slice(0, 10);
    const nextWeek = new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString().slice(0, 10);
    const finance = await t.repository.getPerson(people.finance.email);
    await t.repository.putPerson(
      {
        ...(finance as NonNullable<typeof finance>),
        away: { from: today, until: nextWeek, delegate: extraApprover.email },
      },
      {
        chain: CHAINS.people,
        at: new Date().toISOString(),
        actor: { type: 'system', id: 'test' },
        action: 'person.away',
        detail: {},
      },
    );
    const title = 'Finance away';

    // Act
    let projectId: string;
    try {
      projectId = await atGate2Delegated(title);
    } finally {
      await t.repository.putPerson(finance as NonNullable<typeof finance>, {
        chain: CHAINS.people,
        at: new Date().toISOString(),
        actor: { type: 'system', id: 'test' },
        action: 'person.back',
        detail: {},
      });
    }

    // Assess
    const status = await projectStatus(t, projectId);
    expect(status.currentGate.approvers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          email: extraApprover.email,
          handedFrom: {
            approver: people.finance.email,
            why: 'out-of-office',
            reason: `out of office until ${nextWeek}`,
          },
        }),
      ]),
    );
    expect(await t.mailTo(people.finance.email, 0, `${title} — Gate 2 of 3`)).toHaveLength(0);
    const opened = (await trail(t, projectId)).filter((e) => e.action === 'gate.opened').at(-1);
    expect(opened?.detail.handovers).toEqual([
      {
        from: people.finance.email,
        to: extraApprover.email,
        why: 'out-of-office',
        reason: `out of office until ${nextWeek}`,
      },
    ]);
  });

  async function atGate2Delegated(title: string): Promise<string> {
    const projectId = await propose(t, title);
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await submitStage(t, projectId);
    await linkFor(t, extraApprover.email, title, 'Gate 2 of 3');
    return projectId;
  }
});

describe('separation of duties at intake', () => {
  it('refuses a requester who names themselves as sponsor under an alias, and trails the attempt', async () => {
    // Act
    const alias = await t.api('POST', '/proposals', {
      as: people.requester,
      body: proposal({ title: 'My own project', sponsorEmail: 'Riley.Requester+boss@Example.com' }),
    });
    const managerSponsor = await t.api('POST', '/proposals', {
      as: people.requester,
      body: proposal({
        title: 'Manager sponsors',
        managerEmail: people.manager.email,
        sponsorEmail: 'morgan.manager+x@example.com',
      }),
    });

    // Assess
    expect(alias.status).toBe(400);
    expect(await alias.json()).toMatchObject({
      problems: [{ path: 'sponsorEmail', message: 'the sponsor must be someone other than the requester' }],
    });
    expect(managerSponsor.status).toBe(400);
    const refused = (await t.repository.listTrail(CHAINS.intake)).filter(
      (e) => e.action === 'request.refused',
    );
    expect(refused.at(-2)).toMatchObject({
      actor: { type: 'person', id: people.requester.email, role: 'requester' },
      detail: { route: 'POST /proposals', status: 400 },
    });
  });
});

describe('intake', () => {
  it('answers a retried submission with the same project (Idempotency-Key), never a second one', async () => {
    // Prepare
    const body = proposal({ title: 'Retried submission' });
    const headers = { 'idempotency-key': `retry-${crypto.randomUUID()}` };

    // Act
    const first = await t.api('POST', '/proposals', { as: people.requester, body, headers });
    const again = await t.api('POST', '/proposals', { as: people.requester, body, headers });
    const other = await t.api('POST', '/proposals', {
      as: people.requester,
      body: { ...body, title: 'Something else' },
      headers,
    });

    // Assess
    const a = (await first.json()) as { projectId: string };
    const b = (await again.json()) as { projectId: string };
    expect([first.status, again.status, other.status]).toEqual([202, 202, 409]);
    expect(b.projectId).toBe(a.projectId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await t.mailTo(people.sponsor.email, 1, 'Retried submission — Gate 1 of 3');
    expect(await t.mailTo(people.sponsor.email, 0, 'Retried submission — Gate 1 of 3')).toHaveLength(1);
  });

  it('refuses text that would break a mail: a line break in the title, a lone surrogate, a NUL, a bidi override', async () => {
    const cases = [
      { title: 'Two\nlines', path: 'title' },
      { title: 'Broken \ud800 title', path: 'title' },
      { summary: 'Has a \u0000 NUL', path: 'summary' },
      { title: 'Evil \u202e title', path: 'title' },
    ];
    for (const { path, ...override } of cases) {
      const response = await t.api('POST', '/proposals', { as: people.requester, body: proposal(override) });
      expect(response.status).toBe(400);
      expect(
        ((await response.json()) as { problems: { path: string }[] }).problems.map((p) => p.path),
      ).toEqual([path]);
    }
  });

  it('checks the typed fields of the process: required, type, choices', async () => {
    const response = await t.api('POST', '/proposals', {
      as: people.requester,
      body: proposal({ fields: { estimatedCost: 'a lot', risk: 'extreme', colour: 'red' } }),
    });
    expect(response.status).toBe(400);
    expect(
      ((await response.json()) as { problems: { path: string }[] }).problems.map((p) => p.path).sort(),
    ).toEqual(['fields.colour', 'fields.estimatedCost', 'fields.risk']);
  });
});
