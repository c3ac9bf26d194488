// The decision page and a burst of decisions on the local runtime, for `npm run bench` (DESIGN.md
// "Budgets": the local runtime decides at ≥0.5× the rate of bare DynamoDB Local writes of the same items).
// Seeds 50 projects through the public routes (POST /proposals, the links from the SES inbox), each with
// gate 1 open to four approvers who must all approve. Then:
// - the decision page: GET /a/{secret} of each of the 200 links, one after another, timed (after a
//   warm-up), with the size of the HTML it answers;
// - the burst: the 200 decisions posted at once. Each decision's committed TransactWriteItems is kept as
//   the handlers sent it (the DynamoDB client's send, wrapped in this process, where the runtime runs its
//   handlers), then the same items are written again straight to DynamoDB Local, at the same concurrency,
//   into fresh tables of the same shape, without their conditions (their guards look at state those
//   tables do not have): the bare rate the runtime's is held to, measured in the same run;
// - lost and duplicated decisions, counted from the tables once every workflow has followed its gate:
//   a receipt whose vote or trail entry is missing is lost; a second vote or entry is duplicated.

import {
  DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { dynamoRepository } from '../functions/adapters/dynamodb/repository.ts';
import type { ProcessDefinition } from '../functions/domain/definition.ts';
import { canonicalEmail, DEFAULT_SUBADDRESS_DOMAINS } from '../functions/domain/email.ts';
import { CHAINS } from '../functions/domain/trail.ts';
import type { Repository } from '../functions/usecases/ports.ts';
import { LOCAL_REGION } from '../infra/local/asl.ts';
import { DEMO_DEFINITION, DEMO_PEOPLE } from '../infra/local/demo.ts';
import { LOCAL_TABLES, type LocalRuntime } from '../infra/local/runtime.ts';
import { readSesStore } from '../infra/local/ses-local.ts';
import { pageAnswers } from '../infra/local/smoke-paths.ts';
import { ensureTables } from '../infra/local/table.ts';
import { type BenchRuntime, startBenchRuntime } from './runtime.ts';
import { median } from './sample.ts';

const PROJECTS = 50;
/** Sponsor, finance, operations and one outside reviewer: 4 × 50 = 200 decisions. */
const APPROVERS = [
  DEMO_PEOPLE.sponsor.email,
  DEMO_PEOPLE.finance.email,
  DEMO_PEOPLE.operations.email,
  'ada.architect@example.com',
];
const PAGE_WARMUP = 5;
const BARE_PASSES = 3;
const RATE_GOAL = 0.5;
const WAIT_MS = 120_000;
const POLL_MS = 250;

/** The demo process whose first gate asks four people at once, all of whom must approve. */
const BURST_PROCESS: ProcessDefinition = (() => {
  const definition = structuredClone(DEMO_DEFINITION);
  definition.id = 'burst';
  const [first] = definition.gates;
  if (first) {
    first.approvers = [{ role: 'sponsor' }, ...APPROVERS.slice(1).map((email) => ({ email }))];
    first.rule = { kind: 'all' };
  }
  return definition;
})();

export interface DecisionBurstResults {
  method: string;
  page: {
    requests: number;
    medianMs: number;
    p90Ms: number;
    minMs: number;
    maxMs: number;
    /** The HTML's size (median over the pages; they differ by title and name only). */
    bytes: number;
    bytesMin: number;
    bytesMax: number;
  };
  seeding: { projects: number; links: number; proposalsMs: number; ms: number };
  burst: {
    decisions: number;
    concurrency: number;
    ms: number;
    perSecond: number;
    statuses: Record<string, number>;
    /** Decision transactions committed during the burst, kept for the bare pass. */
    transactions: number;
    /** The handlers' DynamoDB calls until the last answer (the workflows' follow-ups included), by operation. */
    dynamoCalls: Record<string, number>;
    /** Of those, transactions cancelled by a guard (a vote that lost to another on its gate, a moved chain head). */
    cancelledTransactions: number;
  };
  bare: {
    passes: number;
    transactions: number;
    items: number;
    ms: number[];
    perSecond: number;
    failed: number;
  };
  ratio: number;
  goal: number;
  budget: 'ok' | 'over';
  /** Receipts (200) whose vote or decision trail entry is not in the table. */
  lost: number;
  /** Votes or decision trail entries beyond one per approver and gate. */
  duplicated: number;
  /** Decisions in the table although their post was answered with an error. */
  recordedWithoutReceipt: number;
  gates: { decided: number; followed: number; followedTwice: number; settleMs: number };
  durationMs: number;
}

interface Ballot {
  projectId: string;
  approver: string;
  link: string;
  form?: string;
  status?: number;
}

export async function measureDecisionBurst(
  log: (line: string) => void = console.log,
): Promise<DecisionBurstResults> {
  const started = performance.now();
  const capture = new DecisionCapture();
  let bench: BenchRuntime | undefined;
  let direct: DynamoDBClient | undefined;
  try {
    bench = await startBenchRuntime('burst');
    const rt = bench.runtime;
    log(`decision burst: runtime up in ${sec(performance.now() - started)} s`);
    direct = new DynamoDBClient({
      endpoint: rt.dynamoDbEndpoint,
      region: LOCAL_REGION,
      credentials: rt.dynamoDbCredentials,
    });
    const repository = dynamoRepository(direct, LOCAL_TABLES);
    await repository.publishDefinition(BURST_PROCESS, {
      chain: CHAINS.definition(BURST_PROCESS.id),
      subject: { definitionId: BURST_PROCESS.id },
      at: new Date().toISOString(),
      actor: { type: 'system', id: 'bench' },
      action: 'definition.published',
      definition: { id: BURST_PROCESS.id, version: BURST_PROCESS.version },
      detail: {},
    });

    // 1. Seed: every proposal at once, then every approval mail from the inbox.
    const seedStarted = performance.now();
    const token = await rt.issuer.sign(DEMO_PEOPLE.requester);
    const titles = Array.from({ length: PROJECTS }, (_, i) => `Burst ${String(i + 1).padStart(2, '0')}`);
    const projects = await Promise.all(titles.map((title) => propose(rt, token, title)));
    const proposalsMs = performance.now() - seedStarted;
    const ballots = await mailedLinks(rt, titles, projects);
    const seedMs = performance.now() - seedStarted;
    log(
      `decision burst: ${PROJECTS} projects proposed in ${sec(proposalsMs)} s, their ${ballots.length} links mailed after ${sec(seedMs)} s`,
    );

    // 2. The decision page, one request at a time; each page's form is what the burst posts.
    const first = ballots[0] as Ballot;
    for (let i = 0; i < PAGE_WARMUP; i++) await openPage(first.link);
    const times: number[] = [];
    const sizes: number[] = [];
    for (const ballot of ballots) {
      const t0 = performance.now();
      const page = await openPage(ballot.link);
      times.push(performance.now() - t0);
      sizes.push(Buffer.byteLength(page));
      ballot.form = new URLSearchParams({ ...pageAnswers(page, 'go'), outcome: 'go' }).toString();
    }

    // 3. The burst: every decision posted at once.
    capture.start();
    const burstStarted = performance.now();
    await Promise.all(
      ballots.map(async (ballot) => {
        const response = await fetch(ballot.link, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: ballot.form,
        });
        await response.arrayBuffer();
        ballot.status = response.status;
      }),
    );
    const burstMs = performance.now() - burstStarted;
    const transactions = capture.stop();
    const receipts = ballots.filter((b) => b.status === 200).length;
    const statuses: Record<string, number> = {};
    for (const b of ballots) statuses[String(b.status)] = (statuses[String(b.status)] ?? 0) + 1;
    log(
      `decision burst: ${ballots.length} decisions posted at once, answered in ${sec(burstMs)} s (${JSON.stringify(statuses)})`,
    );

    // 4. Every workflow follows its gate; then the tables are checked.
    const settleStarted = performance.now();
    await settled(repository, projects);
    const settleMs = performance.now() - settleStarted;
    const check = await checkTables(repository, projects, ballots);

    // 5. The same items, written bare, at the same concurrency.
    const bare = await writeBare(direct, transactions);

    const perSecond = receipts / (burstMs / 1000);
    const ratio = bare.perSecond > 0 ? perSecond / bare.perSecond : Number.NaN;
    return {
      method:
        'local runtime (no meter), 50 projects × gate 1 of 4 approvers (rule all) seeded through POST /proposals and the mailed links; ' +
        `page: GET /a/{secret} of each link in turn after ${PAGE_WARMUP} warm-up requests; burst: all 200 POSTs at once, rate = receipts ÷ time to the last answer; ` +
        `bare: each committed decision TransactWriteItems (as the handlers sent it) written again without conditions into fresh tables of the same shape on the same DynamoDB Local, all at once, median of ${BARE_PASSES} passes; ` +
        'lost/duplicated: votes and decision.recorded trail entries per approver and gate, read after every gate was followed',
      page: {
        requests: times.length,
        medianMs: round(median(times)),
        p90Ms: round(percentile(times, 0.9)),
        minMs: round(Math.min(...times)),
        maxMs: round(Math.max(...times)),
        bytes: median(sizes),
        bytesMin: Math.min(...sizes),
        bytesMax: Math.max(...sizes),
      },
      seeding: {
        projects: PROJECTS,
        links: ballots.length,
        proposalsMs: Math.round(proposalsMs),
        ms: Math.round(seedMs),
      },
      burst: {
        decisions: ballots.length,
        concurrency: ballots.length,
        ms: Math.round(burstMs),
        perSecond: round(perSecond),
        statuses,
        transactions: transactions.length,
        dynamoCalls: { ...capture.calls },
        cancelledTransactions: capture.cancelled,
      },
      bare: { passes: BARE_PASSES, ...bare, perSecond: round(bare.perSecond) },
      ratio: round(ratio, 3),
      goal: RATE_GOAL,
      budget: ratio >= RATE_GOAL ? 'ok' : 'over',
      ...check,
      gates: { ...check.gates, settleMs: Math.round(settleMs) },
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    capture.stop();
    direct?.destroy();
    await bench?.stop().catch(() => undefined);
  }
}

/**
 * Keeps each decision transaction the handlers commit: they run in this process, on this
 * DynamoDB client class, so its send is wrapped while a burst runs. Kept only once DynamoDB
 * answered (committed), and only transactions that write a vote. Every call is counted too
 * (by operation, and the cancelled transactions), to show where the burst's time goes.
 */
class DecisionCapture {
  private readonly send = DynamoDBClient.prototype.send;
  private kept: TransactWriteItemsCommandInput[] = [];
  readonly calls: Record<string, number> = {};
  cancelled = 0;

  start(): void {
    const send = this.send;
    const { kept, calls } = this;
    const counted = () => this.cancelled++;
    DynamoDBClient.prototype.send = async function (this: DynamoDBClient, ...args: unknown[]) {
      const [command] = args;
      const operation = (command as object).constructor.name.replace(/Command$/, '');
      calls[operation] = (calls[operation] ?? 0) + 1;
      try {
        const out = await (send as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        if (command instanceof TransactWriteItemsCommand && writesVote(command.input))
          kept.push(command.input);
        return out;
      } catch (error) {
        if (error instanceof TransactionCanceledException) counted();
        throw error;
      }
    } as typeof send;
  }

  stop(): TransactWriteItemsCommandInput[] {
    DynamoDBClient.prototype.send = this.send;
    return this.kept;
  }
}

function writesVote(input: TransactWriteItemsCommandInput): boolean {
  return (input.TransactItems ?? []).some((item) => item.Put?.Item?.type?.S === 'vote');
}

async function propose(rt: LocalRuntime, token: string, title: string): Promise<string> {
  const response = await fetch(`${rt.appUrl}/proposals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title,
      summary: 'A bench proposal.',
      sponsorEmail: DEMO_PEOPLE.sponsor.email,
      processId: BURST_PROCESS.id,
      fields: { estimatedCost: 250000, risk: 'medium' },
    }),
  });
  const text = await response.text();
  if (response.status !== 202)
    throw new Error(`POST /proposals answered ${response.status}: ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { projectId: string }).projectId;
}

/** Waits for each approver's gate 1 mail of each project; one ballot (link) per approver and project. */
async function mailedLinks(rt: LocalRuntime, titles: string[], projects: string[]): Promise<Ballot[]> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const mails = await readSesStore(rt.inboxUrl);
    const ballots: Ballot[] = [];
    titles.forEach((title, i) => {
      for (const approver of APPROVERS) {
        const mail = mails.find(
          (m) => m.destination.to.includes(approver) && m.subject.includes(`${title} — Gate 1 of 3`),
        );
        const href = mail?.body.html?.match(/href="([^"]+\/a\/[^"]+)"/)?.[1];
        if (href)
          ballots.push({ projectId: projects[i] as string, approver, link: href.replace(/&amp;/g, '&') });
      }
    });
    if (ballots.length === titles.length * APPROVERS.length) return ballots;
    if (Date.now() > deadline)
      throw new Error(`only ${ballots.length} of ${titles.length * APPROVERS.length} approval mails arrived`);
    await sleep(POLL_MS);
  }
}

