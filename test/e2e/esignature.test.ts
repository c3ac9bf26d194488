/**
 * E-signature gates on the local runtime (21 CFR Part 11 §11.50, §11.200): never signed by the
 * link alone; password + authenticator code first, the password alone later in a session; each
 * code once; refused attempts recorded and limited per link and client address without locking
 * the approver out; the manifestation on the receipt and the trail. Also what every link gets:
 * the package hash recomputed on view and decision, HEAD, and the unknown-link limit.
 */
import { request as httpRequest } from 'node:http';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Table } from '../../functions/adapters/dynamodb/table.ts';
import { keys } from '../../functions/adapters/keys.ts';
import { GUESSING_LIMITS } from '../../functions/domain/guessing.ts';
import { CHAINS } from '../../functions/domain/trail.ts';
import { LOCAL_TABLES } from '../../infra/local/runtime.ts';
import { enrolLocalSigner } from '../../infra/local/signers.ts';
import { linkFor, process, propose, publish, submitStage, trail, until } from '../support/flows.ts';
import {
  criteriaMet,
  people,
  shownPackageHash,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

const SIGNED = process('signed', (d) => {
  for (const gate of d.gates) gate.esignature = true;
});
const PASSWORD = { sponsor: 'sponsor-signs-carefully', finance: 'finance-signs-carefully' };

let t: TestRuntime;
const logged: string[] = [];
const totp: Record<string, TOTP> = {};

beforeAll(async () => {
  // Handlers log JSON lines on stdout: keep the errors, to see the integrity failure logged.
  vi.spyOn(globalThis.process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logged.push(String(chunk));
    return true;
  });
  t = await startTestRuntime(undefined, { logLevel: 'ERROR' });
  await publish(t, SIGNED);
  const table = new Table(t.dynamo, LOCAL_TABLES.main, LOCAL_TABLES.trail);
  for (const who of ['sponsor', 'finance'] as const) {
    const email = people[who].email;
    const enrolled = await enrolLocalSigner(table, { email, password: PASSWORD[who] });
    totp[email] = new TOTP({ secret: Secret.fromBase32(enrolled.secret), digits: 6, period: 30 });
  }
}, 90_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await t?.stop();
});

