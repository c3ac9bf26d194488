/**
 * Property-based fuzzing of every HTTP route against the real local runtime (one for the file).
 *
 * For each route of HTTP_ROUTES, fast-check generates path parameters (ids of a small fixture,
 * random uuids, junk, long, unicode, percent-encoded, `..`, empty), query strings, headers
 * (content types, idempotency keys, no/garbage/valid tokens of each role) and bodies (the route's
 * shape with fields mutated, broken JSON, huge strings, arrays, forms, lone surrogates, NUL, bidi
 * overrides), sends the request as raw HTTP and checks:
 *   1. never a 5xx;
 *   2. no response body shows a stack trace or internals;
 *   3. a 4xx changed the table only by trail items (pk CHAIN#…): exactly one new entry when a handler answered, a
 *      `request.refused` on the chain usecases/refusals.ts names; a GET or HEAD changes nothing at all —
 *      but for what the guessing limits write (their counters, and one lockout entry), see withoutGuessing.
 * The whole table is scanned before and after each request (nothing is excluded).
 *
 * A request that succeeds (2xx) is not judged by 3; the table is let settle (its workflows finish,
 * and a trail export or verification job it started is done — a failed job fails the run) before
 * the next one. A last test checks that every trail chain still verifies.
 *
 * FUZZ_SEED=<n> replays a run (a failure names it, and fast-check prints the route's own seed);
 * FUZZ_RUNS sets the runs per route (30); FUZZ_VERBOSE=1 prints what each route answered, by status
 * and message, and which refused POSTs a handler answered without a trail entry.
 */
import { request as httpRequest } from 'node:http';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSS, CONSOLE_JS } from '../../functions/console/assets.generated.ts';
import { hashLinkSecret } from '../../functions/domain/links.ts';
import { OUTCOMES } from '../../functions/domain/outcomes.ts';
import { CHAINS, verifyChain } from '../../functions/domain/trail.ts';
import { HTTP_ROUTES } from '../../functions/handlers.ts';
import type { LocalPerson } from '../../infra/local/auth.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import { LOCAL_TABLES } from '../../infra/local/runtime.ts';
import { linkFor, until } from '../support/flows.ts';
import { people, shownPackageHash, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
/** One seed for the file; route i runs with SEED + i, so a replay sends the same requests in the same order. */
const SEED =
  process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
const VERBOSE = process.env.FUZZ_VERBOSE === '1';

let t: TestRuntime;
let fixture: Fixture;
/** The table as the last request left it (once settled). */
let current: Snapshot;

beforeAll(async () => {
  t = await startTestRuntime();
  fixture = await buildFixture();
  current = await settle();
}, 90_000);
afterAll(async () => {
  if (VERBOSE)
    console.log(
      [...answers]
        .sort()
        .map(([k, n]) => `${n}\t${k}`)
        .join('\n'),
    );
  await t?.stop();
});

// ---- the fixture ------------------------------------------------------------------------------

const outsider: LocalPerson = { email: 'olive.outsider@example.com', name: 'Olive Outsider', groups: [] };
const strangerRequester: LocalPerson = {
  email: 'stan.stranger@example.com',
  name: 'Stan Stranger',
  groups: ['requester'],
};
/** The requester under another spelling of the same mailbox (case and a +tag): the same person. */
const requesterAlias: LocalPerson = {
  email: 'Riley.Requester+fuzz@Example.com',
  name: 'Riley (alias)',
  groups: ['requester'],
};
const WHO = {
  requester: people.requester,
  requesterAlias,
  manager: people.manager,
  pmoAdmin: people.pmoAdmin,
  compliance: people.compliance,
  sponsor: people.sponsor,
  outsider,
  strangerRequester,
} as const;
type Who = keyof typeof WHO;

interface Fixture {
  /** Every project the fixture made (three at an open gate 1, then conditioned, held, in stage, closed). */
  projectIds: string[];
  conditionIds: string[];
  liveSecrets: string[];
  usedSecrets: string[];
  packageHashes: string[];
  /** A finished export (of the closed project, whose sealed chain takes it) and a finished verification. */
  jobIds: string[];
  tokens: Record<Who, string>;
  expiredToken: string;
}

const secretOf = (link: string) => new URL(link).pathname.split('/').pop() ?? '';
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Three projects at an open gate 1 (live links), one in stage 2 with an open condition 1-1, one on
 * hold, one in stage 2 with nothing open, one killed and closed out (a sealed chain).
 */
async function buildFixture(): Promise<Fixture> {
  const [open1, open2, open3, conditioned, held, inStage, closed] = await Promise.all(
    [
      'Fuzz open A',
      'Fuzz open B',
      'Fuzz open C',
      'Fuzz conditioned',
      'Fuzz held',
      'Fuzz in stage',
      'Fuzz closed',
    ].map((title) => t.submit(title)),
  );
  if (!open1 || !open2 || !open3 || !conditioned || !held || !inStage || !closed)
    throw new Error('fixture incomplete');
  const decide = async (link: string, fields: Record<string, string>) => {
    const { response } = await t.decide(link, fields);
    if (response.status !== 200) throw new Error(`fixture decision answered ${response.status}`);
  };
  await Promise.all([
    decide(conditioned.link, {
      outcome: 'conditional-go',
      comment: 'Go once security has reviewed it.',
      'condition-0': 'Security review done',
      'condition-0-due': inDays(30),
    }),
    decide(held.link, { outcome: 'hold', comment: 'Wait for the budget round.' }),
    decide(inStage.link, { outcome: 'go' }),
    decide(closed.link, { outcome: 'kill', comment: 'No strategic fit.' }),
  ]);
  await until(t, closed.projectId, (s) => s.status === 'closing', 'to close-out');
  const signOff = await linkFor(t, people.sponsor.email, 'Fuzz closed', 'Close-out sign-off');
  await decide(signOff, { outcome: 'go', 'check-0': 'yes', 'check-1': 'yes', 'check-2': 'yes' });
  await Promise.all([
    until(
      t,
      conditioned.projectId,
      (s) => s.status === 'in-stage' && s.conditions?.length === 1,
      'its condition',
    ),
    until(t, held.projectId, (s) => s.status === 'on-hold', 'on hold'),
    until(t, inStage.projectId, (s) => s.status === 'in-stage', 'into stage 2'),
    until(t, closed.projectId, (s) => s.status === 'closed' && s.sealedAt, 'closed and sealed'),
  ]);
  const open = [open1, open2, open3];
  // At once: the verification reads the chains while the export appends to them.
  const jobIds = await Promise.all([
    startJob('/trail/exports', { format: 'jsonl', projectId: closed.projectId }),
    startJob('/trail/verifications', {}),
  ]);
  await Promise.all(jobIds.map(jobDone));
  // A draft of the standard process (revision 1), for the definitions API's routes to meet.
  const draft = await t.api('POST', '/definitions/standard/draft', {
    as: people.pmoAdmin,
    body: { fromVersion: 1 },
  });
  if (draft.status !== 201) throw new Error(`POST /definitions/standard/draft answered ${draft.status}`);
  const packageHashes = await Promise.all(
    open.map(async (o) => shownPackageHash(await (await fetch(o.link)).text())),
  );
  const tokens = Object.fromEntries(
    await Promise.all(
      Object.entries(WHO).map(async ([who, person]) => [who, await t.runtime.issuer.sign(person)]),
    ),
  ) as Record<Who, string>;
  return {
    projectIds: [...open, conditioned, held, inStage, closed].map((p) => p.projectId),
    conditionIds: ['1-1'],
    liveSecrets: open.map((o) => secretOf(o.link)),
    usedSecrets: [conditioned, held, inStage, closed].map((p) => secretOf(p.link)).concat(secretOf(signOff)),
    packageHashes,
    jobIds,
    tokens,
    expiredToken: await t.runtime.issuer.sign(people.pmoAdmin, -120),
  };
}

/** Starts a trail job as the compliance officer; returns its id. */
async function startJob(path: string, body: unknown): Promise<string> {
  const response = await t.api('POST', path, { as: people.compliance, body });
  if (response.status !== 202)
    throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { jobId: string }).jobId;
}

