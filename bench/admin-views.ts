// What a PMO admin's reads cost, for `npm run bench`: the pending view and the definition dry-run on the
// metered local runtime. Seeds PROJECTS proposals through POST /proposals (each opens gate 1 of the
// standard process), then pages through GET /pending as the PMO admin, PASSES times, timing each page
// and counting its DynamoDB calls, read units and Scans (DESIGN.md: no Scan in any request path). The
// same page of the listings index read bare (one Query, no handler) is timed alongside: the ratio says
// what the view adds (a gate and its requests read per project, the API, the JWT check).
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { keys, LISTINGS_INDEX } from '../functions/adapters/keys.ts';
import { DEMO_PEOPLE } from '../infra/local/demo.ts';
import { LOCAL_TABLES, type LocalRuntime } from '../infra/local/runtime.ts';
import { startBenchRuntime } from './runtime.ts';
import { median } from './sample.ts';

const PROJECTS = 60;
const PAGE = 20;
const PASSES = 5;
const DRY_RUNS = 40;
const WAIT_MS = 120_000;

export interface AdminViewsResults {
  method: string;
  projects: number;
  pageSize: number;
  pending: {
    pages: number;
    medianPageMs: number;
    callsPerPage: number;
    readUnitsPerPage: number;
    scans: number;
  };
  pendingByApprover: { medianPageMs: number; callsPerPage: number; scans: number };
  bareIndexPage: { medianMs: number };
  /** Pending page time over a bare index page of the same size. */
  ratio: number;
  dryRun: { calls: number; medianMs: number; scans: number };
}