async function openPage(link: string): Promise<string> {
  const response = await fetch(link);
  const page = await response.text();
  if (response.status !== 200) throw new Error(`the decision page answered ${response.status}`);
  return page;
}

/** Until every project has followed its gate 1 decision (the workflows run on after the answers). */
async function settled(repository: Repository, projects: string[]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const gates = await Promise.all(projects.map((id) => repository.getGate(id, 1)));
    if (gates.every((g) => g?.appliedAt)) return;
    if (Date.now() > deadline) {
      const waiting = gates.filter((g) => !g?.appliedAt).length;
      throw new Error(`${waiting} of ${projects.length} gates were never followed`);
    }
    await sleep(POLL_MS);
  }
}

async function checkTables(repository: Repository, projects: string[], ballots: Ballot[]) {
  let lost = 0;
  let duplicated = 0;
  let recordedWithoutReceipt = 0;
  const gates = { decided: 0, followed: 0, followedTwice: 0 };
  for (const projectId of projects) {
    const [votes, trail] = await Promise.all([
      repository.listVotes(projectId, 1),
      repository.listTrail(CHAINS.project(projectId)),
    ]);
    for (const ballot of ballots.filter((b) => b.projectId === projectId)) {
      const who = canonicalEmail(ballot.approver, DEFAULT_SUBADDRESS_DOMAINS);
      const voted = votes.filter((v) => v.approver === who).length;
      const entered = trail.filter((e) => e.action === 'decision.recorded' && e.actor.id === who).length;
      if (ballot.status === 200 && (voted === 0 || entered === 0)) lost++;
      if (ballot.status !== 200 && voted > 0) recordedWithoutReceipt++;
      duplicated += Math.max(0, voted - 1) + Math.max(0, entered - 1);
    }
    const decided = trail.filter((e) => e.action === 'gate.decided').length;
    const followed = trail.filter((e) => e.action === 'gate.followed').length;
    gates.decided += Math.min(decided, 1);
    gates.followed += Math.min(followed, 1);
    gates.followedTwice += Math.max(0, followed - 1);
    duplicated += Math.max(0, decided - 1);
  }
  return { lost, duplicated, recordedWithoutReceipt, gates };
}

