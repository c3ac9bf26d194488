import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SUBADDRESS_DOMAINS } from '../../functions/domain/email.ts';
import { hashLinkSecret } from '../../functions/domain/links.ts';
import { CHAINS } from '../../functions/domain/trail.ts';
import { extendDeadline } from '../../functions/usecases/admin-actions.ts';
import { type Caller, callerActor } from '../../functions/usecases/caller.ts';
import { viewDecision } from '../../functions/usecases/decisions.ts';
import type { DirectoryPerson } from '../../functions/usecases/model.ts';
import type { PendingItem } from '../../functions/usecases/pending.ts';
import { executionNames, type Repository, type Workflow } from '../../functions/usecases/ports.ts';
import { utc } from '../../functions/views/email.ts';
import { localMachineArn } from '../../infra/local/asl.ts';
import type { LocalPerson } from '../../infra/local/auth.ts';
import { readSesStore, type SentEmail } from '../../infra/local/ses-local.ts';
import {
  decideAs,
  eventually,
  extraApprover,
  linkFor,
  process,
  projectStatus,
  propose,
  publish,
  requestsMailed,
  submitStage,
  trail,
  until,
} from '../support/flows.ts';
import {
  criteriaMet,
  decisionLink,
  form,
  people,
  shownPackageHash,
  startTestRuntime,
  stepFunctionsClient,
  type TestRuntime,
} from '../support/runtime.ts';

let t: TestRuntime;
let sfn: SFNClient;

/** Gates due 10 days after they open, with no reminders: nothing but a PMO admin issues a new link. */
const QUIET = process('quiet', (d) => {
  for (const gate of d.gates) gate.sla = { decideWithinHours: 10 * 24, atDeadline: 'hold' };
});

/** Gate 1 asks the sponsor and operations; one Go of the two passes it. Due after 72 h, no reminders. */
const PAIR = process('pair', (d) => {
  const [scoping] = d.gates;
  if (!scoping) return;
  scoping.approvers = [{ role: 'sponsor' }, { email: people.operations.email }];
  scoping.rule = { kind: 'quorum', count: 1 };
  scoping.sla = { decideWithinHours: 72, atDeadline: 'hold' };
});

beforeAll(async () => {
  t = await startTestRuntime();
  await publish(t, QUIET);
  await publish(t, PAIR);
  sfn = stepFunctionsClient(t);
});
afterAll(async () => {
  sfn?.destroy();
  await t?.stop();
});