export async function measureAdminViews(
  log: (line: string) => void = console.log,
): Promise<AdminViewsResults> {
  const started = performance.now();
  const bench = await startBenchRuntime('admin', { meter: true });
  const rt = bench.runtime;
  const direct = new DynamoDBClient({
    endpoint: rt.dynamoDbEndpoint,
    region: 'us-east-1',
    credentials: rt.dynamoDbCredentials,
  });
  try {
    const meter = rt.meter;
    if (!meter) throw new Error('the runtime was started without its meter');
    log(`admin views: metered runtime up in ${sec(performance.now() - started)} s`);
    const requester = await rt.issuer.sign(DEMO_PEOPLE.requester);
    const admin = await rt.issuer.sign(DEMO_PEOPLE.pmoAdmin);
    for (let i = 0; i < PROJECTS; i += 10)
      await Promise.all(
        Array.from({ length: Math.min(10, PROJECTS - i) }, (_, j) =>
          propose(rt, requester, `Pending ${i + j + 1}`),
        ),
      );
    await untilInReview(rt, admin);
    log(`admin views: ${PROJECTS} projects at gate 1 in ${sec(performance.now() - started)} s`);

    const pageMs: number[] = [];
    let pages = 0;
    let calls = 0;
    let readUnits = 0;
    let scans = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      let cursor: string | undefined;
      do {
        const before = meter.snapshot().dynamodb;
        const t0 = performance.now();
        const page = await getJson<{ items: unknown[]; cursor?: string }>(
          rt,
          admin,
          `/pending?status=in-review&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        pageMs.push(performance.now() - t0);
        const after = meter.snapshot().dynamodb;
        pages++;
        calls += after.calls - before.calls;
        readUnits += after.readUnits - before.readUnits;
        scans += after.scans - before.scans;
        cursor = page.cursor;
      } while (cursor);
    }

    const byApproverMs: number[] = [];
    const byApprover = { calls: 0, scans: 0, pages: 0 };
    for (let pass = 0; pass < PASSES; pass++) {
      const before = meter.snapshot().dynamodb;
      const t0 = performance.now();
      await getJson(
        rt,
        admin,
        `/pending?approver=${encodeURIComponent(DEMO_PEOPLE.sponsor.email)}&limit=${PAGE}`,
      );
      byApproverMs.push(performance.now() - t0);
      const after = meter.snapshot().dynamodb;
      byApprover.calls += after.calls - before.calls;
      byApprover.scans += after.scans - before.scans;
      byApprover.pages++;
    }

    const bareMs: number[] = [];
    for (let i = 0; i < PASSES * 3; i++) {
      const t0 = performance.now();
      await direct.send(
        new QueryCommand({
          TableName: LOCAL_TABLES.main,
          IndexName: LISTINGS_INDEX,
          KeyConditionExpression: 'gsi3pk = :listing',
          ExpressionAttributeValues: { ':listing': { S: keys.listing.active('in-review') } },
          Limit: PAGE,
        }),
      );
      bareMs.push(performance.now() - t0);
    }

    const dryRunMs: number[] = [];
    const dryBefore = meter.snapshot().dynamodb;
    for (let i = 0; i < DRY_RUNS; i++) {
      const t0 = performance.now();
      await postJson(rt, admin, '/definitions/dry-run', {
        definitionId: 'standard',
        proposal: {
          sponsorEmail: DEMO_PEOPLE.sponsor.email,
          fields: { estimatedCost: 20000 + i, risk: 'low' },
        },
      });
      dryRunMs.push(performance.now() - t0);
    }
    const dryAfter = meter.snapshot().dynamodb;

    const medianPageMs = round(median(pageMs));
    const bare = round(median(bareMs));
    return {
      method:
        `metered local runtime; ${PROJECTS} projects at gate 1 seeded through POST /proposals; GET /pending?status=in-review ` +
        `in pages of ${PAGE}, ${PASSES} passes, against one bare Query of the listings index page of the same size`,
      projects: PROJECTS,
      pageSize: PAGE,
      pending: {
        pages,
        medianPageMs,
        callsPerPage: round(calls / pages),
        readUnitsPerPage: round(readUnits / pages),
        scans,
      },
      pendingByApprover: {
        medianPageMs: round(median(byApproverMs)),
        callsPerPage: round(byApprover.calls / byApprover.pages),
        scans: byApprover.scans,
      },
      bareIndexPage: { medianMs: bare },
      ratio: round(medianPageMs / bare),
      dryRun: { calls: DRY_RUNS, medianMs: round(median(dryRunMs)), scans: dryAfter.scans - dryBefore.scans },
    };
  } finally {
    direct.destroy();
    await bench.stop();
  }
}

export function printAdminViews(r: AdminViewsResults, log: (line: string) => void = console.log): void {
  log(`\nPMO admin reads (${r.method}):`);
  log(
    `  pending view: ${r.pending.pages} pages, median ${r.pending.medianPageMs} ms a page; ` +
      `${r.pending.callsPerPage} DynamoDB calls and ${r.pending.readUnitsPerPage} read units a page; Scans ${r.pending.scans}`,
  );
  log(
    `  bare index page: median ${r.bareIndexPage.medianMs} ms → the view takes ${r.ratio}× a bare page of its index`,
  );
  log(
    `  pending by approver: median ${r.pendingByApprover.medianPageMs} ms a page, ${r.pendingByApprover.callsPerPage} calls; Scans ${r.pendingByApprover.scans}`,
  );
  log(
    `  definition dry-run: ${r.dryRun.calls} calls, median ${r.dryRun.medianMs} ms; Scans ${r.dryRun.scans}`,
  );
}

async function propose(rt: LocalRuntime, token: string, title: string): Promise<void> {
  await postJson(rt, token, '/proposals', {
    title,
    summary: 'A bench proposal.',
    sponsorEmail: DEMO_PEOPLE.sponsor.email,
    processId: 'standard',
    fields: { estimatedCost: 250000, risk: 'medium' },
  });
}

/** Until every seeded project is in review (gate 1 opened), bounded. */
async function untilInReview(rt: LocalRuntime, admin: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    let listed = 0;
    let cursor: string | undefined;
    do {
      const page = await getJson<{ items: unknown[]; cursor?: string }>(
        rt,
        admin,
        `/pending?status=in-review&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      listed += page.items.length;
      cursor = page.cursor;
    } while (cursor);
    if (listed >= PROJECTS) return;
    if (Date.now() > deadline) throw new Error(`only ${listed} of ${PROJECTS} projects reached gate 1`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function getJson<T>(rt: LocalRuntime, token: string, path: string): Promise<T> {
  const response = await fetch(`${rt.appUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

async function postJson(rt: LocalRuntime, token: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${rt.appUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300)
    throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
}

const sec = (ms: number) => (ms / 1000).toFixed(1);
const round = (n: number) => Math.round(n * 100) / 100;