/** The kept transactions, written again all at once into fresh tables, BARE_PASSES times. */
async function writeBare(client: DynamoDBClient, transactions: TransactWriteItemsCommandInput[]) {
  if (transactions.length === 0) throw new Error('no decision transaction was kept during the burst');
  const ms: number[] = [];
  const rates: number[] = [];
  let failed = 0;
  for (let pass = 1; pass <= BARE_PASSES; pass++) {
    const tables = { main: `bench-bare-${pass}`, trail: `bench-bare-${pass}-trail` };
    await ensureTables(client, tables);
    const rename: Record<string, string> = {
      [LOCAL_TABLES.main]: tables.main,
      [LOCAL_TABLES.trail]: tables.trail,
    };
    const commands = transactions.map(
      (t) =>
        new TransactWriteItemsCommand({
          TransactItems: (t.TransactItems ?? []).flatMap((item) => unconditional(item, rename)),
        }),
    );
    const t0 = performance.now();
    const results = await Promise.allSettled(commands.map((command) => client.send(command)));
    const passMs = performance.now() - t0;
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    failed += results.length - ok;
    ms.push(Math.round(passMs));
    rates.push(ok / (passMs / 1000));
  }
  const items = transactions.reduce((sum, t) => sum + (t.TransactItems?.length ?? 0), 0);
  return { transactions: transactions.length, items, ms, perSecond: median(rates), failed };
}