const admin = people.pmoAdmin;
const day = (offsetDays: number) =>
  new Date(t.clock.now().getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** The PMO admin as the API's wrapper hands them to a use case, for a use case called directly. */
const asAdmin: Caller = {
  sub: admin.email,
  email: admin.email,
  name: admin.name,
  groups: admin.groups,
  actor: callerActor({ sub: admin.email, email: admin.email, name: admin.name, groups: admin.groups }),
};

/** What the admin API's use cases run on, over `repository`; nothing here is to wake a workflow. */
function adminPorts(repository: Repository) {
  const workflow = new Proxy({} as Workflow, {
    get: (_, name) => () => Promise.reject(new Error(`no workflow was to be woken (${String(name)})`)),
  });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  return {
    repository,
    workflow,
    clock: t.clock,
    settings: {
      appUrl: t.runtime.appUrl,
      linkMaxAgeHours: 14 * 24,
      subaddressDomains: DEFAULT_SUBADDRESS_DOMAINS,
    },
    log: quiet,
  };
}

/** Calls the admin API as `as` (the PMO admin by default); the status and the JSON answer. */
async function call(
  method: string,
  path: string,
  body?: unknown,
  as: LocalPerson = admin,
  // biome-ignore lint/suspicious/noExplicitAny: answers are read loosely in tests
): Promise<{ status: number; json: any }> {
  const response = await t.api(method, path, { as, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** Every request of a gate instance recorded as mailed: from then on nothing on the gate moves by itself. */
const mailed = (projectId: string, sequence: number) => requestsMailed(t, projectId, sequence);

/** A project at gate 1 (the sponsor's link mailed). */
async function atGate1(title: string): Promise<string> {
  const projectId = await propose(t, title);
  await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
  await mailed(projectId, 1);
  return projectId;
}

/** A project in stage 2 (gate 1 passed). */
async function inStage2(title: string): Promise<string> {
  const projectId = await propose(t, title);
  await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
  await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
  return projectId;
}

/** A project waiting at gate 2, where the sponsor and finance (or whoever stands in) decide. */
async function atGate2(title: string, asked = people.finance.email): Promise<string> {
  const projectId = await inStage2(title);
  await submitStage(t, projectId);
  await linkFor(t, asked, title, 'Gate 2 of 3');
  await mailed(projectId, 2);
  return projectId;
}

/** Every item of the pending view for a query, following the cursor; fails on a repeated project. */
async function allPending(query: string): Promise<{ items: PendingItem[]; pages: number }> {
  const items: PendingItem[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const sep = query ? '&' : '';
    const { status, json } = await call(
      'GET',
      `/pending?${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(status, JSON.stringify(json)).toBe(200);
    items.push(...json.items);
    cursor = json.cursor;
    pages++;
  } while (cursor && pages < 100);
  const ids = items.map((i) => i.projectId);
  expect(new Set(ids).size).toBe(ids.length);
  return { items, pages };
}

async function execution(projectId: string, sequence: number) {
  const out = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: localMachineArn('gate-review'), maxResults: 1000 }),
  );
  const name = executionNames.gateReview({ projectId, gate: { gateId: '', sequence } });
  return out.executions?.find((e) => e.name === name);
}

describe('the people directory', () => {
  it('adds and changes people with a reason, lists them a page at a time, and trails what changed', async () => {
    // Prepare
    const path = `/people/${extraApprover.email}`;

    // Act
    const added = await call('PUT', path, {
      name: 'Ada A.',
      roles: ['approver'],
      reason: 'Joins the board.',
    });
    const changed = await call('PUT', '/people/Ada.Architect@Example.com', {
      name: extraApprover.name,
      roles: ['approver', 'requester'],
      reason: 'Her full name.',
    });
    const unchanged = await call('PUT', path, {
      name: extraApprover.name,
      roles: ['requester', 'approver'],
      reason: 'Again.',
    });
    const refused = await call('PUT', path, { name: 'Two\nlines', roles: ['admin'], reason: '' });
    const shown = await call('GET', '/people/ADA.ARCHITECT@example.com');
    const unknown = await call('GET', '/people/nobody.here@example.com');
    const first = await call('GET', '/people?limit=2');
    const everyone: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', `/people?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      everyone.push(...page.json.people.map((p: { email: string }) => p.email));
      cursor = page.json.cursor;
    } while (cursor);
    const elsewhere = Buffer.from(JSON.stringify(['ACTIVE#in-review', 'x', 'PERSON#x', 'PERSON'])).toString(
      'base64url',
    );
    const forged = await call('GET', `/people?cursor=${elsewhere}`);
    const garbled = await call('GET', '/people?cursor=not%20a%20cursor');
    const tooMany = await call('GET', '/people?limit=101');

    // Assess
    expect([added.status, changed.status, unchanged.status]).toEqual([201, 200, 200]);
    expect(changed.json).toMatchObject({
      email: extraApprover.email,
      name: extraApprover.name,
      roles: ['requester', 'approver'],
    });
    expect(refused.status).toBe(400);
    expect(refused.json.problems.map((p: { path: string }) => p.path).sort()).toEqual([
      'name',
      'reason',
      'roles.0',
    ]);
    expect(shown).toMatchObject({ status: 200, json: { name: extraApprover.name } });
    expect(unknown.status).toBe(404);
    expect(first.json.people).toHaveLength(2);
    expect(first.json.cursor).toEqual(expect.any(String));
    expect(everyone).toEqual([...everyone].sort());
    expect(everyone).toEqual(
      expect.arrayContaining([extraApprover.email, people.finance.email, admin.email]),
    );
    expect(new Set(everyone).size).toBe(everyone.length);
    for (const bad of [forged, garbled])
      expect(bad).toMatchObject({ status: 400, json: { problems: [{ path: '(query).cursor' }] } });
    expect(tooMany).toMatchObject({ status: 400, json: { problems: [{ path: '(query).limit' }] } });
    const entries = (await t.repository.listTrail(CHAINS.people)).filter(
      (e) => e.subject?.person === extraApprover.email,
    );
    expect(entries.map((e) => e.action)).toEqual(['person.added', 'person.changed']);
    expect(entries[1]).toMatchObject({
      actor: { type: 'person', id: admin.email, name: admin.name, role: 'pmo-admin' },
      detail: {
        reason: 'Her full name.',
        changes: {
          name: { before: 'Ada A.', after: extraApprover.name },
          roles: { before: ['approver'], after: ['requester', 'approver'] },
        },
      },
    });
  });

  it('asks the delegate on gates that open while someone is away, and them again once back', async () => {
    // Prepare: Ada is in the directory (the test above); finance goes away for a week
    await call('PUT', `/people/${extraApprover.email}`, {
      name: extraApprover.name,
      roles: ['approver'],
      reason: 'Stands in for finance.',
    });
    const away = { from: day(0), until: day(7), delegate: extraApprover.email, reason: 'Annual leave.' };

    // Act
    const self = await call('PUT', `/people/${people.finance.email}/away`, {
      ...away,
      delegate: 'Fay.Finance@example.com',
    });
    const stranger = await call('PUT', `/people/${people.finance.email}/away`, {
      ...away,
      delegate: 'nobody.here@example.com',
    });
    const backwards = await call('PUT', `/people/${people.finance.email}/away`, {
      ...away,
      from: day(3),
      until: day(1),
    });
    const set = await call('PUT', `/people/${people.finance.email}/away`, away);
    const crossed = await call('PUT', `/people/${extraApprover.email}/away`, {
      from: day(5),
      until: day(9),
      delegate: people.finance.email,
      reason: 'Also away.',
    });
    let projectId = '';
    let back: Awaited<ReturnType<typeof call>>;
    try {
      projectId = await atGate2('Away at gate 2', extraApprover.email);
    } finally {
      back = await call('POST', `/people/${people.finance.email}/back`, { reason: 'Back early.' });
    }
    const again = await call('POST', `/people/${people.finance.email}/back`, { reason: 'Twice.' });
    const afterwards = await atGate2('Back at gate 2');

    // Assess
    for (const [refusal, path] of [
      [self, 'delegate'],
      [stranger, 'delegate'],
      [backwards, 'until'],
      [crossed, 'delegate'],
    ] as const)
      expect(refusal).toMatchObject({ status: 400, json: { problems: [{ path }] } });
    expect(crossed.json.problems[0].message).toContain('is away themselves');
    expect(set).toMatchObject({ status: 200, json: { away: { delegate: extraApprover.email } } });
    expect(back.status).toBe(200);
    expect(back.json.away).toBeUndefined();
    expect(again.status).toBe(409);
    const opened = (await trail(t, projectId)).filter((e) => e.action === 'gate.opened').at(-1);
    expect(opened?.detail.handovers).toEqual([
      {
        from: people.finance.email,
        to: extraApprover.email,
        why: 'out-of-office',
        reason: `out of office until ${away.until}`,
      },
    ]);
    expect(
      (await projectStatus(t, afterwards)).currentGate.approvers
        .map((a: { email: string }) => a.email)
        .sort(),
    ).toEqual([people.finance.email, people.sponsor.email]);
    const directory = (await t.repository.listTrail(CHAINS.people)).filter(
      (e) => e.subject?.person === people.finance.email && e.actor.id === admin.email,
    );
    expect(directory.map((e) => e.action)).toEqual(['person.away', 'person.back']);
    expect(directory[1]?.detail).toMatchObject({
      reason: 'Back early.',
      changes: { away: { before: { from: away.from, until: away.until, delegate: extraApprover.email } } },
    });
  });
});

describe('two PMO admins on the directory at once', () => {
  it('never lets two absences each name the other person as delegate', async () => {
    // Prepare: two people of the directory, neither away
    const [xena, yuri] = ['xena.cross@example.com', 'yuri.cross@example.com'];
    for (const email of [xena, yuri])
      await call('PUT', `/people/${email}`, {
        name: email,
        roles: ['approver'],
        reason: 'Crossed delegates.',
      });
    const away = (delegate: string) => ({ from: day(1), until: day(3), delegate, reason: 'Conference.' });
    const rounds: { status: number; json: { message?: string } }[][] = [];
    const crossed: boolean[] = [];

    for (let round = 0; round < 5; round++) {
      // Act: one admin sends Xena away (Yuri stands in) as the other sends Yuri away (Xena stands in)
      rounds.push(
        await Promise.all([
          call('PUT', `/people/${xena}/away`, away(yuri)),
          call('PUT', `/people/${yuri}/away`, away(xena)),
        ]),
      );
      const [x, y] = await Promise.all([t.repository.getPerson(xena), t.repository.getPerson(yuri)]);
      crossed.push(x?.away?.delegate === yuri && y?.away?.delegate === xena);
      for (const entry of [x, y])
        if (entry?.away) await call('POST', `/people/${entry.email}/back`, { reason: 'Next round.' });
    }

    // Assess
    expect(crossed).not.toContain(true);
    for (const answers of rounds) {
      expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
      for (const refused of answers.filter((a) => a.status !== 200))
        expect([400, 409]).toContain(refused.status);
      for (const conflict of answers.filter((a) => a.status === 409))
        expect(conflict.json.message).toMatch(/changed meanwhile; look again/);
    }
  });

  it('loses no edit of an entry an older version wrote without updatedAt', async () => {
    // Prepare
    const email = 'olga.older@example.com';
    const befores: unknown[] = [];
    for (let round = 0; round < 5; round++) {
      const older = { email, name: `Olga ${round}`, roles: ['approver'] } as unknown as DirectoryPerson;
      await t.repository.putPerson(older, {
        chain: CHAINS.people,
        subject: { person: email },
        at: new Date().toISOString(),
        actor: { type: 'system', id: 'test' },
        action: 'person.added',
        detail: {},
      });

      // Act: two admins rename her at once, each from the entry they read
      const answers = await Promise.all(
        ['A', 'B'].map((who) =>
          call('PUT', `/people/${email}`, {
            name: `Olga ${round}${who}`,
            roles: ['approver'],
            reason: 'Renamed.',
          }),
        ),
      );

      // Assess: every accepted edit starts from a different name (two from one: an edit lost)
      for (const answer of answers) expect([200, 409]).toContain(answer.status);
      const names = (await t.repository.listTrail(CHAINS.people))
        .filter((e) => e.subject?.person === email && e.action === 'person.changed')
        .map((e) => (e.detail.changes as { name: { before: string; after: string } }).name)
        .filter((name) => name.after.startsWith(`Olga ${round}`));
      befores.push(...names.map((name) => name.before));
      expect(names).toHaveLength(answers.filter((a) => a.status === 200).length);
    }
    expect(new Set(befores).size).toBe(befores.length);
  });
});

describe('actions on reviews in flight', () => {
  it('reminds the approvers now with a fresh link; the old link is superseded', async () => {
    // Prepare
    const title = 'Reminded by the PMO';
    const projectId = await atGate1(title);
    const first = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    const path = `/projects/${projectId}/gates/1/remind`;

    // Act
    const stranger = await call('POST', path, { reason: 'Nudge.', approver: people.finance.email });
    const wrongGate = await call('POST', `/projects/${projectId}/gates/2/remind`, { reason: 'Nudge.' });
    const reminded = await call('POST', path, { reason: 'The board meets on Monday.' });
    const [mail] = await t.mailTo(people.sponsor.email, 1, `Reminder: Decision needed: ${title}`);

    // Assess
    expect(stranger).toMatchObject({ status: 400, json: { problems: [{ path: 'approver' }] } });
    expect(wrongGate.status).toBe(404);
    expect(reminded).toMatchObject({ status: 202, json: { sequence: 1, approvers: [people.sponsor.email] } });
    expect(mail?.body.text).toContain('no longer works');
    const old = await fetch(first);
    expect(old.status).toBe(410);
    expect(await old.text()).toContain('replaced by a newer one');
    expect((await fetch(await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3', 2))).status).toBe(200);
    await eventually(async () => {
      const [request] = await t.repository.listRequests(projectId, 1);
      expect(request).toMatchObject({ reminders: 1, remindedAt: expect.any(String) });
    });
    const entry = (await trail(t, projectId)).find((e) => e.action === 'gate.reminded');
    expect(entry).toMatchObject({
      actor: { id: admin.email, role: 'pmo-admin' },
      subject: { projectId, sequence: 1 },
      detail: { reason: 'The board meets on Monday.', approvers: [people.sponsor.email], manual: true },
    });
  });

  it('holds a project in review (its gate closed, its links ended, its execution over) and resumes it', async () => {
    // Prepare
    const title = 'Held by the PMO';
    const projectId = await atGate2(title);
    const links = [
      await linkFor(t, people.sponsor.email, title, 'Gate 2 of 3'),
      await linkFor(t, people.finance.email, title, 'Gate 2 of 3'),
    ];

    // Act
    const held = await call('POST', `/projects/${projectId}/hold`, { reason: 'Budget freeze until Q3.' });
    const twice = await call('POST', `/projects/${projectId}/hold`, { reason: 'Again.' });
    const answers = await Promise.all(links.map((link) => fetch(link)));
    const resumed = await call('POST', `/projects/${projectId}/resume`, { reason: 'Budget released.' });

    // Assess
    expect(held).toMatchObject({
      status: 200,
      json: {
        status: 'on-hold',
        hold: { cause: 'pmo', resumeTo: { route: 'open-gate', gateId: 'business-case' } },
      },
    });
    expect(twice.status).toBe(409);
    expect(twice.json.message).toContain('on-hold');
    for (const answer of answers) {
      expect(answer.status).toBe(410);
      expect(await answer.text()).toContain('a PMO admin closed this review');
    }
    expect(await t.repository.getGate(projectId, 2)).toMatchObject({
      status: 'closed',
      decidedBy: 'pmo',
      appliedAt: expect.any(String),
      next: { route: 'hold', gateId: 'business-case' },
    });
    expect((await t.repository.listRequests(projectId, 2)).map((r) => r.status)).toEqual([
      'closed',
      'closed',
    ]);
    await eventually(async () => expect((await execution(projectId, 2))?.status).toBe('SUCCEEDED'));
    expect(resumed).toMatchObject({ status: 202, json: { status: 'in-review', sequence: 3 } });
    await linkFor(t, people.finance.email, title, 'Gate 2 of 3', 2);
    const actions = (await trail(t, projectId)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['project.held', 'project.on-hold', 'project.resumed']));
    const entry = (await trail(t, projectId)).find((e) => e.action === 'project.held');
    expect(entry).toMatchObject({
      actor: { id: admin.email, role: 'pmo-admin' },
      detail: {
        reason: 'Budget freeze until Q3.',
        from: 'in-review',
        closed: { sequence: 2, requests: [people.sponsor.email, people.finance.email] },
      },
    });
  });

  it('holds a project in a stage; a resume returns it to the stage', async () => {
    // Prepare
    const projectId = await inStage2('Held in a stage');

    // Act
    const held = await call('POST', `/projects/${projectId}/hold`, { reason: 'Waiting for the vendor.' });
    const resumed = await call('POST', `/projects/${projectId}/resume`, { reason: 'Vendor signed.' });

    // Assess
    expect(held).toMatchObject({
      status: 200,
      json: { hold: { cause: 'pmo', resumeTo: { route: 'stage', gateId: 'business-case' } } },
    });
    expect(resumed).toMatchObject({ status: 202, json: { status: 'in-stage', gateId: 'business-case' } });
  });

  it('cancels a project: closed and sealed, links gone, execution over, out of the listings, everyone told once by the sweeper; then only 409s', async () => {
    // Prepare: gate 2 asks the sponsor (who is also the project's sponsor) and finance
    const title = 'Cancelled by the PMO';
    const projectId = await atGate2(title);
    const link = await linkFor(t, people.finance.email, title, 'Gate 2 of 3');
    const told = [people.requester.email, people.sponsor.email, people.finance.email];
    const cancelMails = async () =>
      (await readSesStore(t.runtime.inboxUrl)).filter((m) => m.subject === `Cancelled: ${title}`);

    // Act
    const cancelled = await call('POST', `/projects/${projectId}/cancel`, {
      reason: 'The sponsor withdrew it.',
    });
    const after = await Promise.all([
      call('POST', `/projects/${projectId}/cancel`, { reason: 'Again.' }),
      call('POST', `/projects/${projectId}/hold`, { reason: 'Hold it.' }),
      call('POST', `/projects/${projectId}/gates/2/remind`, { reason: 'Remind.' }),
      call('POST', `/projects/${projectId}/gates/2/extend`, {
        reason: 'Later.',
        dueAt: new Date(t.clock.now().getTime() + 10 * 86_400_000).toISOString(),
      }),
      call('POST', `/projects/${projectId}/resume`, { reason: 'Resume.' }),
    ]);
    const answer = await fetch(link);
    const mailedByTheCall = await cancelMails();
    const owed = await t.repository.getMail({
      projectId,
      sequence: 0,
      kind: 'closed',
      to: people.finance.email,
      n: 'cancelled',
    });
    const firstSweep = await t.runtime.sweep();
    const afterOneSweep = await cancelMails();
    await t.runtime.sweep();
    const afterTwoSweeps = await cancelMails();

    // Assess
    expect(cancelled).toMatchObject({ status: 200, json: { status: 'closed', closeReason: 'cancelled' } });
    for (const refused of after) {
      expect(refused.status).toBe(409);
      expect(refused.json.message).toContain('closed');
    }
    expect(answer.status).toBe(410);
    const status = await projectStatus(t, projectId);
    expect(status).toMatchObject({
      status: 'closed',
      closeReason: 'cancelled',
      sealedAt: expect.any(String),
    });
    expect(status.currentGate).toMatchObject({ status: 'closed' });
    await eventually(async () => expect((await execution(projectId, 2))?.status).toBe('SUCCEEDED'));
    const entries = await trail(t, projectId);
    expect(entries.slice(-2).map((e) => e.action)).toEqual(['project.cancelled', 'trail.sealed']);
    expect(entries.at(-2)).toMatchObject({
      actor: { id: admin.email },
      detail: { reason: 'The sponsor withdrew it.', from: 'in-review', closed: { sequence: 2 } },
    });
    expect(((entries.at(-2)?.detail.notified ?? []) as string[]).toSorted()).toEqual(told.toSorted());
    expect((await t.repository.getTrailHead(CHAINS.project(projectId)))?.sealed).toBe(true);
    // The HTTP call mailed nobody: it owed each one notice, which one sweep sent, once each
    expect(mailedByTheCall).toEqual([]);
    expect(owed).toMatchObject({ owedAt: expect.any(String), mail: { to: people.finance.email } });
    expect(owed?.sentAt).toBeUndefined();
    expect(firstSweep.ledgerMails).toBeGreaterThanOrEqual(told.length);
    expect(afterOneSweep.flatMap((m) => m.destination.to).toSorted()).toEqual(told.toSorted());
    for (const mail of afterOneSweep) {
      expect(mail.body.text).toContain(`"${title}" was cancelled by ${admin.name} (${admin.email})`);
      expect(mail.body.text).toContain('Reason: The sponsor withdrew it.');
    }
    expect(afterTwoSweeps).toHaveLength(afterOneSweep.length);
    expect((await t.repository.listMail(projectId, 0)).filter((m) => !m.sentAt)).toEqual([]);
    // Sent after the seal: recorded in the ledger, not on the sealed chain
    expect((await trail(t, projectId)).at(-1)?.action).toBe('trail.sealed');
    const { items } = await allPending('limit=100');
    expect(items.map((i) => i.projectId)).not.toContain(projectId);
    const finance = await t.repository.listPendingRequests(people.finance.email, { limit: 100 });
    expect(finance.items.map((r) => r.projectId)).not.toContain(projectId);
  });

  it('refuses requesters and compliance officers (403) and writes nothing but the refusal entry', async () => {
    // Prepare
    const title = 'Not yours to act on';
    const projectId = await atGate1(title);
    const before = await t.repository.getProject(projectId);
    const trailBefore = await trail(t, projectId);
    const peopleBefore = await t.repository.listTrail(CHAINS.people);
    const day10 = new Date(t.clock.now().getTime() + 10 * 86_400_000).toISOString();

    // Act
    const answers: number[] = [];
    for (const as of [people.requester, people.compliance]) {
      for (const [method, path, body] of [
        ['POST', `/projects/${projectId}/hold`, { reason: 'x' }],
        ['POST', `/projects/${projectId}/cancel`, { reason: 'x' }],
        ['POST', `/projects/${projectId}/gates/1/remind`, { reason: 'x' }],
        ['POST', `/projects/${projectId}/gates/1/extend`, { reason: 'x', dueAt: day10 }],
        ['PUT', '/people/olive.outsider@example.com', { name: 'Olive', roles: [], reason: 'x' }],
        [
          'PUT',
          `/people/${people.finance.email}/away`,
          { from: day(0), until: day(1), delegate: admin.email, reason: 'x' },
        ],
        ['POST', `/people/${people.finance.email}/back`, { reason: 'x' }],
        ['GET', '/pending', undefined],
        ['GET', '/people', undefined],
        ['GET', `/people/${people.finance.email}`, undefined],
      ] as const)
        answers.push((await call(method, path, body, as)).status);
    }

    // Assess
    expect(new Set(answers)).toEqual(new Set([403]));
    expect(await t.repository.getProject(projectId)).toEqual(before);
    const added = (await trail(t, projectId)).slice(trailBefore.length);
    expect(added.map((e) => e.action)).toEqual(Array(8).fill('request.refused'));
    expect(added.map((e) => e.actor.id)).toEqual([
      ...Array(4).fill(people.requester.email),
      ...Array(4).fill(people.compliance.email),
    ]);
    expect(await t.repository.listTrail(CHAINS.people)).toHaveLength(peopleBefore.length);
    expect(await t.repository.getPerson('olive.outsider@example.com')).toBeUndefined();
    expect((await t.repository.getPerson(people.finance.email))?.away).toBeUndefined();
  });

  it('lets exactly one of a PMO hold and two approvers deciding at once win, and keeps the gate consistent', async () => {
    // Prepare: both approvers of gate 2 have their pages open
    const title = 'Hold races the board';
    const projectId = await atGate2(title);
    const links = [
      await linkFor(t, people.sponsor.email, title, 'Gate 2 of 3'),
      await linkFor(t, people.finance.email, title, 'Gate 2 of 3'),
    ];
    const pages = await Promise.all(links.map(async (link) => (await fetch(link)).text()));

    // Act: all three at once
    const [held, ...decided] = await Promise.all([
      call('POST', `/projects/${projectId}/hold`, { reason: 'Audit finding.' }),
      ...links.map((link, i) =>
        fetch(link, {
          method: 'POST',
          ...form({
            ...criteriaMet(pages[i] as string),
            outcome: 'go',
            packageHash: shownPackageHash(pages[i] as string),
          }),
        }),
      ),
    ]);

    // Assess: either the hold won (the gate closed undecided) or the votes did (the hold is refused)
    const gate = await t.repository.getGate(projectId, 2);
    const votes = await t.repository.listVotes(projectId, 2);
    const statuses = decided.map((d) => d.status);
    if (held.status === 200) {
      expect(gate).toMatchObject({ status: 'closed', decidedBy: 'pmo' });
      expect(votes.length).toBeLessThan(2);
      expect(statuses.filter((s) => s === 200)).toHaveLength(votes.length);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 410 || s === 409)).toBe(true);
      expect(await projectStatus(t, projectId)).toMatchObject({ status: 'on-hold', hold: { cause: 'pmo' } });
    } else {
      expect(held.status).toBe(409);
      expect(statuses).toEqual([200, 200]);
      expect(gate).toMatchObject({ status: 'decided', outcome: 'go' });
      await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into stage 3');
      expect((await trail(t, projectId)).map((e) => e.action)).not.toContain('project.held');
    }
  });

  it('reminds on a PMO ask past a reminder mail the ledger gave up on, one mail per ask', async () => {
    // Prepare: the sponsor's first reminder was claimed, taken over and never marked sent (its
    // steps died twice), so the ledger gives up on it
    const title = 'Reminded past a lost mail';
    const projectId = await atGate1(title);
    const lost = { projectId, sequence: 1, kind: 'reminder' as const, to: people.sponsor.email, n: '1.1' };
    const ago = (minutes: number) => new Date(t.clock.now().getTime() - minutes * 60_000).toISOString();
    await t.repository.claimMail(lost, { at: ago(40), staleBefore: ago(55) });
    await t.repository.claimMail(lost, { at: ago(20), staleBefore: ago(35) });

    // Act: a PMO admin asks; the sweeper runs as the nudged workflow mails
    const reminded = await call('POST', `/projects/${projectId}/gates/1/remind`, {
      reason: 'Still waiting.',
    });
    await t.runtime.sweep();
    await t.mailTo(people.sponsor.email, 1, `Reminder: Decision needed: ${title}`);

    // Assess: the ask was mailed, once; the given-up entry stays as it was
    expect(reminded).toMatchObject({ status: 202, json: { approvers: [people.sponsor.email] } });
    await eventually(async () =>
      expect((await t.repository.listRequests(projectId, 1))[0]).toMatchObject({ reminders: 1 }),
    );
    await t.runtime.sweep();
    const reminders = await t.mailTo(people.sponsor.email, 1, `Reminder: Decision needed: ${title}`);
    expect(reminders).toHaveLength(1);
    expect((await fetch(decisionLink(reminders[0] as SentEmail))).status).toBe(200);
    expect(await t.repository.getMail(lost)).toMatchObject({ takenOverAt: expect.any(String) });
    expect((await t.repository.getMail(lost))?.sentAt).toBeUndefined();
  });

  it('ends a wait that enters a gate the PMO closed (the hold woke a token a nudge had spent)', async () => {
    // Prepare: gate 1 on hold, its execution over
    const projectId = await atGate1('Held while nudged');
    const held = await call('POST', `/projects/${projectId}/hold`, { reason: 'Budget freeze.' });
    await eventually(async () => expect((await execution(projectId, 1))?.status).toBe('SUCCEEDED'));

    // Act: the wait entered again, as after a nudge (a reminder, a chain vote, a hand-over) whose
    // re-entry reached OpenGate only after the hold had read the spent token
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: localMachineArn('gate-review'),
        name: `${executionNames.gateReview({ projectId, gate: { gateId: '', sequence: 1 } })}-again`,
        input: JSON.stringify({ projectId, gate: { gateId: 'scoping', sequence: 1 } }),
      }),
    );

    // Assess: it ends now (not after the wait's day-long backstop), and moves nothing
    expect(held.status).toBe(200);
    await eventually(async () =>
      expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED'),
    );
    expect(await t.repository.getGate(projectId, 1)).toMatchObject({ status: 'closed', decidedBy: 'pmo' });
    expect(await projectStatus(t, projectId)).toMatchObject({ status: 'on-hold', hold: { cause: 'pmo' } });
  });
});

