import { ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/keys.ts';
import { hashLinkSecret } from '../../functions/domain/links.ts';
import { CHAINS, verifyChain } from '../../functions/domain/trail.ts';
import { localMachineArn } from '../../infra/local/asl.ts';
import { LOCAL_TABLES } from '../../infra/local/runtime.ts';
import { trailActions, until } from '../support/flows.ts';
import {
  criteriaMet,
  form,
  people,
  proposal,
  shownPackageHash,
  startTestRuntime,
  stepFunctionsClient,
  type TestRuntime,
} from '../support/runtime.ts';

let t: TestRuntime;
let sfn: SFNClient;

beforeAll(async () => {
  t = await startTestRuntime();
  sfn = stepFunctionsClient(t);
});
afterAll(async () => {
  sfn?.destroy();
  await t?.stop();
});

/** Every item of both tables (but those `except` leaves out), sorted: to show a request changed nothing at all. */
async function wholeTable(except: (item: Record<string, unknown>) => boolean = () => false): Promise<string> {
  const items: Record<string, unknown>[] = [];
  for (const table of [LOCAL_TABLES.main, LOCAL_TABLES.trail]) {
    let start: Record<string, never> | undefined;
    do {
      const out = await t.dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) items.push({ table, ...unmarshall(item) });
      start = out.LastEvaluatedKey as typeof start;
    } while (start);
  }
  return JSON.stringify(
    items
      .filter((i) => !except(i))
      .map((i) => JSON.stringify(i))
      .sort(),
  );
}

/** The table once the workflow's asynchronous steps (mail marked sent, agenda) have finished. */
async function settledTable(): Promise<string> {
  let previous = await wholeTable();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const current = await wholeTable();
    if (current === previous) return current;
    previous = current;
  }
  throw new Error('the table never settled');
}

/** A decision form with the page's hash, every criterion met for an approval. */
const decisionForm = (page: string, fields: Record<string, string>) =>
  form({
    ...criteriaMet(page, fields.outcome === 'go' || fields.outcome === 'conditional-go'),
    packageHash: shownPackageHash(page),
    ...fields,
  });

async function executionCount(): Promise<number> {
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: localMachineArn('intake') }));
  return out.executions?.length ?? 0;
}

const submitAndOpenGate1 = (title: string) => t.submit(title);

async function openPage(link: string) {
  const response = await fetch(link);
  return { response, html: await response.text() };
}