/**
 * Waits until a trail job is no longer running. A failed job is a failure (its error says why), and
 * so is a verification that finds a break: nothing here tampers with the trail.
 */
async function jobDone(jobId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await t.repository.getJob(jobId);
    if (job?.status === 'done' && job.kind === 'verify' && !job.verification?.ok)
      throw new Error(`trail verification ${jobId} found a break: ${JSON.stringify(job.verification)}`);
    if (job?.status === 'done') return;
    if (job?.status === 'failed') throw new Error(`trail job ${jobId} failed: ${job.error}`);
    if (Date.now() > deadline) throw new Error(`trail job ${jobId} never finished: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- the table ------------------------------------------------------------------------------------

/** Every item of both tables (the trail's pks are its own), by pk and sk, as its exact attribute JSON. */
type Snapshot = Map<string, { json: string; item: Record<string, AttributeValue> }>;

async function snapshot(): Promise<Snapshot> {
  const items: Snapshot = new Map();
  for (const table of [LOCAL_TABLES.main, LOCAL_TABLES.trail]) {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await t.dynamo.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of out.Items ?? []) {
        items.set(`${item.pk?.S}\u0001${item.sk?.S}`, { json: JSON.stringify(item), item });
      }
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return items;
}

function sameTable(a: Snapshot, b: Snapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key)?.json !== value.json) return false;
  return true;
}

/** The table once the workflows a successful request started have finished (unchanged for ~750 ms). */
async function settle(): Promise<Snapshot> {
  let previous = await snapshot();
  let stable = 0;
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const next = await snapshot();
    stable = sameTable(previous, next) ? stable + 1 : 0;
    previous = next;
    if (stable >= 5) return next;
  }
  throw new Error('the table never settled');
}

interface Change {
  key: string;
  kind: 'added' | 'changed' | 'removed';
  item: Record<string, unknown>;
}

/**
 * Leaves out what the guessing limits write (domain/guessing.ts): a failed look-up's counter
 * (GUESS#…), and the one `access.locked-out` entry of the moment a client crosses the limit
 * (with its chain head, unless another entry moved that head too). Nothing else is excused.
 */
function withoutGuessing(all: Change[]): Change[] {
  const lockouts = all.filter((c) => c.kind === 'added' && c.item.action === 'access.locked-out');
  if (lockouts.length > 1) return all;
  const [lockout] = lockouts;
  return all.filter((c) => {
    if (String(c.item.pk).startsWith('GUESS#')) return false;
    if (c === lockout) return false;
    const ownHead =
      lockout &&
      c.item.sk === 'HEAD' &&
      c.item.pk === lockout.item.pk &&
      !all.some((o) => o !== lockout && o.item.pk === c.item.pk && String(o.item.sk).startsWith('E#'));
    return !ownHead;
  });
}

function changes(before: Snapshot, after: Snapshot): Change[] {
  const out: Change[] = [];
  for (const [key, value] of after) {
    const was = before.get(key);
    if (!was) out.push({ key, kind: 'added', item: unmarshall(value.item) });
    else if (was.json !== value.json) out.push({ key, kind: 'changed', item: unmarshall(value.item) });
  }
  for (const [key, value] of before)
    if (!after.has(key)) out.push({ key, kind: 'removed', item: unmarshall(value.item) });
  return out;
}

// ---- raw HTTP -------------------------------------------------------------------------------------

interface FuzzRequest {
  routeKey: string;
  method: string;
  /** Each path parameter as sent: already percent-encoded (or deliberately malformed). */
  segments: Record<string, string>;
  query: string;
  /** Raw header pairs, repeats allowed. */
  headers: [string, string][];
  body: Buffer | undefined;
  /** Who the authorization header (validly) signs in, if anyone. */
  signedIn: Who | undefined;
}

interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function pathOf(request: FuzzRequest): string {
  const template = request.routeKey.split(' ')[1] ?? '/';
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => request.segments[name] ?? '') + request.query;
}

/** Sends exactly what was generated (fetch would normalise `..` and re-encode the path). */
function send(request: FuzzRequest): Promise<FuzzResponse> {
  const { hostname, port } = new URL(t.runtime.appUrl);
  const headers = request.headers.flat();
  headers.push('host', `${hostname}:${port}`);
  if (request.body) headers.push('content-length', String(request.body.length));
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: hostname, port, method: request.method, path: pathOf(request), headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body?.toString('utf8') ?? '';
  return JSON.stringify({
    routeKey: request.routeKey,
    path: pathOf(request).slice(0, 300),
    headers: request.headers.map(([k, v]) => [k, v.length > 120 ? `${v.slice(0, 120)}…(${v.length})` : v]),
    signedIn: request.signedIn,
    body: body.length > 400 ? `${body.slice(0, 400)}…(${body.length} bytes)` : body,
  });
}

// ---- the properties -------------------------------------------------------------------------------

const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat\s[^\n]*\.[cm]?[jt]s:\d+/],
  ['an error name', /Error:/],
  ['a DynamoDB error', /ValidationException|TransactionCanceled|ConditionalCheckFailed|DynamoDB/],
];

/** What each route answered, by status and message (printed with FUZZ_VERBOSE=1). */
const answers = new Map<string, number>();

/** The chain a refusal of this request belongs on (usecases/refusals.ts), from the table before it. */
function expectedChain(request: FuzzRequest, before: Snapshot): string {
  // usecases/refusals.ts: proposals refused go on `intake`, the trail API's on `compliance` (http/trail.ts).
  const handler = HTTP_ROUTES.find((r) => r.routeKey === request.routeKey)?.handler;
  const fallback =
    request.routeKey === 'POST /proposals'
      ? CHAINS.intake
      : handler === 'trail-api'
        ? CHAINS.compliance
        : CHAINS.access;
  let projectId: string | undefined;
  if (request.segments.secret !== undefined) {
    const secret = decodeSegment(request.segments.secret);
    if (/^[A-Za-z0-9_-]{43}$/.test(secret)) {
      const link = before.get(`LINK#${hashLinkSecret(secret)}\u0001LINK`);
      projectId = link ? (unmarshall(link.item).projectId as string) : undefined;
    }
  } else if (request.segments.projectId !== undefined) {
    const id = decodeSegment(request.segments.projectId);
    projectId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : undefined;
  }
  if (!projectId || !before.has(`PROJECT#${projectId}\u0001PROJECT`)) return fallback;
  const head = before.get(`CHAIN#${CHAINS.project(projectId)}\u0001HEAD`);
  return head && unmarshall(head.item).sealed ? fallback : CHAINS.project(projectId);
}

