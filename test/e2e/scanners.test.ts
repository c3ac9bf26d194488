/**
 * Mail scanners (Safe Links and its kind) fetch every link of every mail before a person does.
 * A real flow on the local runtime — requests, a receipt, two approvers, a delegation, reminders
 * and an escalation — then every link of every mail is fetched the ways scanners do. Nothing
 * may be decided and no item of either table may change: both tables are compared whole.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLES } from '../../infra/local/runtime.ts';
import { readSesStore, type SentEmail } from '../../infra/local/ses-local.ts';
import { extraApprover, linkFor, propose, submitStage, until } from '../support/flows.ts';
import { form, people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => t?.stop());

type Row = { table: string; key: string; item: string };

/** Every item of both tables, by key (a Scan: in this test only, never in the application). */
async function wholeTables(): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  for (const table of [LOCAL_TABLES.main, LOCAL_TABLES.trail]) {
    let start: Record<string, never> | undefined;
    do {
      const out = await t.dynamo.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const raw of out.Items ?? []) {
        const item = unmarshall(raw);
        const key = `${table} ${String(item.pk)} ${String(item.sk)}`;
        rows.set(key, { table, key, item: JSON.stringify(item, Object.keys(item).sort()) });
      }
      start = out.LastEvaluatedKey as typeof start;
    } while (start);
  }
  return rows;
}

/** What differs between two readings: every item added, removed or changed, by key. */
function changes(before: Map<string, Row>, after: Map<string, Row>): string[] {
  const out: string[] = [];
  for (const [key, row] of after) {
    const was = before.get(key);
    if (!was) out.push(`added ${key}: ${row.item}`);
    else if (was.item !== row.item) out.push(`changed ${key}: ${was.item} → ${row.item}`);
  }
  for (const key of before.keys()) if (!after.has(key)) out.push(`removed ${key}`);
  return out;
}

/** The tables once the workflow's asynchronous steps have finished (no change for half a second). */
async function settled(): Promise<Map<string, Row>> {
  let previous = await wholeTables();
  for (let quiet = 0, i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const current = await wholeTables();
    quiet = changes(previous, current).length === 0 ? quiet + 1 : 0;
    if (quiet >= 5) return current;
    previous = current;
  }
  throw new Error('the tables never settled');
}

/** Every link in a mail: the HTML's hrefs and every URL of the plain text. */
function linksIn(mail: SentEmail): string[] {
  const hrefs = [...(mail.body.html ?? '').matchAll(/href="([^"]+)"/g)].map((m) =>
    (m[1] as string).replace(/&amp;/g, '&'),
  );
  const urls = [...(mail.body.text ?? '').matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]);
  return [...hrefs, ...urls];
}

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** The ways scanners fetch a link; each answers what it saw. */
const SCANNERS: Record<string, (url: string) => Promise<{ status: number; body: string }[]>> = {
  'Safe Links GET': async (url) => [
    await seen(fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER } })),
  ],
  HEAD: async (url) => [
    await seen(fetch(url, { method: 'HEAD', redirect: 'manual', headers: { 'user-agent': BROWSER } })),
  ],
  'a bot that follows redirects, and the links of what it finds': async (url) => {
    const headers = { 'user-agent': 'Mozilla/5.0 (compatible; LinkCheckBot/2.1; +https://bot.example.com)' };
    const first = await seen(fetch(url, { redirect: 'follow', headers }));
    const origin = new URL(url).origin;
    const found = [...first.body.matchAll(/(?:href|src|action)="([^"]*)"/g)]
      .map((m) => new URL((m[1] as string).replace(/&amp;/g, '&') || url, url))
      .filter((u) => u.origin === origin)
      .map((u) => u.href);
    return [first, ...(await Promise.all(found.map((u) => seen(fetch(u, { redirect: 'follow', headers })))))];
  },
  'a preview fetch': async (url) => [
    await seen(
      fetch(url, {
        headers: {
          'user-agent': 'Mozilla/5.0 (compatible; Microsoft Office/16.0; Microsoft Outlook Link Preview)',
          purpose: 'prefetch',
          'sec-purpose': 'prefetch',
          'x-purpose': 'preview',
          'x-moz': 'prefetch',
          accept: 'text/html',
        },
      }),
    ),
  ],
};