describe('the thin path: proposal → e-mail → link → decision → next stage', () => {
  it('takes a proposal through gate 1 with Go into the next stage; opening the link changes nothing', async () => {
    // Prepare
    const { projectId, link, mail } = await submitAndOpenGate1('Thin path project');
    expect(mail.body.text).toContain(link);
    expect(mail.body.html).toContain('Open the decision page');
    expect(mail.subject).toContain('Gate 1 of 3');
    expect(mail.subject).toMatch(/, by \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

    // Act: open the page twice (as a mail scanner and then the sponsor would), then decide Go
    const before = await settledTable();
    const scan = await openPage(link);
    const { response: pageResponse, html } = await openPage(link);
    const afterViewing = await wholeTable();
    const decided = await fetch(link, { method: 'POST', ...decisionForm(html, { outcome: 'go' }) });

    // Assess: GET showed the package and changed nothing; POST recorded and moved on
    expect(scan.response.status).toBe(200);
    expect(pageResponse.status).toBe(200);
    expect(html).toContain('Thin path project');
    expect(html).toContain('Gate 1 of 3');
    expect(html).toContain('Idea screen');
    expect(afterViewing).toBe(before);
    expect(decided.status).toBe(200);
    expect(await decided.text()).toContain('Decision recorded');
    const status = await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    expect(status.stage).toMatchObject({ gateId: 'business-case' });
    const trail = await t.repository.listTrail(CHAINS.project(projectId));
    expect(trail.map((e) => e.action)).toEqual([
      'proposal.submitted',
      'gate.opened',
      'mail.sent',
      'decision.recorded',
      'gate.decided',
      'mail.sent',
      'gate.followed',
      'stage.entered',
    ]);
    expect(verifyChain(trail, await t.repository.getTrailHead(CHAINS.project(projectId)))).toMatchObject({
      ok: true,
      count: 8,
    });
    const decision = trail[3];
    expect(decision?.actor).toEqual({ type: 'person', id: people.sponsor.email, name: 'Sam Sponsor' });
    expect(decision?.packageHash).toBe(shownPackageHash(html));
    expect(decision?.source?.ip).toBe('127.0.0.1');
    expect(trail[5]?.detail).toMatchObject({ to: people.sponsor.email, kind: 'receipt' });
    const [receipt] = await t.mailTo(
      people.sponsor.email,
      1,
      'Receipt: your decision (Go) on Thin path project',
    );
    const signature = decision?.detail.signature as { name: string; at: string; meaning: string };
    expect(receipt?.body.text).toContain(`Signed by: Sam Sponsor <${people.sponsor.email}>`);
    expect(receipt?.body.text).toContain(`Signed at: ${signature.at.slice(0, 19).replace('T', ' ')} UTC`);
    expect(receipt?.body.text).toContain(`Meaning: ${signature.meaning}`);
    expect(receipt?.body.text).toContain(`Version signed: ${shownPackageHash(html)}`);
    expect(receipt?.body.html).toContain('Gate 1 of 3: Idea screen');
  });
});

describe('bad input gets a clear 4xx and writes nothing', () => {
  it('answers a malformed proposal with 400 naming each field, writing nothing and starting nothing', async () => {
    // Prepare
    const intakeChain = (item: Record<string, unknown>) => item.pk === `CHAIN#${CHAINS.intake}`;
    const [before, refusals, executions] = [
      await settledTable().then(() => wholeTable(intakeChain)),
      (await t.repository.listTrail(CHAINS.intake)).length,
      await executionCount(),
    ];

    // Act
    const response = await t.api('POST', '/proposals', {
      as: people.requester,
      body: { title: 'x', sponsorEmail: 'not-an-email', colour: 'red' },
    });

    // Assess
    expect(response.status).toBe(400);
    const body = (await response.json()) as { problems: { path: string; message: string }[] };
    expect(body.problems.map((p) => p.path).sort()).toEqual(['(root)', 'sponsorEmail', 'summary', 'title']);
    expect(await wholeTable(intakeChain)).toBe(before);
    const trail = await t.repository.listTrail(CHAINS.intake);
    expect(trail).toHaveLength(refusals + 1);
    expect(trail.at(-1)).toMatchObject({
      action: 'request.refused',
      detail: { status: 400, route: 'POST /proposals' },
    });
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
    await fetch(used.link, {
      method: 'POST',
      ...decisionForm((await openPage(used.link)).html, { outcome: 'go' }),
    });
    const expired = await submitAndOpenGate1('Expired link project');
    const secret = new URL(expired.link).pathname.split('/').pop() ?? '';
    await t.dynamo.send(
      new UpdateItemCommand({
        TableName: LOCAL_TABLES.main,
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
      ...decisionForm(html, { outcome: 'go', packageHash: 'f'.repeat(64) }),
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
    const response = await fetch(link, {
      method: 'POST',
      ...form({ outcome: 'hold', packageHash: hash, 'mustMeet-strategic-fit': 'yes' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('a comment is required for Hold');
    expect(await t.repository.listVotes(projectId, 1)).toEqual([]);
    expect((await fetch(link)).status).toBe(200);
  });

  it('records exactly one decision under concurrent posts; only the winner resumes the workflow', async () => {
    // Prepare
    const { projectId, link } = await submitAndOpenGate1('Concurrent project');
    const page = (await openPage(link)).html;

    // Act
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(link, { method: 'POST', ...decisionForm(page, { outcome: 'go' }) }),
      ),
    );

    // Assess
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 410, 410, 410, 410, 410, 410, 410]);
    expect(await t.repository.listVotes(projectId, 1)).toHaveLength(1);
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await new Promise((r) => setTimeout(r, 300)); // room for a second resume to show, were there one
    const actions = await trailActions(t, projectId);
    expect(actions.filter((a) => a === 'decision.recorded')).toHaveLength(1);
    expect(actions.filter((a) => a === 'gate.followed')).toHaveLength(1);
    expect(actions.filter((a) => a === 'stage.entered')).toHaveLength(1);
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