/** Sends one request and checks the three properties; keeps `current` up to date. */
async function exercise(request: FuzzRequest): Promise<void> {
  const before = current;
  const response = await send(request);
  if (VERBOSE) {
    const message = response.body.match(/"message":"([^"]*)"|<h1>([^<]*)<\/h1>/);
    const key = `${request.routeKey} ${response.status} ${(message?.[1] ?? message?.[2] ?? '').slice(0, 70)}`;
    answers.set(key, (answers.get(key) ?? 0) + 1);
  }
  const what = () => `${describeRequest(request)}\n→ ${response.status} ${response.body.slice(0, 600)}`;

  // 1. Never a 5xx.
  if (response.status >= 500) throw new Error(`answered ${response.status}: ${what()}`);
  // 2. No stack trace or internals. (The console's script is code, not an answer: it may name errors.
  // It is judged by being exactly the built file, test/infra/console-assets.test.ts.)
  const consoleFile =
    response.status === 200 && (response.body === CONSOLE_JS || response.body === CONSOLE_CSS);
  for (const [name, pattern] of consoleFile ? [] : LEAKS)
    if (pattern.test(response.body)) throw new Error(`the body shows ${name}: ${what()}`);

  const refused = response.status >= 400 && response.status < 500;
  const reading = request.method === 'GET' || request.method === 'HEAD';
  if (!refused && !reading) {
    // A request that did something: let its workflows finish before the next one is judged. A trail
    // job reads quietly for a while before it writes: wait for it to be done first.
    const jobId = jobOf(response);
    if (jobId) await jobDone(jobId);
    current = await settle();
    return;
  }
  const after = await snapshot();
  current = after;
  const changed = withoutGuessing(changes(before, after));
  const shown = () =>
    JSON.stringify(changed.map((c) => ({ kind: c.kind, key: c.key, item: c.item }))).slice(0, 2000);

  // 3. A GET changes nothing at all; a refusal changes trail items only: exactly one entry.
  if (reading) {
    if (changed.length > 0) throw new Error(`a ${request.method} changed the table: ${shown()}\n${what()}`);
    return;
  }
  const outside = changed.filter((c) => !String(c.item.pk).startsWith('CHAIN#') || c.kind === 'removed');
  if (outside.length > 0) throw new Error(`a refusal changed more than the trail: ${shown()}\n${what()}`);
  const entries = changed.filter((c) => String(c.item.sk).startsWith('E#'));
  const heads = changed.filter((c) => c.item.sk === 'HEAD');
  if (entries.length > 1 || entries.some((e) => e.kind !== 'added') || heads.length !== entries.length)
    throw new Error(`a refusal left more than one trail entry: ${shown()}\n${what()}`);
  const [entry] = entries;
  if (!entry) {
    // The gateway's own answers (401 before the authorizer lets it through, 404 without a
    // route, 413) never reach a handler; every refusal a handler answers is in the trail.
    if (response.headers['x-frame-options'] === 'DENY')
      throw new Error(`a refused POST left no trail entry: ${response.status}\n${what()}`);
    return;
  }
  const item = entry.item;
  const chain = expectedChain(request, before);
  const detail = item.detail as { route?: string; status?: number } | undefined;
  const actor = item.actor as { id?: string } | undefined;
  const signedIn =
    HTTP_ROUTES.find((r) => r.routeKey === request.routeKey)?.auth === 'jwt' && request.signedIn;
  const expected = {
    pk: `CHAIN#${chain}`,
    action: 'request.refused',
    route: request.routeKey,
    status: response.status,
    actor: signedIn ? WHO[signedIn].email.toLowerCase() : 'anonymous',
  };
  const actual = {
    pk: item.pk,
    action: item.action,
    route: detail?.route,
    status: detail?.status,
    actor: actor?.id,
  };
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(
      `the refusal entry is ${JSON.stringify(actual)}, not ${JSON.stringify(expected)}: ${shown()}\n${what()}`,
    );
  if (heads[0]?.item.pk !== item.pk)
    throw new Error(`a refusal moved another chain's head: ${shown()}\n${what()}`);
}

/** The job a 2xx started (POST /trail/exports, POST /trail/verifications answer with it). */
function jobOf(response: FuzzResponse): string | undefined {
  if (response.status < 200 || response.status >= 300) return undefined;
  try {
    const jobId = (JSON.parse(response.body) as { jobId?: unknown }).jobId;
    return typeof jobId === 'string' ? jobId : undefined;
  } catch {
    return undefined;
  }
}

// ---- generators: strings, values, mutations -----------------------------------------------------------

/** Strings that have broken parsers, templates, keys and logs before. */
const SPECIALS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\udbff\udfff',
  '\u202eevil\u202c',
  '\u2066isolate\u2069',
  '\u200b',
  '\ufeff',
  'line\nbreak',
  '\r\n',
  '\t',
  '\u0085',
  '\u2028',
  '\u007f',
  '..',
  '../../etc/passwd',
  '%00',
  '%ff',
  '%',
  '<script>alert(1)</script>',
  '"',
  "'",
  '\\',
  '\\u0000',
  "'; DROP TABLE x; --",
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '${process.env}',
  'null',
  'undefined',
  'true',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'NaN',
  '-1',
  '0',
  '1e309',
  '０１',
  'riley.requester@example.com',
  'RILEY.REQUESTER+alias@EXAMPLE.COM',
  'morgan.manager@example.com',
  'sam.sponsor@example.com',
  'fay.finance@example.com',
  'ada.architect@example.com',
  'pat.pmo@example.com',
  'a@b',
  'a@b.c',
  '"quoted"@example.com',
  'ünï@exämple.com',
  `${'a'.repeat(250)}@example.com`,
  'https://docs.example.com/plan',
  'javascript:alert(1)',
  'http://[::1]:80/',
  'https://',
  'data:text/html,<b>x</b>',
  '2099-12-31',
  '2024-02-30',
  '9999-99-99',
  '1-1',
  'standard',
  'business-case',
  'scoping',
];

const longString = fc.oneof(
  fc.integer({ min: 1_000, max: 10_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 500, max: 3_000 }).map((n) => 'é\u{1F600}'.repeat(n)),
  fc.constantFrom('A'.repeat(200_000), `${'\u202e'.repeat(1000)}${'\ud800'.repeat(1000)}`),
);

const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...SPECIALS), fc.string({ maxLength: 10 }))
      .map(([a, b, c]) => `${a}${b}${c}`),
  },
  { weight: 1, arbitrary: longString },
);

/** Any JSON-able value (fast-check's `anything` without bigints, which JSON cannot carry). */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  {
    weight: 3,
    arbitrary: fc.anything({
      maxDepth: 2,
      maxKeys: 4,
      withNullPrototype: true,
      withDate: true,
      stringUnit: 'binary',
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -0,
      -1,
      0.5,
      1e308,
      2 ** 53 + 2,
      [],
      {},
      [[]],
      [{}],
    ),
  },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 3 }) },
);

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const anyKey = fc.oneof(
  fc.constantFrom(...PROTO_KEYS),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('x'.repeat(5_000), 'extra', '\u0000', '\ud800', 'gateId', 'processId', 'checklist'),
);

type Mutation =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'add'; key: string; value: unknown };

function mutations(keys: string[], value: fc.Arbitrary<unknown>): fc.Arbitrary<Mutation[]> {
  const mutation = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...keys), value }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), key: anyKey, value }) },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<Mutation[]>([]) },
    { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
  );
}