/** One step of a kept transaction, into `rename`d tables, without its condition (and what only it used). */
function unconditional(item: TransactWriteItem, rename: Record<string, string>): TransactWriteItem[] {
  const table = (name: string | undefined) => rename[name ?? ''] ?? (name as string);
  if (item.Put) {
    const {
      ConditionExpression: _c,
      ExpressionAttributeNames: _n,
      ExpressionAttributeValues: _v,
      ...put
    } = item.Put;
    return [{ Put: { ...put, TableName: table(put.TableName) } }];
  }
  if (item.Update) {
    const {
      ConditionExpression: _c,
      ExpressionAttributeNames,
      ExpressionAttributeValues,
      ...update
    } = item.Update;
    const names = usedIn(update.UpdateExpression, ExpressionAttributeNames);
    const values = usedIn(update.UpdateExpression, ExpressionAttributeValues);
    return [
      {
        Update: {
          ...update,
          TableName: table(update.TableName),
          ...(names ? { ExpressionAttributeNames: names } : {}),
          ...(values ? { ExpressionAttributeValues: values } : {}),
        },
      },
    ];
  }
  if (item.Delete) {
    const {
      ConditionExpression: _c,
      ExpressionAttributeNames: _n,
      ExpressionAttributeValues: _v,
      ...del
    } = item.Delete;
    return [{ Delete: { ...del, TableName: table(del.TableName) } }];
  }
  // A ConditionCheck writes nothing.
  return [];
}