async function seen(response: Promise<Response>): Promise<{ status: number; body: string }> {
  const r = await response;
  return { status: r.status, body: await r.text() };
}

describe('mail scanners change nothing', () => {
  it('fetches every link of every mail of a real flow as scanners do: nothing decided, no item of either table changed', async () => {
    // Prepare: gate 1 decided (a request, a receipt); gate 2 asks two approvers; one delegates;
    // reminders and an escalation follow.
    const title = 'Scanned project';
    const projectId = await propose(t, title);
    const gate1 = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    const { response: decided } = await t.decide(gate1, { outcome: 'go' });
    expect(decided.status).toBe(200);
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await t.mailTo(people.sponsor.email, 1, `Receipt: your decision (Go) on ${title}`);
    expect((await submitStage(t, projectId)).status).toBe(202);
    const financeLink = await linkFor(t, people.finance.email, title, 'Gate 2 of 3');
    await linkFor(t, people.sponsor.email, title, 'Gate 2 of 3');
    const handed = await fetch(financeLink, {
      method: 'POST',
      ...form({ intent: 'delegate', delegateTo: extraApprover.email, delegateReason: 'On leave this week.' }),
    });
    expect(handed.status).toBe(200);
    await linkFor(t, extraApprover.email, title, 'Gate 2 of 3');
    await settled(); // the mail is recorded as sent a moment after it is in the inbox
    t.clock.advanceHours(49);
    expect(await t.runtime.sweep()).toMatchObject({ reminders: 2 });
    t.clock.advanceHours(48);
    expect(await t.runtime.sweep()).toMatchObject({ escalations: 1 });
    await t.mailTo(people.pmoAdmin.email, 1, `Escalation: ${title}`);
    const mails = (await readSesStore(t.runtime.inboxUrl)).filter((m) => m.subject.includes(title));
    const links = [...new Set(mails.flatMap(linksIn))].filter((l) => l.startsWith(t.runtime.appUrl));
    const before = await settled();

    // Act: every scanner on every link, all at once, twice over
    const seenBy: Record<string, { status: number; body: string }[][]> = {};
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        Object.entries(SCANNERS).flatMap(([name, scan]) =>
          links.map(async (link, i) => {
            seenBy[name] ??= [];
            seenBy[name][i] = await scan(link);
          }),
        ),
      );
    }
    const after = await settled();

    // Assess: every kind of mail was there and scanned, and nothing changed
    const kinds = mails.map((m) => m.subject.split(':')[0]);
    expect(new Set(kinds)).toEqual(new Set(['Decision needed', 'Receipt', 'Reminder', 'Escalation']));
    expect(links.length).toBeGreaterThanOrEqual(8);
    expect(changes(before, after)).toEqual([]);
    expect(await t.repository.listVotes(projectId, 2)).toEqual([]);
    expect((await t.repository.getGate(projectId, 2))?.status).toBe('open');
    const gets = (seenBy['Safe Links GET'] ?? []).map((s) => s[0]?.status);
    expect(new Set(gets)).toEqual(new Set([200, 410]));
    // A link checker's HEAD gets the GET's answer, without a body.
    expect((seenBy.HEAD ?? []).map((s) => s[0]?.status)).toEqual(gets);
    expect((seenBy.HEAD ?? []).every((s) => s[0]?.body === '')).toBe(true);
    for (const [name, seen] of Object.entries(seenBy))
      for (const answers of seen) for (const a of answers) expect(a.status, name).toBeLessThan(500);
    // The links that were live still are: scanning spent none of them.
    const live = [
      await linkFor(t, people.sponsor.email, title, 'Gate 2 of 3', 3),
      await linkFor(t, extraApprover.email, title, 'Gate 2 of 3', 3),
    ];
    for (const link of live) expect((await fetch(link)).status).toBe(200);
  });
});