/** A valid-ish object with 0–3 of its fields replaced, removed, or joined by strange ones (own `__proto__` too). */
function mutated<T extends Record<string, unknown>>(
  base: fc.Arbitrary<T>,
  value: fc.Arbitrary<unknown> = anyValue,
) {
  return base.chain((b) =>
    mutations(Object.keys(b).length ? Object.keys(b) : ['x'], value).map((ms) => {
      const out: Record<string, unknown> = { ...b };
      for (const m of ms) {
        if (m.op === 'delete') delete out[m.key];
        else
          Object.defineProperty(out, m.key, {
            value: m.value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
      return out;
    }),
  );
}

// ---- generators: bodies ------------------------------------------------------------------------------

function formEncode(value: unknown): string {
  if (value === null || typeof value !== 'object')
    return new URLSearchParams({ value: String(value) }).toString();
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(value))
    params.append(k, typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
  return params.toString();
}

const multipart = (fields: Record<string, unknown>) =>
  `${Object.entries(fields)
    .map(([k, v]) => `------fuzz\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(v)}\r\n`)
    .join('')}------fuzz--\r\n`;

const BROKEN_JSON = [
  '',
  '{',
  '[',
  '}',
  'null',
  'true',
  '"just a string"',
  '123',
  '{"a":1}}',
  '{"a":1,}',
  "{'a':1}",
  '\ufeff{}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"title":"\\ud800"}',
  '{"title":"\\u0000"}',
  '{"a":NaN}',
  '{"a":1e999}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `{"fields":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
  `{"x":"${'y'.repeat(300_000)}"}`,
];

/** A body for a JSON route: mostly the route's shape as JSON, else broken, arrays, forms, bytes. */
function jsonBody(shape: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer | undefined> {
  const text = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'utf8'));
  return fc.oneof(
    { weight: 10, arbitrary: shape.map((v) => text(JSON.stringify(v))) },
    { weight: 1, arbitrary: shape.map((v) => text(JSON.stringify([v]))) },
    { weight: 1, arbitrary: anyValue.map((v) => text(JSON.stringify(v))) },
    {
      weight: 1,
      arbitrary: fc.tuple(shape, fc.nat()).map(([v, n]) => {
        const s = JSON.stringify(v) ?? '';
        return text(s.slice(0, n % (s.length + 1)));
      }),
    },
    { weight: 1, arbitrary: shape.map((v) => text(formEncode(v))) },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_JSON).map(text) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** A body for POST /a/{secret}: mostly a form, else JSON, multipart, raw escapes, bytes. */
function formBody(shape: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Buffer | undefined> {
  const text = (s: string) => Buffer.from(s, 'utf8');
  return fc.oneof(
    { weight: 10, arbitrary: shape.map((v) => text(formEncode(v))) },
    { weight: 1, arbitrary: shape.map((v) => text(JSON.stringify(v))) },
    { weight: 1, arbitrary: shape.map((v) => text(multipart(v))) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(shape, rawSegment)
        .map(([v, raw]) => text(`${formEncode(v)}&${raw}=${raw}&outcome=${raw}`)),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', '=', '&&&', 'outcome', 'outcome=go&outcome=kill', '%', '%zz=%E0%A4')
        .map(text),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

// ---- generators: paths, queries, headers --------------------------------------------------------------

/** Percent-encodes every byte but the unreserved ones (lone surrogates become U+FFFD, as UTF-8 does). */
function encodeSegment(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What the gateway hands the handler: the segment percent-decoded, or as sent when that fails. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Hand-made segments: malformed and overlong escapes, encoded slashes and dots, sub-delimiters. */
const rawSegment = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '%',
        '%2',
        '%zz',
        '%00',
        '%2F',
        '%2f',
        '%2e',
        '%2E%2E',
        '%5C',
        '%C0%AF',
        '%E0%A4',
        '%ED%A0%80',
        '%FF%FE',
        '%25',
        '%3F',
        '%23',
        '%20',
        '+',
        '..',
        '.',
        '~',
        ';',
        '=',
        '@',
        ':',
        '!',
        '$',
        "'",
        '(',
        ')',
        '*',
        ',',
        '&',
      ),
      fc.string({ maxLength: 8 }).map(encodeSegment),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** A path parameter as sent: a value (encoded), or a hand-made segment. */
function segment(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 20, arbitrary: value.map(encodeSegment) },
    { weight: 1, arbitrary: rawSegment },
    { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2e%2e', '', '%20', '%00', '~') },
  );
}

const junkValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 10_000 }).map((n) => 'z'.repeat(n)) },
);

const query = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.tuple(nastyString, nastyString), { minLength: 1, maxLength: 3 })
      .map(
        (pairs) =>
          `?${pairs.map(([k, v]) => `${encodeSegment(k.slice(0, 200))}=${encodeSegment(v.slice(0, 200))}`).join('&')}`,
      ),
  },
  { weight: 1, arbitrary: rawSegment.map((s) => `?${s}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '?',
      '??',
      '?a=1&a=2',
      '?__proto__[polluted]=1',
      '?constructor=1&toString=2',
      '?secret=x&projectId=y',
      `?x=${'y'.repeat(4_000)}`,
      '?%zz=%',
      '?a=%ED%A0%80',
    ),
  },
);

/** Header values travel as bytes: unicode goes out as its UTF-8 bytes, controls are left out. */
const headerSafe = (s: string, max = 2_000) =>
  Buffer.from(s, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '')
    .slice(0, max);

function tamper(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.at(-1)}`;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function authorization(
  tokens: Record<Who, string>,
  expired: string,
  likely: Who[],
): fc.Arbitrary<{ header?: string; who?: Who }> {
  // Mostly someone the route is for (so requests get past the role check), else anyone.
  const who = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...likely) },
    { weight: 1, arbitrary: fc.constantFrom(...(Object.keys(tokens) as Who[])) },
  );
  const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({
    sub: 'x',
    email: 'pat.pmo@example.com',
    email_verified: true,
    'cognito:groups': ['pmo-admin'],
    token_use: 'id',
  })}.`;
  return fc.oneof(
    { weight: 12, arbitrary: who.map((w) => ({ header: `Bearer ${tokens[w]}`, who: w })) },
    { weight: 1, arbitrary: who.map((w) => ({ header: tokens[w], who: w })) },
    { weight: 2, arbitrary: fc.constant({}) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            'Bearer ',
            'Bearer',
            'Bearer x.y.z',
            'Basic dXNlcjpwYXNz',
            `Bearer ${unsigned}`,
            `Bearer ${expired}`,
            `Bearer ${tamper(tokens.pmoAdmin)}`,
            `Bearer ${tokens.pmoAdmin}x`,
            `Bearer ${tokens.pmoAdmin.split('.').slice(0, 2).join('.')}`,
          ),
          nastyString.map((s) => `Bearer ${headerSafe(s)}`),
          nastyString.map((s) => headerSafe(s)),
        )
        .map((header) => ({ header })),
    },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-16',
  'Application/JSON',
  'application/json-patch+json',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'application/x-www-form-urlencodedx',
  'multipart/form-data; boundary=----fuzz',
  'text/plain',
  'text/html; charset=utf-8',
  'application/xml',
  'application/octet-stream',
  '*/*',
  '',
  ';',
  'application/json; charset="\u00e9"',
];

function contentType(preferred: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(preferred) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: nastyString.map((s) => headerSafe(s, 300)) },
  );
}

const idempotencyKey = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom('fuzz-key-1', 'fuzz-key-2', 'a', 'a.b:c_d-e', 'x'.repeat(64)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'x'.repeat(65), 'a b', 'a,b', 'é', '../..', '\t') },
  { weight: 1, arbitrary: nastyString.map((s) => headerSafe(s, 5_000)) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 5_000 }).map((n) => 'k'.repeat(n)) },
);

const EXTRA_HEADER_NAMES = [
  'user-agent',
  'x-forwarded-for',
  'cookie',
  'accept',
  'accept-charset',
  'content-encoding',
  'origin',
  'referer',
  'x-amzn-trace-id',
  'content-type',
  'idempotency-key',
  'authorization',
  'hasOwnProperty',
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
];

const extraHeaders = fc.array(
  fc.tuple(
    fc.constantFrom(...EXTRA_HEADER_NAMES),
    nastyString.map((s) => headerSafe(s, 1_000)),
  ),
  { maxLength: 3 },
);

// ---- generators: each route --------------------------------------------------------------------------

interface RouteCase {
  params: Record<string, fc.Arbitrary<string>>;
  /** Who the route is for: signed in more often than the others. */
  likely: Who[];
  contentType: string;
  body: fc.Arbitrary<Buffer | undefined>;
  /** The route's own query strings (mostly valid ones), instead of the generic ones. */
  query?: fc.Arbitrary<string>;
}

const email = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(...Object.values(WHO).map((p) => p.email), 'ada.architect@example.com'),
  },
  { weight: 1, arbitrary: nastyString },
);
const reason = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('Because the review needs it.', 'Budget approved in the March round.'),
  },
  { weight: 1, arbitrary: nastyString },
);

function cases(f: Fixture): Record<string, RouteCase> {
  const projectIds = f.projectIds;
  const projectId = fc.oneof(
    { weight: 14, arbitrary: fc.constantFrom(...projectIds) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...projectIds).map((id) => id.toUpperCase()) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...projectIds), fc.constantFrom('x', ' ', '/', '\u0000', '%', '\ud800'))
        .map(([id, c]) => `${id}${c}`),
    },
    { weight: 2, arbitrary: junkValue },
  );
  const conditionId = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...f.conditionIds) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('1-2', '2-1', '9999-99', '0-1', '1-0', '01-1', '1-1-1', '10000-1', '1_1'),
    },
    { weight: 1, arbitrary: junkValue },
  );
  const sequence = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('1', '1', '2') },
    {
      weight: 2,
      arbitrary: fc.constantFrom('0', '9999', '10000', '-1', '1.0', '1e3', '0x1', ' 1', '01', '١', 'NaN'),
    },
    { weight: 1, arbitrary: junkValue },
  );
  const liveOrUsed = [...f.liveSecrets, ...f.usedSecrets];
  const secret = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...f.liveSecrets) },
    { weight: 2, arbitrary: fc.constantFrom(...f.usedSecrets) },
    {
      weight: 2,
      arbitrary: fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .map((b) => Buffer.from(b).toString('base64url')),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...liveOrUsed), fc.nat(42), fc.constantFrom('A', '-', '_', '=', '+', '/'))
        .map(([s, i, c]) => `${s.slice(0, i)}${c}${s.slice(i + 1)}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(...liveOrUsed).map((s) => `${s}=`) },
    { weight: 2, arbitrary: junkValue },
  );

  // The shapes start valid; mutations (and the odd nasty value) make them invalid.
  const usually = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: odd });
  const proposal = mutated(
    fc
      .record(
        {
          title: usually(
            fc.constantFrom('Fuzzed proposal', 'Ünïcödé proposal ✓', 'A'.repeat(200)),
            nastyString,
          ),
          summary: usually(
            fc.constantFrom('A proposal the fuzzer made.', 'Line one.\nLine two.'),
            nastyString,
          ),
          sponsorEmail: usually(
            fc.constantFrom('sam.sponsor@example.com', 'SAM.Sponsor@example.com', 'fay.finance@example.com'),
            email,
          ),
          managerEmail: usually(
            fc.constantFrom('morgan.manager@example.com', 'ada.architect@example.com'),
            email,
          ),
          processId: usually(fc.constant('standard'), fc.constantFrom('nope', 'Standard', '', 'standard ')),
          fields: mutated(
            fc.record(
              {
                estimatedCost: usually(fc.constantFrom(250000, 0, 20000, 1e12), anyValue),
                risk: usually(fc.constantFrom('low', 'medium', 'high', ' high '), anyValue),
                targetDate: usually(fc.constantFrom('2030-01-31', '', null), anyValue),
              },
              { requiredKeys: ['estimatedCost', 'risk'] },
            ),
          ),
        },
        { requiredKeys: ['title', 'summary', 'sponsorEmail', 'fields'] },
      )
      .map((p) => p as Record<string, unknown>),
  );

  const deliverable = mutated(
    fc.record({
      id: usually(
        fc.constantFrom('business-case', 'project-plan', 'risk-register'),
        fc.oneof(fc.constantFrom(...PROTO_KEYS, 'test-results'), nastyString),
      ),
      title: usually(fc.constantFrom('Plan v1', 'Ünïcödé v2'), nastyString),
      link: usually(fc.constantFrom('https://docs.example.com/plan', 'http://intranet/x?y=1#z'), nastyString),
    }),
  );
  const submission = mutated(
    fc.record(
      {
        gateId: usually(fc.constant('business-case'), fc.constantFrom('launch', 'scoping', '__proto__')),
        note: usually(fc.constantFrom('Ready for review.', ''), nastyString),
        deliverables: fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .constant(['business-case', 'project-plan'])
              .map((ids) =>
                ids.map((id) => ({ id, title: `${id} v1`, link: `https://docs.example.com/${id}` })),
              ),
          },
          { weight: 3, arbitrary: fc.array(deliverable, { maxLength: 4 }) },
          { weight: 1, arbitrary: fc.array(deliverable, { minLength: 31, maxLength: 35 }) },
        ),
      },
      { requiredKeys: ['deliverables'] },
    ),
  );

  const met = mutated(
    fc.record(
      {
        evidence: usually(fc.constant('https://docs.example.com/security-review'), nastyString),
        note: usually(fc.constantFrom('Done.', ''), nastyString),
      },
      { requiredKeys: ['evidence'] },
    ),
  );
  const reasonOnly = mutated(fc.record({ reason }));
  const reassignment = mutated(
    fc.record({
      from: usually(fc.constantFrom('sam.sponsor@example.com', 'Sam.Sponsor@example.com'), email),
      to: usually(
        fc.constantFrom('ada.architect@example.com', 'fay.finance@example.com', 'olive.outsider@example.com'),
        email,
      ),
      reason,
    }),
  );

  // The PMO admin API: people of the directory, absences, reminders, deadlines, a query of the pending view.
  const person = usually(
    fc.constantFrom(
      ...Object.values(WHO).map((p) => p.email),
      'ada.architect@example.com',
      'new.person@example.com',
      'Fay.Finance+fuzz@Example.com',
    ),
    nastyString,
  );
  const entry = mutated(
    fc.record({
      name: usually(fc.constantFrom('Ada Architect', 'Ünïcödé Person', 'A'.repeat(200)), nastyString),
      roles: usually(
        fc.subarray(['requester', 'pmo-admin', 'compliance', 'approver']),
        fc.constantFrom<unknown>(['admin'], 'approver', [null], ['approver', 'approver']),
      ),
      reason,
    }),
  );
  const away = mutated(
    fc.record({
      from: usually(fc.integer({ min: -2, max: 5 }).map(inDays), fc.constantFrom('2024-02-30', 'today', '')),
      until: usually(fc.integer({ min: -1, max: 30 }).map(inDays), fc.constantFrom('9999-99-99', '')),
      delegate: usually(
        fc.constantFrom('ada.architect@example.com', 'fay.finance@example.com', 'sam.sponsor@example.com'),
        email,
      ),
      reason,
    }),
  );
  const reminder = mutated(
    fc.record(
      {
        reason,
        approver: usually(fc.constantFrom('sam.sponsor@example.com', 'SAM.Sponsor@example.com'), email),
      },
      { requiredKeys: ['reason'] },
    ),
  );
  const at = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
  const extension = mutated(
    fc.record({
      dueAt: usually(
        fc.integer({ min: -2, max: 24 * 200 }).map(at),
        fc.constantFrom(
          '2030-01-01T00:00:00+02:00',
          '2030-13-01T00:00:00Z',
          'tomorrow',
          '',
          '+275760-09-13T00:00:00Z',
        ),
      ),
      reason,
    }),
  );
  const queryOf = (pairs: fc.Arbitrary<[string, string][]>) =>
    fc.oneof(
      {
        weight: 4,
        arbitrary: pairs.map((ps) =>
          ps.length ? `?${ps.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&')}` : '',
        ),
      },
      { weight: 1, arbitrary: query },
    );
  const pageParams = fc.oneof(
    fc.constantFrom<[string, string][]>([], [['limit', '2']], [['limit', '100']]),
    fc.constantFrom<[string, string][]>(
      [['limit', '0']],
      [['limit', '101']],
      [['cursor', 'bm90IGEgY3Vyc29y']],
    ),
  );
  const pendingQuery = fc
    .tuple(
      fc.subarray([
        ['status', 'in-review'],
        ['gate', 'business-case'],
        ['overdue', 'true'],
        ['approver', 'sam.sponsor@example.com'],
      ] as [string, string][]),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant<[string, string][]>([]) },
        {
          weight: 1,
          arbitrary: fc.constantFrom<[string, string][]>(
            [['status', 'closed']],
            [['overdue', 'yes']],
            [['gate', '__proto__']],
            [['approver', 'not an email']],
          ),
        },
      ),
      pageParams,
    )
    .map(([a, b, c]) => [...a, ...b, ...c]);

  // The definitions API: the fixture's processes and versions (and others), drafts, dry runs, migrations.
  const definitionId = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom('standard', 'regulated') },
    { weight: 2, arbitrary: fc.constantFrom('fuzz-lab', 'a', 'x'.repeat(63)) },
    { weight: 1, arbitrary: fc.constantFrom('Standard', '-x', 'x'.repeat(64), '__proto__', 'validate') },
    { weight: 2, arbitrary: junkValue },
  );
  // The console's files: the two it has, names like them, and paths that try to leave the folder.
  const consoleAsset = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('console.js', 'console.css') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'console.js.map',
        'Console.js',
        'app.js',
        'x.css',
        '../handlers.ts',
        'console%2ejs',
      ),
    },
    { weight: 2, arbitrary: junkValue },
  );
  const definitionVersion = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('1', '2') },
    { weight: 2, arbitrary: fc.constantFrom('0', '999999', '1000000', '01', '-1', '1.0', '1e3', 'draft') },
    { weight: 1, arbitrary: junkValue },
  );
  const smallInt = usually<unknown>(
    fc.constantFrom(1, 2, 3),
    fc.constantFrom<unknown>(0, -1, 1.5, '1', 1e9 + 1, null, 1e308),
  );
  const sample = (id: string, version: number) =>
    ({ ...DEMO_DEFINITION, id, version }) as Record<string, unknown>;
  const definitionBody = usually<unknown>(
    fc.constantFrom(sample('standard', 2), sample('standard', 3), sample('regulated', 2)),
    fc.oneof(anyValue, mutated(fc.constant(sample('standard', 2)))),
  );
  const draftBody = mutated(
    fc.record(
      {
        definition: definitionBody,
        source: usually(fc.constantFrom('id: standard\n', '# a comment\n\tname: x\r\n'), nastyString),
        revision: smallInt,
        reason,
      },
      { requiredKeys: ['definition'] },
    ),
  );
  const fromVersion = mutated(
    fc.record({ fromVersion: smallInt, reason }, { requiredKeys: ['fromVersion'] }),
  );
  const publication = mutated(fc.record({ revision: smallInt, reason }));
  const sampleProposal = usually<unknown>(
    fc.record(
      {
        sponsorEmail: usually(fc.constantFrom('sam.sponsor@example.com'), email),
        requesterEmail: email,
        fields: usually<unknown>(fc.constant({ estimatedCost: 10000, risk: 'low' }), anyValue),
      },
      { requiredKeys: ['sponsorEmail'] },
    ),
    anyValue,
  );
  const startAt = usually(
    fc.constantFrom('2030-01-07T09:00:00Z', '2030-01-07T09:00:00.123+02:00'),
    fc.constantFrom('2030-02-30T00:00:00Z', 'tomorrow', '9999-12-31T23:59:59+23:59', '0000-01-01T00:00Z', ''),
  );
  // A stored version (or the draft) by id, or a definition sent along: one or the other.
  const dryRunBody = mutated<Record<string, unknown>>(
    fc.oneof(
      fc.record(
        {
          definitionId: usually(fc.constantFrom('standard', 'regulated'), nastyString),
          version: usually(fc.constantFrom<unknown>(1, 2, 'draft'), anyValue),
          proposal: sampleProposal,
          startAt,
        },
        { requiredKeys: ['definitionId', 'proposal'] },
      ),
      fc.record(
        { definition: definitionBody, proposal: sampleProposal, startAt },
        { requiredKeys: ['proposal'] },
      ),
    ),
  );
  const migration = mutated(
    fc.record({
      fromVersion: smallInt,
      toVersion: smallInt,
      projectIds: usually<unknown>(
        fc.subarray(projectIds, { minLength: 1 }),
        fc.constantFrom<unknown>([], ['not-a-uuid'], Array(101).fill(projectIds[0])),
      ),
      dryRun: usually<unknown>(fc.boolean(), fc.constantFrom<unknown>('true', 0, null)),
      reason,
    }),
  );
  const diffQuery = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom('', '?from=1&to=2', '?from=1&to=draft', '?to=draft', '?from=2&to=1'),
    },
    { weight: 1, arbitrary: fc.constantFrom('?from=0', '?to=latest', '?from=1&from=2', '?from=1000000') },
    { weight: 1, arbitrary: query },
  );

  // The trail API: export filters (each one valid, odd, or mutated away), job ids, nothing else.
  const day = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: -40, max: 3 }).map(inDays) },
    { weight: 1, arbitrary: fc.constantFrom('2024-02-29', '2000-01-01', '9999-12-31', '0000-01-01') },
  );
  const badDay = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '2024-02-30',
        '2024-13-01',
        '2024-1-1',
        'tomorrow',
        '',
        '+020000-01-01',
        `${inDays(0)}T00:00:00Z`,
        '２０２４-01-01',
      ),
    },
    { weight: 1, arbitrary: anyValue },
  );
  const range: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({}) },
    {
      weight: 6,
      arbitrary: fc.tuple(day, day).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(day, day).map(([a, b]) => (a <= b ? { from: b, to: a } : { from: a, to: b })),
    },
    { weight: 1, arbitrary: day.map((from) => ({ from })) },
    { weight: 1, arbitrary: day.map((to) => ({ to })) },
    // The longest range taken (3660 days), one day too long, and far too long.
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { from: inDays(-3659), to: inDays(0) },
        { from: inDays(-3660), to: inDays(0) },
        { from: '0000-01-01', to: '9999-12-31' },
      ),
    },
    { weight: 1, arbitrary: fc.record({ from: badDay, to: badDay }, { requiredKeys: [] }) },
  );
  // Mostly a request that starts an export (each filter on its own or with others), else mutated.
  const validExport = fc
    .tuple(
      fc.record(
        {
          format: fc.constantFrom('csv', 'jsonl'),
          projectId: fc.constantFrom(...projectIds),
          gateId: fc.constantFrom('business-case', 'scoping', 'close-out'),
          approver: fc.constantFrom('sam.sponsor@example.com', 'SAM.Sponsor@Example.com'),
          action: fc.constantFrom('decision.recorded', 'request.refused', 'trail.exported'),
        },
        { requiredKeys: ['format'] },
      ),
      fc.oneof(
        fc.constant({}),
        fc.tuple(day, day).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a })),
      ),
    )
    .map(([filters, dates]) => ({ ...filters, ...dates }) as Record<string, unknown>);
  const oddExport = mutated(
    fc
      .tuple(
        fc.record(
          {
            format: usually(
              fc.constantFrom('csv', 'jsonl'),
              fc.constantFrom('xml', 'CSV', 'json', '', 'csv '),
            ),
            projectId: usually(fc.constantFrom(...projectIds), projectId),
            gateId: usually(
              fc.constantFrom('business-case', 'scoping', 'launch', 'close-out'),
              fc.oneof(fc.constantFrom('Business-Case', '-x', 'a'.repeat(64), '__proto__'), nastyString),
            ),
            approver: usually(
              fc.constantFrom(
                'sam.sponsor@example.com',
                'SAM.Sponsor@Example.com',
                'casey.compliance@example.com',
              ),
              email,
            ),
            action: usually(
              fc.constantFrom('decision.recorded', 'request.refused', 'trail.exported', 'gate.opened'),
              fc.oneof(
                fc.constantFrom('Decision.recorded', 'decision', `a.${'b'.repeat(70)}`, '.x'),
                nastyString,
              ),
            ),
          },
          { requiredKeys: ['format'] },
        ),
        range,
      )
      .map(([filters, dates]) => ({ ...filters, ...dates }) as Record<string, unknown>),
  );
  const exportRequest = fc.oneof({ weight: 2, arbitrary: validExport }, { weight: 3, arbitrary: oddExport });
  const jobId = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...f.jobIds) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...f.jobIds).map((id) => id.toUpperCase()) },
    // A project's id is no job's.
    { weight: 1, arbitrary: fc.constantFrom(...projectIds) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...f.jobIds), fc.constantFrom('x', ' ', '/', '\u0000', '%', '\ud800', '.csv'))
        .map(([id, c]) => `${id}${c}`),
    },
    { weight: 2, arbitrary: junkValue },
  );

  const hash = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...f.packageHashes) },
    { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{64}$/) },
    { weight: 1, arbitrary: nastyString },
  );
  const mostly = <T>(usual: T, ...odd: T[]) =>
    fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
  const decisionForm = fc.oneof(
    fc.record({
      packageHash: hash,
      outcome: fc.constant('go'),
      'mustMeet-strategic-fit': mostly('yes', 'no', 'YES', ''),
      'score-value': mostly('8', '10', '0', '11', '-1', '8.5', 'abc', '', '0x8', '1e1'),
      'score-feasibility': mostly('7', '1e3', ' 7 ', 'Infinity', '-0'),
    }),
    fc.record({
      packageHash: hash,
      outcome: fc.constantFrom(...OUTCOMES, 'GO', 'maybe', ''),
      comment: fc.oneof(
        { weight: 3, arbitrary: fc.constant('Needs more work.') },
        { weight: 1, arbitrary: nastyString },
      ),
      'mustMeet-strategic-fit': mostly('yes', 'no', 'maybe'),
      recycleTo: fc.constantFrom('scoping', 'business-case', 'launch', '__proto__', ''),
    }),
    fc.record({
      packageHash: hash,
      outcome: fc.constant('conditional-go'),
      comment: fc.constant('Conditional.'),
      'mustMeet-strategic-fit': fc.constant('yes'),
      'score-value': fc.constant('8'),
      'score-feasibility': fc.constant('8'),
      'condition-0': fc.oneof(
        { weight: 3, arbitrary: fc.constant('Security review') },
        { weight: 1, arbitrary: nastyString },
      ),
      'condition-0-due': mostly(inDays(30), inDays(-3), '2024-02-30', 'tomorrow', '', '+020000-01-01'),
      'condition-0-owner': mostly(
        '',
        'riley.requester@example.com',
        'not an email',
        'sam.sponsor@example.com',
      ),
    }),
    fc.record({
      intent: mostly('delegate', 'Delegate', ''),
      delegateTo: email,
      delegateReason: reason,
    }),
  );
  const formShape = mutated(
    decisionForm,
    fc.oneof(nastyString, fc.constantFrom('yes', 'no', 'go', 'delegate')),
  ).chain((form) =>
    fc
      .array(
        fc.tuple(
          fc
            .constantFrom('score-', 'mustMeet-', 'check-', 'condition-')
            .chain((prefix) =>
              fc
                .oneof(
                  fc.constantFrom(...PROTO_KEYS),
                  fc.string({ maxLength: 6 }),
                  fc.constantFrom('0', '99', '-1', 'NaN'),
                )
                .map((s) => `${prefix}${s}`),
            ),
          fc.oneof(fc.constantFrom('yes', '5', ''), nastyString),
        ),
        { maxLength: 2 },
      )
      .map((extra) => {
        const out = { ...form };
        for (const [k, v] of extra)
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        return out;
      }),
  );
  const getBody = fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: jsonBody(anyValue) },
  );

  return {
    'GET /a/{secret}': { params: { secret }, likely: ['sponsor'], contentType: 'text/plain', body: getBody },
    'HEAD /a/{secret}': { params: { secret }, likely: ['sponsor'], contentType: 'text/plain', body: getBody },
    'POST /a/{secret}': {
      params: { secret },
      likely: ['sponsor'],
      contentType: 'application/x-www-form-urlencoded',
      body: formBody(formShape),
    },
    'POST /proposals': {
      params: {},
      likely: ['requester', 'manager', 'strangerRequester'],
      contentType: 'application/json',
      body: jsonBody(proposal),
    },
    'GET /projects/{projectId}': {
      params: { projectId },
      likely: ['requester', 'sponsor', 'compliance', 'pmoAdmin'],
      contentType: 'application/json',
      body: getBody,
    },
    'POST /projects/{projectId}/submissions': {
      params: { projectId },
      likely: ['requester', 'requesterAlias', 'manager'],
      contentType: 'application/json',
      body: jsonBody(submission),
    },
    'POST /projects/{projectId}/conditions/{conditionId}/met': {
      params: { projectId, conditionId },
      likely: ['requester', 'pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(met),
    },
    'POST /projects/{projectId}/conditions/{conditionId}/waive': {
      params: { projectId, conditionId },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(reasonOnly),
    },
    'POST /projects/{projectId}/resume': {
      params: { projectId },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(reasonOnly),
    },
    'POST /projects/{projectId}/gates/{sequence}/reassign': {
      params: { projectId, sequence },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(reassignment),
    },
    'POST /trail/exports': {
      params: {},
      likely: ['compliance', 'pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(exportRequest),
    },
    'POST /trail/verifications': {
      params: {},
      likely: ['compliance', 'pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(mutated(fc.constant<Record<string, unknown>>({}))),
    },
    'GET /trail/jobs/{jobId}': {
      params: { jobId },
      likely: ['compliance', 'pmoAdmin'],
      contentType: 'application/json',
      body: getBody,
    },
    'GET /trail/public-key': {
      params: {},
      likely: ['compliance', 'pmoAdmin'],
      contentType: 'application/json',
      body: getBody,
    },
    'GET /definitions': {
      params: {},
      likely: ['pmoAdmin', 'compliance'],
      contentType: 'application/json',
      body: getBody,
    },
    'GET /definitions/{definitionId}': {
      params: { definitionId },
      likely: ['pmoAdmin', 'compliance'],
      contentType: 'application/json',
      body: getBody,
    },
    'GET /definitions/{definitionId}/versions/{version}': {
      params: { definitionId, version: definitionVersion },
      likely: ['pmoAdmin', 'compliance'],
      contentType: 'application/json',
      body: getBody,
    },
    'GET /definitions/{definitionId}/diff': {
      params: { definitionId },
      likely: ['pmoAdmin', 'compliance'],
      contentType: 'application/json',
      body: getBody,
      query: diffQuery,
    },
    'GET /definitions/{definitionId}/draft': {
      params: { definitionId },
      likely: ['pmoAdmin', 'compliance'],
      contentType: 'application/json',
      body: getBody,
    },
    'PUT /definitions/{definitionId}/draft': {
      params: { definitionId },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(draftBody),
    },
    'POST /definitions/{definitionId}/draft': {
      params: { definitionId },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(fromVersion),
    },
    'POST /definitions/validate': {
      params: {},
      likely: ['pmoAdmin', 'compliance'],
      contentType: 'application/json',
      body: jsonBody(mutated(fc.record({ definition: definitionBody }))),
    },
    'POST /definitions/dry-run': {
      params: {},
      likely: ['pmoAdmin', 'compliance'],
      contentType: 'application/json',
      body: jsonBody(dryRunBody),
    },
    'POST /definitions/{definitionId}/publish': {
      params: { definitionId },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(publication),
    },
    'POST /definitions/{definitionId}/migrations': {
      params: { definitionId },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(migration),
    },
    'GET /projects/{projectId}/record': {
      params: { projectId },
      likely: ['compliance', 'pmoAdmin'],
      contentType: 'application/json',
      body: getBody,
    },
    'POST /projects/{projectId}/gates/{sequence}/remind': {
      params: { projectId, sequence },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(reminder),
    },
    'POST /projects/{projectId}/gates/{sequence}/extend': {
      params: { projectId, sequence },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(extension),
    },
    'POST /projects/{projectId}/hold': {
      params: { projectId },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(reasonOnly),
    },
    'POST /projects/{projectId}/cancel': {
      params: { projectId },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(reasonOnly),
    },
    'GET /console': { params: {}, likely: ['pmoAdmin'], contentType: 'text/plain', body: getBody },
    'GET /console/{asset}': {
      params: { asset: consoleAsset },
      likely: ['pmoAdmin'],
      contentType: 'text/plain',
      body: getBody,
    },
    'GET /pending': {
      params: {},
      likely: ['pmoAdmin', 'compliance'],
      contentType: 'application/json',
      body: getBody,
      query: queryOf(pendingQuery),
    },
    'GET /people': {
      params: {},
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: getBody,
      query: queryOf(pageParams),
    },
    'GET /people/{email}': {
      params: { email: person },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: getBody,
    },
    'PUT /people/{email}': {
      params: { email: person },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(entry),
    },
    'PUT /people/{email}/away': {
      params: { email: person },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(away),
    },
    'POST /people/{email}/back': {
      params: { email: person },
      likely: ['pmoAdmin'],
      contentType: 'application/json',
      body: jsonBody(reasonOnly),
    },
  };
}

/** The route names its path parameters; the fuzz case must generate exactly those. */
const paramsOf = (routeKey: string) => [...routeKey.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

function requests(route: (typeof HTTP_ROUTES)[number], c: RouteCase, f: Fixture): fc.Arbitrary<FuzzRequest> {
  const method = route.routeKey.split(' ')[0] ?? 'GET';
  const segments = fc.record(
    Object.fromEntries(Object.entries(c.params).map(([name, value]) => [name, segment(value)])),
  ) as fc.Arbitrary<Record<string, string>>;
  return fc
    .record({
      segments,
      query: c.query ?? query,
      auth: authorization(f.tokens, f.expiredToken, c.likely),
      contentType: contentType(c.contentType),
      idempotencyKey,
      extra: extraHeaders,
      body: c.body,
    })
    .map(({ segments, query, auth, contentType, idempotencyKey, extra, body }) => {
      const headers: [string, string][] = [];
      if (auth.header !== undefined) headers.push(['authorization', headerSafe(auth.header, 4_000)]);
      if (contentType !== undefined) headers.push(['content-type', contentType]);
      if (idempotencyKey !== undefined) headers.push(['idempotency-key', idempotencyKey]);
      headers.push(...extra);
      // Only the first authorization header counts; a later one does not sign anyone in.
      return { routeKey: route.routeKey, method, segments, query, headers, body, signedIn: auth.who };
    });
}

// ---- the tests ---------------------------------------------------------------------------------------

describe('fuzzing every HTTP route against the local runtime', () => {
  it('has a fuzz case for every route, generating exactly its path parameters', () => {
    const known = cases(fixture);
    const missing = HTTP_ROUTES.map((r) => r.routeKey).filter((k) => !(k in known));
    expect(missing).toEqual([]);
    for (const route of HTTP_ROUTES)
      expect(Object.keys(known[route.routeKey]?.params ?? {}).sort(), route.routeKey).toEqual(
        paramsOf(route.routeKey).sort(),
      );
    expect(Object.keys(known).sort()).toEqual(HTTP_ROUTES.map((r) => r.routeKey).sort());
  });

  for (const [i, route] of HTTP_ROUTES.entries()) {
    it(`${route.routeKey}: never a 5xx, no internals shown, a refusal writes exactly one trail entry`, async () => {
      const c = cases(fixture)[route.routeKey];
      if (!c) throw new Error(`no fuzz case for ${route.routeKey}`);
      current = await snapshot();
      // No shrinking: each request changes the table the next one meets, so the first failure is the one to read.
      const property = fc.asyncProperty(requests(route, c, fixture), (request) => exercise(request));
      try {
        await fc.assert(property, { numRuns: RUNS, seed: SEED + i, endOnFailure: true });
      } catch (error) {
        throw new Error(
          `FUZZ_SEED=${SEED} replays this run.\n${error instanceof Error ? error.message : error}`,
        );
      }
    }, 120_000);
  }

  it('leaves every trail chain intact: each still verifies against its head', async () => {
    const chains = [...(await snapshot()).values()]
      .map((v) => unmarshall(v.item))
      .filter((item) => item.sk === 'HEAD' && String(item.pk).startsWith('CHAIN#'))
      .map((item) => String(item.pk).slice('CHAIN#'.length));
    expect(chains).toEqual(expect.arrayContaining([CHAINS.access, CHAINS.intake]));
    for (const chain of chains) {
      const verified = verifyChain(
        await t.repository.listTrail(chain),
        await t.repository.getTrailHead(chain),
      );
      expect(verified, chain).toMatchObject({ ok: true });
    }
  });
});