/** The code the approver's authenticator shows now (on the runtime's clock), `stepsAhead` later. */
function code(email: string, stepsAhead = 0): string {
  return (totp[email] as TOTP).generate({ timestamp: t.clock.now().getTime() + stepsAhead * 30_000 });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request from a given loopback address (127.0.0.0/8), as a different client would send it. */
function from(
  address: string,
  url: string,
  options: { method?: string; form?: Record<string, string>; cookie?: string } = {},
): Promise<Answer> {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: options.method ?? (body ? 'POST' : 'GET'),
        localAddress: address,
        agent: false,
        headers: {
          ...(body
            ? {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(body),
              }
            : {}),
          ...(options.cookie ? { cookie: options.cookie } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The decision form an approver who finds everything met fills in (without the signature). */
async function goFields(link: string): Promise<Record<string, string>> {
  const page = await (await fetch(link)).text();
  return { outcome: 'go', packageHash: shownPackageHash(page), ...criteriaMet(page) };
}

async function votes(projectId: string, sequence: number) {
  return t.repository.listVotes(projectId, sequence);
}

describe('a gate that asks for an e-signature', () => {
  let projectId: string;
  let link: string;
  let sessionCookie = '';
  const title = 'Clinical data platform';

  beforeAll(async () => {
    projectId = await propose(t, title, { processId: SIGNED.id });
    link = await linkFor(t, people.sponsor.email, title, 'Gate 1');
  });

  it('asks for the password and the authenticator code on its page', async () => {
    // Act
    const page = await (await fetch(link)).text();
    // Assess
    expect(page).toContain('Your electronic signature');
    expect(page).toMatch(/name="password" type="password" autocomplete="current-password"/);
    expect(page).toMatch(/name="code" inputmode="numeric" autocomplete="one-time-code"/);
  });

  it('is not signed by the link alone: the missing components are named, nothing is decided', async () => {
    // Act
    const answer = await from('127.0.0.1', link, { form: await goFields(link) });
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('esignature.password');
    expect(answer.body).toContain('esignature.code');
    expect(await votes(projectId, 1)).toEqual([]);
  });

  it('refuses a forwarded mail: a wrong password is recorded on the project trail, nothing decided', async () => {
    // Act
    const answer = await from('127.0.0.1', link, {
      form: { ...(await goFields(link)), password: 'not-the-password', code: code(people.sponsor.email) },
    });
    // Assess
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('the password or the code was not accepted');
    expect(await votes(projectId, 1)).toEqual([]);
    const refused = (await trail(t, projectId)).filter((e) => e.action === 'request.refused');
    expect(refused.at(-1)?.detail).toMatchObject({ status: 401, route: 'POST /a/{secret}' });
  });

  it('locks out a client that keeps guessing on the link, records it, and never the approver', async () => {
    // Prepare: the limit's worth of wrong passwords from one address (one is already counted above from another)
    const limit = GUESSING_LIMITS.signature.failures;
    const fields = await goFields(link);
    const answers: number[] = [];
    for (let i = 0; i < limit; i++)
      answers.push(
        (
          await from('127.0.0.2', link, {
            form: { ...fields, password: `guess-${i}-xxxxxx`, code: '123456' },
          })
        ).status,
      );
    // Act
    const locked = await from('127.0.0.2', link, {
      form: { ...fields, password: PASSWORD.sponsor, code: code(people.sponsor.email) },
    });
    // Assess
    expect(answers).toEqual(Array(limit).fill(401));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const lockouts = (await trail(t, projectId)).filter((e) => e.action === 'access.locked-out');
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]?.source?.ip).toBe('127.0.0.2');
    expect(await votes(projectId, 1)).toEqual([]);
    // The approver, from their own address, still opens the page
    expect((await from('127.0.0.1', link)).status).toBe(200);
  });

  it('signs with both components: the receipt and the trail show the manifestation, a session starts', async () => {
    // Act
    const answer = await from('127.0.0.1', link, {
      form: { ...(await goFields(link)), password: PASSWORD.sponsor, code: code(people.sponsor.email) },
    });
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Signed by</dt><dd>Sam Sponsor');
    expect(answer.body).toContain('Approved: Gate 1');
    expect(answer.body).toContain('e-signature: password and authenticator code');
    const cookie = String(answer.headers['set-cookie']);
    expect(cookie).toMatch(
      /^tollgate_signing=[A-Za-z0-9_-]{43}; Path=\/a\/; Max-Age=\d+; HttpOnly; SameSite=Strict/,
    );
    const recorded = (await trail(t, projectId)).find((e) => e.action === 'decision.recorded');
    expect(recorded?.detail.signature).toMatchObject({
      name: 'Sam Sponsor',
      method: 'password+code',
      meaning: expect.stringMatching(/^Approved: Gate 1 /),
      packageHash: recorded?.packageHash,
      identity: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    sessionCookie = cookie.split(';')[0] as string;
  });

  it('takes the password alone later in the session, from two approvers on the next gate', async () => {
    // Prepare: gate 2 (sponsor and finance) opens on the stage's submission
    await until(t, projectId, (s) => s.status === 'in-stage', 'in stage 2');
    expect((await submitStage(t, projectId)).status).toBe(202);
    const sponsorLink = await linkFor(t, people.sponsor.email, title, 'Gate 2');
    const financeLink = await linkFor(t, people.finance.email, title, 'Gate 2');
    // Act: the sponsor in their session (password only); finance with both components
    const sponsorPage = await from('127.0.0.1', sponsorLink, { cookie: sessionCookie });
    const sponsor = await from('127.0.0.1', sponsorLink, {
      cookie: sessionCookie,
      form: { ...(await goFields(sponsorLink)), password: PASSWORD.sponsor },
    });
    const financeWithoutCode = await from('127.0.0.1', financeLink, {
      cookie: sessionCookie, // someone else's session is no session for finance
      form: { ...(await goFields(financeLink)), password: PASSWORD.finance },
    });
    const finance = await from('127.0.0.1', financeLink, {
      form: {
        ...(await goFields(financeLink)),
        password: PASSWORD.finance,
        code: code(people.finance.email),
      },
    });
    // Assess
    expect(sponsorPage.body).toContain('your password is enough');
    expect(sponsorPage.body).toMatch(
      /Earlier gate decisions<\/h2>\s*<ul><li><strong>Idea screen<\/strong>: Go/,
    );
    expect(sponsorPage.body).not.toContain('name="code"');
    expect(sponsor.status).toBe(200);
    expect(sponsor.body).toContain('e-signature: password, in a signing session');
    expect(financeWithoutCode.status).toBe(400);
    expect(financeWithoutCode.body).toContain('esignature.code');
    // Shown again as first shown: the earlier decisions and the signature fields stay on the page
    expect(financeWithoutCode.body).toContain('Earlier gate decisions');
    expect(financeWithoutCode.body).toContain('name="code"');
    expect(finance.status).toBe(200);
    const signatures = (await trail(t, projectId))
      .filter((e) => e.action === 'decision.recorded' && e.subject?.sequence === 2)
      .map((e) => (e.detail.signature as { name: string; method: string }).method);
    expect(signatures.sort()).toEqual(['password (session)', 'password+code']);
  });

  it('accepts each code once: a replayed code does not sign again', async () => {
    // Prepare: two more projects; the sponsor signs the first with the code of the next time step
    const other = 'Clinical data platform, phase 2';
    const otherId = await propose(t, other, { processId: SIGNED.id });
    const otherLink = await linkFor(t, people.sponsor.email, other, 'Gate 1');
    const used = code(people.sponsor.email, 1);
    t.clock.advance(30_000);
    const first = await from('127.0.0.1', otherLink, {
      form: { ...(await goFields(otherLink)), password: PASSWORD.sponsor, code: used },
    });
    // Act: the same code, seen over a shoulder, on the other project's link
    const third = 'Clinical data platform, phase 3';
    await propose(t, third, { processId: SIGNED.id });
    const thirdLink = await linkFor(t, people.sponsor.email, third, 'Gate 1');
    const replay = await from('127.0.0.3', thirdLink, {
      form: { ...(await goFields(thirdLink)), password: PASSWORD.sponsor, code: used },
    });
    // Assess
    expect(first.status).toBe(200);
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('each code works once');
    expect(await votes(otherId, 1)).toHaveLength(1);
  });
});

describe('every approval link', () => {
  it('answers HEAD like GET, without a body, and changes nothing', async () => {
    // Prepare
    const title = 'Link checker';
    await propose(t, title);
    const link = await linkFor(t, people.sponsor.email, title, 'Gate 1');
    const get = await from('127.0.0.1', link);
    // Act
    const head = await from('127.0.0.1', link, { method: 'HEAD' });
    // Assess
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['cache-control']).toBe('no-store');
    expect((await from('127.0.0.1', link)).status).toBe(200);
  });

  it('refuses to sign a package edited in the table: the hash is recomputed on view and decision', async () => {
    // Prepare: the stored package is changed behind the application's back
    const title = 'Tampered package';
    const projectId = await propose(t, title);
    const link = await linkFor(t, people.sponsor.email, title, 'Gate 1');
    const fields = await goFields(link);
    await t.dynamo.send(
      new UpdateItemCommand({
        TableName: LOCAL_TABLES.main,
        Key: marshall(keys.gate(projectId, 1)),
        UpdateExpression: 'SET #p.#project.#summary = :s',
        ExpressionAttributeNames: { '#p': 'package', '#project': 'project', '#summary': 'summary' },
        ExpressionAttributeValues: marshall({ ':s': 'A much cheaper project than it is.' }),
      }),
    );
    // Act
    const view = await from('127.0.0.1', link);
    const decision = await from('127.0.0.1', link, { form: fields });
    // Assess
    expect(view.status).toBe(409);
    expect(view.body).toContain('failed an integrity check');
    expect(decision.status).toBe(409);
    expect(await votes(projectId, 1)).toEqual([]);
    expect(
      logged.some((line) => line.includes('gate package integrity check failed') && line.includes(projectId)),
    ).toBe(true);
  });

  it('limits unknown links per client address: 429 with Retry-After, recorded; a real link still opens', async () => {
    // Prepare
    const title = 'Guessed at';
    await propose(t, title);
    const link = await linkFor(t, people.sponsor.email, title, 'Gate 1');
    const base = new URL(link).origin;
    const limit = GUESSING_LIMITS.unknownLinks.failures;
    const statuses: number[] = [];
    // Act
    for (let i = 0; i <= limit; i++)
      statuses.push(
        (await from('127.0.0.4', `${base}/a/${'x'.repeat(40)}${String(i).padStart(3, '0')}`)).status,
      );
    const over = await from('127.0.0.4', `${base}/a/${'y'.repeat(43)}`);
    const real = await from('127.0.0.4', link);
    const elsewhere = await from('127.0.0.5', `${base}/a/${'z'.repeat(43)}`);
    // Assess
    expect(statuses.slice(0, limit)).toEqual(Array(limit).fill(404));
    expect(statuses[limit]).toBe(429);
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(real.status).toBe(200);
    expect(elsewhere.status).toBe(404);
    const lockouts = (await t.repository.listTrail(CHAINS.access)).filter(
      (e) => e.action === 'access.locked-out' && e.source?.ip === '127.0.0.4',
    );
    expect(lockouts).toHaveLength(1);
  });
});