describe('deadlines and the pending view (time moves on)', () => {
  it('extends a deadline: the gate, its requests, links and agenda move; the sweeper at the old deadline does nothing', async () => {
    // Prepare: gate 1 is due 72 h after it opened
    const title = 'Extended by the PMO';
    const projectId = await atGate1(title);
    const link = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    const gate = await t.repository.getGate(projectId, 1);
    const opened = Date.parse(gate?.openedAt ?? '');
    const hours = (h: number) => new Date(opened + h * 3_600_000).toISOString();
    const path = `/projects/${projectId}/gates/1/extend`;

    // Act
    const earlier = await call('POST', path, { dueAt: hours(48), reason: 'Sooner.' });
    const tooLate = await call('POST', path, { dueAt: hours(181 * 24), reason: 'Much later.' });
    const extended = await call('POST', path, { dueAt: hours(120), reason: 'Waiting for the audit report.' });
    t.clock.advanceHours(73);
    await t.runtime.sweep();

    // Assess
    expect(earlier).toMatchObject({ status: 400, json: { problems: [{ path: 'dueAt' }] } });
    expect(tooLate).toMatchObject({ status: 400, json: { problems: [{ path: 'dueAt' }] } });
    expect(extended).toMatchObject({ status: 200, json: { sequence: 1, from: gate?.dueAt, to: hours(120) } });
    expect(await t.repository.getGate(projectId, 1)).toMatchObject({ status: 'open', dueAt: hours(120) });
    expect((await t.repository.listRequests(projectId, 1))[0]).toMatchObject({ dueAt: hours(120) });
    const mine = await t.repository.listPendingRequests(people.sponsor.email, { limit: 100 });
    expect(mine.items.find((r) => r.projectId === projectId)?.dueAt).toBe(hours(120));
    expect((await trail(t, projectId)).map((e) => e.action)).not.toContain('gate.expired');
    // The sweeper reminded meanwhile (a fresh link), which lives until the new deadline.
    const latest = await t.mailTo(people.sponsor.email, 2, `${title} — Gate 1 of 3`);
    expect(latest.length).toBeGreaterThanOrEqual(2);
    expect((await fetch(link)).status).toBe(410);
    expect(
      (await fetch(await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3', latest.length))).status,
    ).toBe(200);
    const entry = (await trail(t, projectId)).find((e) => e.action === 'gate.extended');
    expect(entry).toMatchObject({
      actor: { id: admin.email },
      detail: { from: gate?.dueAt, to: hours(120), reason: 'Waiting for the audit report.' },
    });
    // The escalation (at 48 h) names the deadline as it is now.
    const [escalation] = await t.mailTo(admin.email, 1, `Escalation: ${title}`);
    expect(escalation?.subject).toContain(`deadline ${utc(hours(120))}`);
    expect(escalation?.body.text).toContain(`Deadline: ${utc(hours(120))}.`);

    // Act: the new deadline passes
    t.clock.advanceHours(48);
    await t.runtime.sweep();

    // Assess
    await until(t, projectId, (s) => s.status === 'on-hold', 'on hold at the new deadline');
  });

  it('shows what is pending with whom and for how long, filtered and a page at a time', async () => {
    // Prepare: one project at gate 1, one in stage 2, one at gate 2
    const review1 = await atGate1('Pending at gate 1');
    const staged = await inStage2('Pending in stage 2');
    const review2 = await atGate2('Pending at gate 2');
    const mine = [review1, staged, review2];
    const only = (items: PendingItem[]) => items.filter((i) => mine.includes(i.projectId));

    // Act
    const all = await allPending('limit=2');
    const inReview = await allPending('status=in-review&limit=100');
    const finance = await allPending(`approver=${people.finance.email}`);
    const sponsorPaged = await allPending(`approver=${people.sponsor.email}&limit=1`);
    const sponsorFirst = await call('GET', `/pending?approver=${people.sponsor.email}&limit=1`);
    const otherApprover = await call(
      'GET',
      `/pending?approver=${people.finance.email}&cursor=${encodeURIComponent(sponsorFirst.json.cursor)}`,
    );
    const businessCase = await allPending('gate=business-case&limit=100');
    const overdueBefore = await allPending('overdue=true&limit=100');
    // A cursor whose last request (gate 2's) is due later, sent to the overdue listing.
    let dueLater: string | undefined;
    for (let next: string | undefined, pages = 0; !dueLater && pages < 100; pages++) {
      const query = `/pending?approver=${people.sponsor.email}&limit=1`;
      const page = await call('GET', next ? `${query}&cursor=${encodeURIComponent(next)}` : query);
      next = page.json.cursor;
      if (page.json.items.some((i: PendingItem) => i.projectId === review2)) dueLater = next;
      if (!next) break;
    }
    const laterAsOverdue = await call(
      'GET',
      `/pending?approver=${people.sponsor.email}&overdue=true&cursor=${encodeURIComponent(dueLater ?? '')}`,
    );
    t.clock.advanceHours(73);
    const overdue = await allPending('overdue=true&limit=100');
    const sponsorOverdue = await allPending(`approver=${people.sponsor.email}&overdue=true`);
    const bad = await call('GET', '/pending?status=closed&overdue=yes&colour=red');
    const crossed = await call('GET', `/pending?cursor=${encodeURIComponent(`in-review~${'x'.repeat(10)}`)}`);

    // Assess
    expect(all.pages).toBeGreaterThan(1);
    expect(
      only(all.items)
        .map((i) => i.projectId)
        .sort(),
    ).toEqual([...mine].sort());
    expect(
      only(inReview.items)
        .map((i) => i.projectId)
        .sort(),
    ).toEqual([review1, review2].sort());
    expect(only(finance.items).map((i) => i.projectId)).toEqual([review2]);
    expect(sponsorPaged.pages).toBeGreaterThan(2);
    expect(only(sponsorPaged.items).map((i) => i.projectId)).toEqual([review1, review2]);
    expect(otherApprover).toMatchObject({ status: 400, json: { problems: [{ path: '(query).cursor' }] } });
    expect(dueLater).toEqual(expect.any(String));
    expect(laterAsOverdue).toMatchObject({ status: 400, json: { problems: [{ path: '(query).cursor' }] } });
    const atGate2Item = only(finance.items)[0];
    expect(atGate2Item).toMatchObject({
      title: 'Pending at gate 2',
      status: 'in-review',
      definition: { id: 'standard', version: 1 },
      gate: {
        sequence: 2,
        gateId: 'business-case',
        name: 'Go to development',
        overdue: false,
        sla: 'on-track',
        approvers: [
          { email: people.sponsor.email, name: 'Sam Sponsor', status: 'pending' },
          { email: people.finance.email, name: 'Fay Finance', status: 'pending' },
        ],
      },
    });
    const sent = (await t.repository.listRequests(review2, 2))[0]?.sentAt ?? '';
    expect(atGate2Item?.gate?.nextReminderAt).toBe(new Date(Date.parse(sent) + 48 * 3_600_000).toISOString());
    expect(
      only(businessCase.items)
        .map((i) => i.projectId)
        .sort(),
    ).toEqual([staged, review2].sort());
    expect(only(businessCase.items).find((i) => i.projectId === staged)).toMatchObject({
      status: 'in-stage',
      stage: { gateId: 'business-case' },
    });
    expect(only(overdueBefore.items)).toEqual([]);
    expect(only(overdue.items).map((i) => i.projectId)).toEqual([review1]);
    expect(only(overdue.items)[0]).toMatchObject({ gate: { overdue: true, sla: 'overdue' } });
    expect(only(overdue.items)[0]?.ageHours).toBeGreaterThanOrEqual(73);
    expect(only(sponsorOverdue.items).map((i) => i.projectId)).toEqual([review1]);
    expect(bad.status).toBe(400);
    expect(bad.json.problems.map((p: { path: string }) => p.path).sort()).toEqual([
      '(query)',
      '(query).overdue',
      '(query).status',
    ]);
    expect(crossed).toMatchObject({ status: 400, json: { problems: [{ path: '(query).cursor' }] } });
  });

  it('finds the gates pending with an approver however the query capitalises the address', async () => {
    // Prepare: a gate where the sponsor and finance both decide
    const projectId = await atGate2('Pending under a capitalised address');
    const ids = (items: PendingItem[]) => items.map((i) => i.projectId);

    // Act
    const written = await allPending(`approver=${people.sponsor.email}`);
    const capitalised = await allPending(`approver=${encodeURIComponent('Sam.Sponsor@Example.com')}`);
    const finance = await allPending(`approver=${encodeURIComponent('Fay.FINANCE@example.COM')}`);

    // Assess
    expect(ids(written.items)).toContain(projectId);
    expect(ids(capitalised.items)).toEqual(ids(written.items));
    expect(ids(finance.items)).toContain(projectId);
    expect(finance.items.find((i) => i.projectId === projectId)?.gate?.approvers).toMatchObject([
      { email: people.sponsor.email, status: 'pending' },
      { email: people.finance.email, status: 'pending' },
    ]);
  });

  it('moves a link a reminder issued while the extension was being written (it reads again)', async () => {
    // Prepare: gate 1 is due 72 h after it opened and reminds after 24 h. Between the extension's
    // read and its write a day passes and the sweeper reminds: a fresh link, due at the old deadline
    const title = 'Reminded while extended';
    const projectId = await atGate1(title);
    const opened = Date.parse((await t.repository.getGate(projectId, 1))?.openedAt ?? '');
    const hours = (h: number) => new Date(opened + h * 3_600_000).toISOString();
    let writes = 0;
    const meanwhile = new Proxy(t.repository, {
      get(target, name, receiver) {
        if (name !== 'extendGate') return Reflect.get(target, name, receiver);
        return async (args: Parameters<Repository['extendGate']>[0]) => {
          if (writes++ === 0) {
            t.clock.advanceHours(25);
            await t.runtime.sweep();
          }
          return target.extendGate(args);
        };
      },
    });

    // Act
    const extended = await extendDeadline(adminPorts(meanwhile), asAdmin, {
      projectId,
      sequence: 1,
      body: { dueAt: hours(120), reason: 'Waiting for the audit report.' },
      source: { ip: '127.0.0.1', userAgent: 'test' },
    });
    const reminded = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3', 2);
    t.clock.advanceHours(48); // 73 h: past the old deadline

    // Assess: written on the second try, with the reminder's link moved to the new deadline
    expect(extended).toMatchObject({ to: hours(120), freshLinks: [] });
    expect(writes).toBe(2);
    const [request] = await t.repository.listRequests(projectId, 1);
    expect(request).toMatchObject({ reminders: 1, dueAt: hours(120) });
    expect((await t.repository.getLink(request?.linkHash ?? ''))?.expiresAt).toBe(hours(120));
    expect((await fetch(reminded)).status).toBe(200);
  });

  it('mails a fresh link when an extension outlasts the links out (no reminder would)', async () => {
    // Prepare: a gate due 10 days after it opened, with no reminders; 9 days pass
    const title = 'Extended past the link age';
    const projectId = await propose(t, title, { processId: 'quiet' });
    const first = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    await mailed(projectId, 1);
    const opened = Date.parse((await t.repository.getGate(projectId, 1))?.openedAt ?? '');
    const days = (d: number) => new Date(opened + d * 86_400_000).toISOString();
    t.clock.advanceDays(9);

    // Act: to 20 days after it opened, past the 14 days a link lives
    const extended = await call('POST', `/projects/${projectId}/gates/1/extend`, {
      dueAt: days(20),
      reason: 'The steering board meets later.',
    });
    const [reminder] = await t.mailTo(people.sponsor.email, 1, `Reminder: Decision needed: ${title}`);
    const fresh = decisionLink(reminder as SentEmail);
    t.clock.advanceDays(6); // 15 days: the first link would be past its age

    // Assess: the fresh link lives until the new deadline; the first one is replaced
    expect(extended).toMatchObject({
      status: 200,
      json: { to: days(20), freshLinks: [people.sponsor.email] },
    });
    expect(reminder?.subject).toContain(utc(days(20)));
    const secret = new URL(fresh).pathname.split('/').pop() as string;
    expect((await t.repository.getLink(hashLinkSecret(secret)))?.expiresAt).toBe(days(20));
    expect((await fetch(fresh)).status).toBe(200);
    expect((await fetch(first)).status).toBe(410);
    const entry = (await trail(t, projectId)).find((e) => e.action === 'gate.extended');
    expect(entry?.detail).toMatchObject({ to: days(20), freshLinks: [people.sponsor.email] });
  });
});

describe('requests a decided gate no longer waits for', () => {
  /** The approver's partition of the pending-by-approver index, for one project. */
  const indexed = async (approver: string, projectId: string) =>
    (await t.repository.listPendingRequests(approver, { limit: 100 })).items.filter(
      (r) => r.projectId === projectId,
    );

  it('closes the request of an approver the quorum did not wait for, once the decision is followed', async () => {
    // Prepare: gate 1 of the pair process, both approvers mailed
    const title = 'Decided by one of two';
    const projectId = await propose(t, title, { processId: 'pair' });
    const operationsLink = await linkFor(t, people.operations.email, title, 'Gate 1 of 3');
    await mailed(projectId, 1);
    const before = await indexed(people.operations.email, projectId);
    const stillOpen = await t.repository.getGate(projectId, 1);

    // Act: the sponsor's Go is the quorum; the workflow follows it
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    const link = await fetch(operationsLink);
    // Operations opens the link as the decision lands: the gate read before it, the requests after.
    let reads = 0;
    const raced = new Proxy(t.repository, {
      get: (target, name, receiver) =>
        name === 'getGate' && reads++ === 0
          ? async () => stillOpen
          : Reflect.get(target, name, receiver)?.bind(target),
    });
    const racedAnswer = await viewDecision(
      adminPorts(raced),
      new URL(operationsLink).pathname.split('/').pop() ?? '',
    ).catch((error: Error) => error);
    // Operations has no other request in this runtime: their partition of the index is empty.
    const pending = await call('GET', `/pending?approver=${people.operations.email}&limit=1`);

    // Assess: operations' request closed and out of the index; their link says the gate was decided
    expect(before).toHaveLength(1);
    const requests = await t.repository.listRequests(projectId, 1);
    expect(requests.map((r) => [r.approver, r.status]).sort()).toEqual(
      [
        [people.operations.email, 'closed'],
        [people.sponsor.email, 'decided'],
      ].sort(),
    );
    expect(await indexed(people.operations.email, projectId)).toEqual([]);
    expect(await indexed(people.sponsor.email, projectId)).toEqual([]);
    // No thin page with a cursor over stale entries: nothing to list, and nothing to follow.
    expect(pending).toEqual({ status: 200, json: { items: [] } });
    expect(link.status).toBe(410);
    expect(await link.text()).toContain('this gate has already been decided');
    expect(stillOpen?.status).toBe('open');
    expect(racedAnswer).toMatchObject({
      name: 'LinkGoneError',
      message: 'this gate has already been decided',
    });
    const followed = (await trail(t, projectId)).find((e) => e.action === 'gate.followed');
    expect(followed?.detail).toMatchObject({ outcome: 'go' });
  });

  it('closes every request of a gate its deadline decided', async () => {
    // Prepare: gate 1 of the pair process, nobody decides
    const title = 'Decided by the deadline';
    const projectId = await propose(t, title, { processId: 'pair' });
    const sponsorLink = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    const operationsLink = await linkFor(t, people.operations.email, title, 'Gate 1 of 3');
    await mailed(projectId, 1);

    // Act: the deadline passes; the sweeper takes the deadline outcome and the workflow follows it
    t.clock.advanceHours(73);
    await t.runtime.sweep();
    await until(t, projectId, (s) => s.status === 'on-hold', 'on hold at the deadline');
    const links = await Promise.all([fetch(sponsorLink), fetch(operationsLink)]);
    const pending = await call('GET', `/pending?approver=${people.operations.email}&limit=1`);

    // Assess: both requests closed and out of the index; both links gone (they lived until the deadline)
    expect(await t.repository.getGate(projectId, 1)).toMatchObject({
      status: 'expired',
      decidedBy: 'deadline',
      appliedAt: expect.any(String),
    });
    expect((await t.repository.listRequests(projectId, 1)).map((r) => r.status)).toEqual([
      'closed',
      'closed',
    ]);
    expect(await indexed(people.operations.email, projectId)).toEqual([]);
    expect(await indexed(people.sponsor.email, projectId)).toEqual([]);
    expect(pending).toEqual({ status: 200, json: { items: [] } });
    for (const link of links) {
      expect(link.status).toBe(410);
      expect(await link.text()).toContain('this approval link has expired');
    }
  });
});