/** The placeholders (`#f0`, `:v1`) an expression uses, or undefined if none. */
function usedIn<T>(
  expression: string | undefined,
  all: Record<string, T> | undefined,
): Record<string, T> | undefined {
  const used = Object.entries(all ?? {}).filter(([key]) =>
    new RegExp(`${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`).test(expression ?? ''),
  );
  return used.length > 0 ? Object.fromEntries(used) : undefined;
}

export function printDecisionBurst(r: DecisionBurstResults, log: (line: string) => void = console.log): void {
  log('\ndecision page and a burst of decisions (local runtime):');
  log(
    `  decision page GET /a/{secret}: median ${r.page.medianMs} ms (p90 ${r.page.p90Ms}, min ${r.page.minMs}, max ${r.page.maxMs}) ` +
      `over ${r.page.requests} requests; ${r.page.bytes} bytes of HTML (${r.page.bytesMin}–${r.page.bytesMax})`,
  );
  log(
    `  seeding: ${r.seeding.projects} projects through POST /proposals in ${sec(r.seeding.proposalsMs)} s, ` +
      `their ${r.seeding.links} approval links mailed after ${sec(r.seeding.ms)} s`,
  );
  log(
    `  burst: ${r.burst.decisions} decisions posted at once, answered in ${sec(r.burst.ms)} s: ${r.burst.perSecond}/s ` +
      `(answers ${Object.entries(r.burst.statuses)
        .map(([status, n]) => `${status}×${n}`)
        .join(', ')})`,
  );
  const perDecision = (n: number) => (n / r.burst.decisions).toFixed(1);
  log(
    `  handlers' DynamoDB calls per decision during the burst: ${Object.entries(r.burst.dynamoCalls)
      .map(([operation, n]) => `${operation} ${perDecision(n)}`)
      .join(', ')} (${r.burst.cancelledTransactions} transactions cancelled by a guard)`,
  );
  log(
    `  bare DynamoDB Local: the ${r.bare.transactions} decision transactions (${r.bare.items} items) written again at once: ` +
      `${r.bare.perSecond}/s (median of ${r.bare.passes} passes: ${r.bare.ms.map((m) => sec(m)).join(', ')} s${r.bare.failed ? `; ${r.bare.failed} failed` : ''})`,
  );
  log(
    `  ${r.budget === 'ok' ? 'ok' : 'OVER'}: the runtime decides at ${r.ratio}× the bare rate (goal ≥${r.goal}×)`,
  );
  const clean = r.lost === 0 && r.duplicated === 0 && r.recordedWithoutReceipt === 0;
  log(
    `  ${clean ? 'ok' : 'FAIL'}: lost ${r.lost}, duplicated ${r.duplicated}, recorded without a receipt ${r.recordedWithoutReceipt}; ` +
      `gates decided ${r.gates.decided}, followed ${r.gates.followed} (twice: ${r.gates.followedTwice}) within ${sec(r.gates.settleMs)} s of the last answer; ` +
      `step took ${sec(r.durationMs)} s`,
  );
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const sec = (ms: number) => (ms / 1000).toFixed(1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
