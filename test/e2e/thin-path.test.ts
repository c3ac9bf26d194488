import { ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/keys.ts';
import { hashLinkSecret } from '../../functions/domain/links.ts';
import { verifyChain } from '../../functions/domain/trail.ts';
import { expireGate } from '../../functions/usecases/gates.ts';
import { localMachineArn } from '../../infra/local/asl.ts';
import { LOCAL_TABLE } from '../../infra/local/runtime.ts';
import type { SentEmail } from '../../infra/local/ses-local.ts';
import {
  decisionLink,
  form,
  people,
  proposal,
  shownPackageHash,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

let t: TestRuntime;
let sfn: SFNClient;

beforeAll(async () => {
  t = await startTestRuntime();
  sfn = new SFNClient({
    endpoint: t.runtime.stepFunctionsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  sfn?.destroy();
  await t?.stop();
});

async function itemCount(): Promise<number> {
  const out = await t.dynamo.send(new ScanCommand({ TableName: LOCAL_TABLE, Select: 'COUNT' }));
  return out.Count ?? 0;
}

async function executionCount(): Promise<number> {
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: localMachineArn('intake') }));
  return out.executions?.length ?? 0;
}

const submitAndOpenGate1 = (title: string) => t.submit(title);

async function openPage(link: string) {
  const response = await fetch(link);
  return { response, html: await response.text() };
}

describe('the thin path: proposal → e-mail → link → decision → next gate', () => {
  it('takes a proposal through gate 1 with Go and opens gate 2 with a new e-mail', async () => {
    // Prepare
    const { projectId, link, mail } = await submitAndOpenGate1('Thin path project');
    expect(mail.body.text).toContain(link);
    expect(mail.body.html).toContain('Open the decision page');
    expect(mail.subject).toContain('Gate 1 of 3');

    // Act: open the page twice (as a mail scanner and then the sponsor would), then decide Go
    const trailBefore = await t.repository.listTrail(projectId);
    const itemsBefore = await itemCount();
    const scan = await openPage(link);
    const { response: pageResponse, html } = await openPage(link);
    const itemsAfterViewing = await itemCount();
    const linkAfterViewing = await t.repository.getLink(
      hashLinkSecret(new URL(link).pathname.split('/').pop() ?? ''),
    );
    const decided = await fetch(link, {
      method: 'POST',
      ...form({ outcome: 'go', packageHash: shownPackageHash(html) }),
    });

    // Assess: GET showed the package and changed nothing; POST recorded and moved on
    expect(scan.response.status).toBe(200);
    expect(pageResponse.status).toBe(200);
    expect(html).toContain('Thin path project');
    expect(html).toContain('Gate 1 of 3');
    expect(html).toContain('Idea screen');
    expect(trailBefore.map((e) => e.action)).toEqual(['proposal.submitted', 'gate.opened']);
    expect(itemsAfterViewing).toBe(itemsBefore);
    expect(linkAfterViewing?.usedAt).toBeUndefined();
    expect(decided.status).toBe(200);
    expect(await decided.text()).toContain('Decision recorded');
    const [gate2] = await t.mailTo(people.sponsor.email, 1, 'Thin path project — Gate 2 of 3');
    expect(gate2?.subject).toContain('Gate 2 of 3: Go to development');
    expect(decisionLink(gate2 as SentEmail)).not.toBe(link);
    const status = await (await t.api('GET', `/projects/${projectId}`, { as: people.requester })).json();
    expect(status).toMatchObject({
      status: 'in-review',
      currentGate: { gateId: 'business-case', sequence: 2, status: 'open' },
    });
    const trail = await t.repository.listTrail(projectId);
    expect(trail.map((e) => e.action)).toEqual([
      'proposal.submitted',
      'gate.opened',
      'decision.recorded',
      'gate.opened',
    ]);
    expect(verifyChain(trail, await t.repository.getTrailHead(projectId))).toMatchObject({
      ok: true,
      count: 4,
    });
    const decision = trail[2];
    expect(decision?.actor).toEqual({ type: 'person', id: people.sponsor.email });
    expect(decision?.packageHash).toBe(shownPackageHash(html));
    expect(decision?.source?.ip).toBe('127.0.0.1');
  });

  it('closes the project out after a Kill, and tells requester and sponsor', async () => {
    // Prepare
    const { projectId, link } = await submitAndOpenGate1('Doomed project');
    const { html } = await openPage(link);

    // Act
    const response = await fetch(link, {
      method: 'POST',
      ...form({ outcome: 'kill', comment: 'No strategic fit.', packageHash: shownPackageHash(html) }),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await t.mailTo(people.requester.email, 1, 'Closed out: Doomed project')).toHaveLength(1);
    expect(await t.mailTo(people.sponsor.email, 1, 'Closed out: Doomed project')).toHaveLength(1);
    const status = await (await t.api('GET', `/projects/${projectId}`, { as: people.requester })).json();
    expect(status).toMatchObject({ status: 'closed', closeReason: 'killed' });
    const actions = (await t.repository.listTrail(projectId)).map((e) => e.action);
    expect(actions).toEqual(['proposal.submitted', 'gate.opened', 'decision.recorded', 'project.closed']);
  });
});

describe('the other outcomes', () => {
  async function decideGate1(title: string, fields: Record<string, string>) {
    const opened = await submitAndOpenGate1(title);
    const { html } = await openPage(opened.link);
    const response = await fetch(opened.link, {
      method: 'POST',
      ...form({ ...fields, packageHash: shownPackageHash(html) }),
    });
    expect(response.status).toBe(200);
    return opened;
  }

  it('Conditional Go passes the gate and records the conditions with their due dates', async () => {
    // Act
    const { projectId } = await decideGate1('Conditional project', {
      outcome: 'conditional-go',
      comment: 'Only with a security review.',
      'condition-0': 'Security review signed off',
      'condition-0-due': '2099-01-31',
    });

    // Assess
    await t.mailTo(people.sponsor.email, 1, 'Conditional project — Gate 2 of 3');
    const [vote] = await t.repository.listVotes(projectId, 1);
    expect(vote?.decision.conditions).toEqual([{ text: 'Security review signed off', due: '2099-01-31' }]);
    expect((await t.repository.getGate(projectId, 1))?.outcome).toBe('conditional-go');
  });

  it('Recycle reopens the chosen gate as a new instance, with a new e-mail', async () => {
    // Prepare: through gate 1, then recycle gate 2 back to gate 1
    const { projectId } = await decideGate1('Recycled project', { outcome: 'go' });
    const [gate2] = await t.mailTo(people.sponsor.email, 1, 'Recycled project — Gate 2 of 3');
    const link = decisionLink(gate2 as SentEmail);
    const { html } = await openPage(link);

    // Act
    const response = await fetch(link, {
      method: 'POST',
      ...form({
        outcome: 'recycle',
        comment: 'Rework the scope.',
        recycleTo: 'scoping',
        packageHash: shownPackageHash(html),
      }),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await t.mailTo(people.sponsor.email, 2, 'Recycled project — Gate 1 of 3')).toHaveLength(2);
    const status = await (await t.api('GET', `/projects/${projectId}`, { as: people.requester })).json();
    expect(status).toMatchObject({
      status: 'in-review',
      currentGate: { gateId: 'scoping', sequence: 3, status: 'open' },
    });
  });

  it('Hold parks the project on hold, its workflow waiting for a resume', async () => {
    // Act
    const { projectId } = await decideGate1('Held project', { outcome: 'hold', comment: 'Budget freeze.' });

    // Assess
    const deadline = Date.now() + 10_000;
    let status: { status?: string } = {};
    while (status.status !== 'on-hold' && Date.now() < deadline) {
      status = (await (await t.api('GET', `/projects/${projectId}`, { as: people.requester })).json()) as {
        status?: string;
      };
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status.status).toBe('on-hold');
    const actions = (await t.repository.listTrail(projectId)).map((e) => e.action);
    expect(actions).toEqual(['proposal.submitted', 'gate.opened', 'decision.recorded', 'project.on-hold']);
    expect(await t.mailTo(people.sponsor.email, 0, 'Held project — Gate 2 of 3')).toHaveLength(0);
  });
});

describe('deadlines', () => {
  it("an expired gate takes the definition's deadline outcome, and a decided one keeps its decision", async () => {
    // Prepare: one gate left open, one decided
    const ports = { repository: t.repository, clock: { now: () => new Date() } };
    const open = await t.submit('Expiring project');
    const decided = await t.submit('Decided before expiry project');
    await t.decide(decided.link, { outcome: 'kill', comment: 'Stop.' });

    // Act: what the wait's timeout Catch runs
    const expired = await expireGate(ports, {
      projectId: open.projectId,
      gate: { gateId: 'scoping', sequence: 1 },
    });
    const kept = await expireGate(ports, {
      projectId: decided.projectId,
      gate: { gateId: 'scoping', sequence: 1 },
    });

    // Assess
    expect(expired).toMatchObject({
      outcome: 'hold',
      next: { route: 'hold', gateId: 'scoping', sequence: 2 },
    });
    expect(await t.repository.getGate(open.projectId, 1)).toMatchObject({
      status: 'expired',
      outcome: 'hold',
    });
    expect((await fetch(open.link)).status).toBe(410);
    expect(kept).toMatchObject({ outcome: 'kill', next: { route: 'close-out', reason: 'killed' } });
    const actions = (await t.repository.listTrail(open.projectId)).map((e) => e.action);
    expect(actions).toEqual(['proposal.submitted', 'gate.opened', 'gate.expired']);
  });
});

describe('bad input gets a clear 4xx and writes nothing', () => {
  it('answers a malformed proposal with 400 naming each field, writing nothing and starting nothing', async () => {
    // Prepare
    const [items, executions] = [await itemCount(), await executionCount()];

    // Act
    const response = await t.api('POST', '/proposals', {
      as: people.requester,
      body: { title: 'x', sponsorEmail: 'not-an-email', estimatedCost: -5, colour: 'red' },
    });

    // Assess
    expect(response.status).toBe(400);
    const body = (await response.json()) as { problems: { path: string; message: string }[] };
    expect(body.problems.map((p) => p.path).sort()).toEqual([
      '(root)',
      'estimatedCost',
      'sponsorEmail',
      'summary',
      'title',
    ]);
    expect(await itemCount()).toBe(items);
    expect(await executionCount()).toBe(executions);
  });

  it('refuses a proposal whose sponsor is the requester (separation of duties)', async () => {
    const response = await t.api('POST', '/proposals', {
      as: people.requester,
      body: proposal({ sponsorEmail: people.requester.email }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ problems: [{ path: 'sponsorEmail' }] });
  });

  it('answers JSON that does not parse, and a wrong content type, with 400', async () => {
    const broken = await t.api('POST', '/proposals', {
      as: people.requester,
      body: '{"title":',
      headers: { 'content-type': 'application/json' },
    });
    const wrongType = await t.api('POST', '/proposals', {
      as: people.requester,
      body: 'title=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(broken.status).toBe(400);
    expect(wrongType.status).toBe(400);
  });

  it('needs a signed-in requester: 401 without a token, 403 without the role', async () => {
    const anonymous = await t.api('POST', '/proposals', { body: proposal() });
    const compliance = await t.api('POST', '/proposals', { as: people.compliance, body: proposal() });
    expect(anonymous.status).toBe(401);
    expect(compliance.status).toBe(403);
  });

  it('hides a project from someone who is not on it (no IDOR): the same 404 as a missing one', async () => {
    // Prepare
    const { projectId } = await submitAndOpenGate1('Private project');
    const outsider = { email: 'outsider@example.com', name: 'Out Sider', groups: ['requester'] };

    // Act
    const other = await t.api('GET', `/projects/${projectId}`, { as: outsider });
    const missing = await t.api('GET', `/projects/${crypto.randomUUID()}`, { as: outsider });

    // Assess
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await other.json()).toEqual({ message: `project ${projectId} was not found` });
  });
});

describe('approval links', () => {
  it('answers an unknown link with 404 and junk with 404, as pages without internals', async () => {
    const unknown = await fetch(`${t.runtime.appUrl}/a/${'A'.repeat(43)}`);
    const junk = await fetch(`${t.runtime.appUrl}/a/%3Cscript%3E`);
    expect(unknown.status).toBe(404);
    expect(junk.status).toBe(404);
    const page = await unknown.text();
    expect(page).toContain('Link not recognised');
    expect(page).not.toMatch(/at .*\.ts|Error:|stack/i);
  });

  it('answers a used link with 410 and an expired link with 410', async () => {
    // Prepare
    const used = await submitAndOpenGate1('Used link project');
    const usedHash = shownPackageHash((await openPage(used.link)).html);
    await fetch(used.link, { method: 'POST', ...form({ outcome: 'go', packageHash: usedHash }) });
    const expired = await submitAndOpenGate1('Expired link project');
    const secret = new URL(expired.link).pathname.split('/').pop() ?? '';
    await t.dynamo.send(
      new UpdateItemCommand({
        TableName: LOCAL_TABLE,
        Key: marshall(keys.link(hashLinkSecret(secret))),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: marshall({ ':past': '2020-01-01T00:00:00.000Z' }),
      }),
    );

    // Act
    const [usedGet, usedPost, expiredGet, expiredPost] = await Promise.all([
      fetch(used.link),
      fetch(used.link, { method: 'POST', ...form({ outcome: 'go', packageHash: usedHash }) }),
      fetch(expired.link),
      fetch(expired.link, { method: 'POST', ...form({ outcome: 'go', packageHash: usedHash }) }),
    ]);

    // Assess
    expect([usedGet.status, usedPost.status, expiredGet.status, expiredPost.status]).toEqual([
      410, 410, 410, 410,
    ]);
    expect(await usedGet.text()).toContain('already been used');
    expect(await expiredGet.text()).toContain('expired');
    expect((await t.repository.listVotes(expired.projectId, 1)).length).toBe(0);
  });

  it('sends approval pages with no-store, no-referrer, a strict CSP and no framing', async () => {
    const { link } = await submitAndOpenGate1('Headers project');
    for (const response of [await fetch(link), await fetch(`${t.runtime.appUrl}/a/${'B'.repeat(43)}`)]) {
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy') ?? '').toContain("default-src 'none'");
      expect(response.headers.get('content-security-policy') ?? '').toContain("frame-ancestors 'none'");
    }
  });

  it('refuses a decision on a changed package with 409, records nothing, and the link still works', async () => {
    // Prepare
    const { projectId, link } = await submitAndOpenGate1('Changed package project');
    const { html } = await openPage(link);

    // Act
    const stale = await fetch(link, {
      method: 'POST',
      ...form({ outcome: 'go', packageHash: 'f'.repeat(64) }),
    });

    // Assess
    expect(stale.status).toBe(409);
    const page = await stale.text();
    expect(page).toContain('has changed');
    expect(shownPackageHash(page)).toBe(shownPackageHash(html));
    expect(await t.repository.listVotes(projectId, 1)).toEqual([]);
    expect((await fetch(link)).status).toBe(200);
  });

  it('shows the problems of an incomplete decision on the page (400) and keeps the link usable', async () => {
    const { projectId, link } = await submitAndOpenGate1('Incomplete decision project');
    const hash = shownPackageHash((await openPage(link)).html);
    const response = await fetch(link, { method: 'POST', ...form({ outcome: 'hold', packageHash: hash }) });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('a comment is required for hold');
    expect(await t.repository.listVotes(projectId, 1)).toEqual([]);
    expect((await fetch(link)).status).toBe(200);
  });

  it('records exactly one decision under concurrent posts; only the winner resumes the workflow', async () => {
    // Prepare
    const { projectId, link } = await submitAndOpenGate1('Concurrent project');
    const hash = shownPackageHash((await openPage(link)).html);

    // Act
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(link, { method: 'POST', ...form({ outcome: 'go', packageHash: hash }) }),
      ),
    );

    // Assess
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 410, 410, 410, 410, 410, 410, 410]);
    expect(await t.repository.listVotes(projectId, 1)).toHaveLength(1);
    await t.mailTo(people.sponsor.email, 1, 'Concurrent project — Gate 2 of 3');
    await new Promise((r) => setTimeout(r, 300)); // room for a second resume to show, were there one
    expect(await t.mailTo(people.sponsor.email, 0, 'Concurrent project — Gate 2 of 3')).toHaveLength(1);
    expect((await t.repository.getGate(projectId, 2))?.gateId).toBe('business-case');
    const actions = (await t.repository.listTrail(projectId)).map((e) => e.action);
    expect(actions.filter((a) => a === 'decision.recorded')).toHaveLength(1);
  });

  it('keeps the task token server-side: not in any e-mail, link or page', async () => {
    // Prepare
    const { projectId, link, mail } = await submitAndOpenGate1('Token project');
    const token = await t.repository.readTaskToken(projectId, 1);

    // Act
    const { html } = await openPage(link);

    // Assess
    expect(token && token.length > 20).toBe(true);
    for (const text of [link, mail.body.text ?? '', mail.body.html ?? '', mail.subject, html]) {
      expect(text.includes(token as string)).toBe(false);
    }
    const outbox = JSON.stringify(await t.runtime.outbox());
    expect(outbox.includes(token as string)).toBe(false);
  });
});
