// Export and verification rates for `npm run bench` (DESIGN.md "Budgets": an export streams at ≥0.9× the
// rate of a raw Query+unmarshall of the same items, with under 64 MiB of memory growth for 100,000
// entries). On a fresh in-memory DynamoDB Local: 100,000 entries (1,000 project chains × 100, chained
// with appendAll, written as Table.withTrail lays them out: by-day index attributes on the entries, the
// heads with their index attributes), anchored with a LocalSigner and a FileAnchorStore. Then, on the
// same items and the same access paths: a raw Query+unmarshall, verifyTrail, and the export job
// (runTrailJob into a FileExportStore: JSON Lines and CSV of every chain, JSON Lines of a date range
// over the by-day index). The raw passes run before and after the measured phases (DynamoDB Local keeps
// getting faster as its JIT warms up, and its speed wanders); each phase is held to their mean.
// Runs in a child process started with --expose-gc, so each phase starts after a full GC and no
// earlier bench step's heap is in the figures; memory is sampled every 20 ms.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { dynamoRepository } from '../functions/adapters/dynamodb/repository.ts';
import { toAttr } from '../functions/adapters/dynamodb/table.ts';
import { keys, TRAIL_BY_DAY_INDEX } from '../functions/adapters/keys.ts';
import { FileAnchorStore, FileExportStore, LocalSigner } from '../functions/adapters/trail/local.ts';
import type { ExportRequest } from '../functions/domain/export-format.ts';
import { appendAll, CHAINS, type TrailActor, type TrailEvent } from '../functions/domain/trail.ts';
import { anchorTrail } from '../functions/usecases/anchoring.ts';
import type { TrailJob } from '../functions/usecases/model.ts';
import type { Log } from '../functions/usecases/ports.ts';
import { type JobPorts, runTrailJob } from '../functions/usecases/trail-jobs.ts';
import { verifyTrail } from '../functions/usecases/verification.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../infra/local/dynamodb-local.ts';
import { ensureTables } from '../infra/local/table.ts';

/** The budget's count (1,000 chains × 100): not to be lowered to make the step faster. */
const CHAINS_COUNT = 1_000;
const PER_CHAIN = 100;
const ENTRIES = CHAINS_COUNT * PER_CHAIN;
const RATE_GOAL = 0.9;
const MEMORY_GOAL_MIB = 64;
const SAMPLE_EVERY_MS = 20;
/** As the trail adapter reads (functions/adapters/dynamodb/trail.ts). */
const PAGE = 500;
const BATCH = 25;
/** Seeding is bound by DynamoDB Local's CPU (2,000–2,600 items/s on 2 cores): more writers do not help. */
const SEED_WRITERS = 4;
const CHILD_FLAG = '--trail-rates-child';
const CHILD_TIMEOUT_MS = 300_000;
const TABLES = { main: 'bench-main', trail: 'bench-trail' };
/** Projects start 8 hours apart from here; a project's entries are 2 hours apart (342 days in all). */
const EPOCH = Date.parse('2025-01-06T08:00:00Z');
const PROJECT_EVERY_MS = 8 * 3_600_000;
const ENTRY_EVERY_MS = 2 * 3_600_000;
const MIB = 1024 * 1024;
const CLOCK_TICKS = 100;

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface Rate {
  what: string;
  entries: number;
  ms: number;
  perSecond: number;
  /** CPU seconds of this process and of DynamoDB Local (java) during the pass; null where unknown. */
  nodeCpuS: number | null;
  dynamoCpuS: number | null;
  memory: Memory;
}

export interface Memory {
  /** Peak minus the value right after the full GC before the phase. */
  rssGrowthMiB: number;
  heapUsedGrowthMiB: number;
  samples: number;
}

export interface Measured extends Rate {
  /** The raw access path it is held to (the mean of its passes before and after). */
  baseline: string;
  baselinePerSecond: number;
  ratio: number;
  rateBudget: 'ok' | 'over';
  memory: Memory;
  memoryBudget: 'ok' | 'over';
  bytes?: number;
}

export interface TrailRatesResults {
  method: string;
  entries: number;
  chains: number;
  days: number;
  goals: { rateRatio: number; memoryGrowthMiB: number };
  gcForced: boolean;
  seed: Rate & { writers: number; batch: number; anchorMs: number };
  raw: Rate[];
  measured: Measured[];
  /** Process warnings the child saw (a listener leak, say), each once. */
  warnings: string[];
  ok: boolean;
  durationMs: number;
}

interface Timed<T> {
  value: T;
  ms: number;
  nodeCpuS: number;
  dynamoCpuS: number | null;
  memory: Memory;
}

const METHOD =
  'fresh in-memory DynamoDB Local; 1,000 project chains × 100 entries written with BatchWriteItem and ' +
  'anchored; raw = Query (same key condition, ConsistentRead and Limit 500 as the adapter) + unmarshall, ' +
  'one page after the other, on the access path of the row it is compared with, passes before and after the ' +
  'measured phases, the rate held to = their mean; export = runTrailJob into a FileExportStore; verify = ' +
  'verifyTrail; each measured phase starts after global.gc() in a child started with --expose-gc; memory ' +
  'growth = peak of process.memoryUsage() sampled every 20 ms minus the value after that GC';

/** Runs the measurement in a child process (--expose-gc) and returns its figures. */
export async function measureTrailRates(
  log: (line: string) => void = console.log,
): Promise<TrailRatesResults> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-bench-trail-'));
  const out = join(dir, 'results.json');
  try {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', THIS_FILE, CHILD_FLAG, out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) log(line);
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), CHILD_TIMEOUT_MS);
    const code = await new Promise<number | string | null>((done) => {
      child.once('exit', (c, signal) => done(c ?? signal));
      child.once('error', (error) => done(error.message));
    });
    clearTimeout(timer);
    if (pending) log(pending);
    if (code !== 0) {
      const why = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
      throw new Error(`the trail rates child ended with ${code}: ${why}`);
    }
    return JSON.parse(await readFile(out, 'utf8')) as TrailRatesResults;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function printTrailRates(r: TrailRatesResults): void {
  console.log(
    `\ntrail export and verification: ${r.entries.toLocaleString('en')} entries in ${r.chains} chains over ` +
      `${r.days} days (seeded in ${sec(r.seed.ms)} s, ${Math.round(r.seed.perSecond)}/s; anchored in ` +
      `${sec(r.seed.anchorMs)} s)`,
  );
  const header = [
    'what',
    'entries',
    's',
    'entries/s',
    `× raw mean (≥${r.goals.rateRatio})`,
    'node cpu s',
    'ddb cpu s',
    'rss +MiB',
    'heap +MiB',
    `budget (<${r.goals.memoryGrowthMiB} MiB)`,
  ];
  const cpu = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const lines = [
    ...r.raw.map((x) => [
      x.what,
      String(x.entries),
      sec(x.ms),
      String(Math.round(x.perSecond)),
      '',
      cpu(x.nodeCpuS),
      cpu(x.dynamoCpuS),
      x.memory.rssGrowthMiB.toFixed(1),
      x.memory.heapUsedGrowthMiB.toFixed(1),
      '',
    ]),
    ...r.measured.map((m) => [
      m.what,
      String(m.entries),
      sec(m.ms),
      String(Math.round(m.perSecond)),
      `${m.ratio.toFixed(2)} of ${Math.round(m.baselinePerSecond)}/s`,
      cpu(m.nodeCpuS),
      cpu(m.dynamoCpuS),
      m.memory.rssGrowthMiB.toFixed(1),
      m.memory.heapUsedGrowthMiB.toFixed(1),
      `rate ${m.rateBudget}, memory ${m.memoryBudget}`,
    ]),
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmtLine = (cells: string[]) =>
    cells
      .map((c, i) => {
        if (i === cells.length - 1) return c;
        const w = widths[i] ?? 0;
        return i === 0 || i === 4 ? c.padEnd(w) : c.padStart(w);
      })
      .join('  ');
  console.log(fmtLine(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(fmtLine(line));
  const over = r.measured.filter((m) => m.rateBudget !== 'ok' || m.memoryBudget !== 'ok').map((m) => m.what);
  console.log(
    `${r.ok ? 'ok' : `OVER (${over.join('; ')})`}: goals ≥${r.goals.rateRatio}× the raw rate, ` +
      `<${r.goals.memoryGrowthMiB} MiB growth; GC ${r.gcForced ? 'forced before each phase' : 'not forced (growth includes garbage not yet collected)'}; ` +
      `step took ${sec(r.durationMs)} s`,
  );
  for (const warning of r.warnings) console.log(`warning during the step: ${warning}`);
}

// ---- the child ----

async function child(out: string): Promise<void> {
  const started = performance.now();
  const warnings = new Set<string>();
  process.on('warning', (w) => warnings.add(`${w.name}: ${w.message.split('\n')[0]}`));
  const gc = (globalThis as { gc?: () => void }).gc;
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-bench-trail-data-'));
  let ddb: DynamoDbLocal | undefined;
  let client: DynamoDBClient | undefined;
  try {
    ddb = await startDynamoDbLocal();
    const javaPid = childPid();
    const dynamoCpu = () => (javaPid === undefined ? undefined : cpuSeconds(javaPid));
    client = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const c = client;
    await ensureTables(c, TABLES);
    const repository = dynamoRepository(c, TABLES);
    const log: Log = { info() {}, warn() {}, error() {} };
    const clock = { now: () => new Date() };
    const signer = new LocalSigner(join(dir, 'signing-key.pem'));
    const anchors = new FileAnchorStore(join(dir, 'anchors.jsonl'));
    const exportDir = join(dir, 'exports');
    const ports: JobPorts = {
      repository,
      clock,
      log,
      signer,
      anchors,
      exports: new FileExportStore(exportDir, 'http://127.0.0.1/exports'),
    };

    /** Wall time, CPU time and memory growth of one pass, started after a full GC. */
    const timed = async <T>(run: () => Promise<T>): Promise<Timed<T>> => {
      gc?.();
      const sampler = new MemorySampler();
      const cpu0 = process.cpuUsage();
      const java0 = dynamoCpu();
      const t0 = performance.now();
      const value = await run();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const java1 = dynamoCpu();
      const memory = sampler.stop();
      return {
        memory,
        value,
        ms: round(ms),
        nodeCpuS: round((cpu.user + cpu.system) / 1e6, 2),
        dynamoCpuS: java0 === undefined || java1 === undefined ? null : round(java1 - java0, 2),
      };
    };

    // 1. Seed and anchor (not held to a budget).
    const seeded = await timed(() => seed(c));
    const { chains, days } = seeded.value;
    console.log(`trail rates: seeded ${ENTRIES} entries in ${sec(seeded.ms)} s`);
    const anchoring = await timed(() => anchorTrail({ repository, clock, log, anchors, signer }));
    if (!anchoring.value.anchored || anchoring.value.chains !== CHAINS_COUNT)
      throw new Error(`anchoring did not cover the chains: ${JSON.stringify(anchoring.value)}`);

    // 2. Raw Query+unmarshall, per access path.
    const raw: Rate[] = [];
    const rawPass = async (what: string, path: 'chains' | 'days') => {
      const pass = await timed(() =>
        path === 'chains' ? rawQuery(c, chains, chainInput) : rawQuery(c, days, dayInput),
      );
      if (pass.value !== ENTRIES) throw new Error(`${what}: read ${pass.value} entries, expected ${ENTRIES}`);
      const { value: entries, ...rest } = pass;
      return { what, entries, perSecond: perSecond(entries, pass.ms), ...rest } satisfies Rate;
    };
    // One pass of each, thrown away: after seeding, DynamoDB Local reads ~1.5× slower until its JIT
    // has warmed up the read path.
    await rawPass('warm-up', 'chains');
    await rawPass('warm-up', 'days');
    raw.push(await rawPass('raw, every chain (before)', 'chains'));
    raw.push(await rawPass('raw, by day (before)', 'days'));
    console.log('trail rates: raw passes done');

    // 3. Verification and exports.
    const phases: {
      what: string;
      path: 'chains' | 'days';
      run: () => Promise<{ entries: number; bytes?: number }>;
    }[] = [];
    const exportJob = async (request: ExportRequest) => {
      const job: TrailJob = {
        jobId: randomUUID(),
        kind: 'export',
        status: 'running',
        request,
        requestedBy: { type: 'person', id: 'compliance@example.com', role: 'compliance' },
        requestedAt: clock.now().toISOString(),
      };
      await repository.putJob(job);
      const result = await runTrailJob(ports, job.jobId);
      const done = await repository.getJob(job.jobId);
      if (result.status !== 'done' || !done?.manifest || !done.files)
        throw new Error(`export ${job.jobId} ended ${result.status}: ${done?.error ?? ''}`);
      const bytes = (await stat(join(exportDir, done.files.data))).size;
      return { entries: done.manifest.manifest.entries.count, bytes };
    };
    // Verification first, while the trail holds exactly the seeded entries (each export job trails itself).
    phases.push({
      what: 'verifyTrail',
      path: 'chains',
      run: async () => {
        const verification = await verifyTrail(ports);
        if (!verification.ok || verification.entries !== ENTRIES)
          throw new Error(`verification: ${JSON.stringify(verification)}`);
        return { entries: verification.entries };
      },
    });
    phases.push({
      what: 'export jsonl, every chain',
      path: 'chains',
      run: () => exportJob({ format: 'jsonl' }),
    });
    phases.push({ what: 'export csv, every chain', path: 'chains', run: () => exportJob({ format: 'csv' }) });
    phases.push({
      what: 'export jsonl, date range',
      path: 'days',
      run: () => exportJob({ format: 'jsonl', from: days[0], to: days[days.length - 1] }),
    });
    const ran: { what: string; path: 'chains' | 'days'; pass: Timed<{ entries: number; bytes?: number }> }[] =
      [];
    for (const phase of phases) {
      const pass = await timed(phase.run);
      ran.push({ what: phase.what, path: phase.path, pass });
      console.log(`trail rates: ${phase.what} in ${sec(pass.ms)} s`);
    }

    // 4. The raw passes again; each phase is held to the mean rate of its path's two passes.
    raw.push(await rawPass('raw, every chain (after)', 'chains'));
    raw.push(await rawPass('raw, by day (after)', 'days'));
    const baselines = {
      chains: { what: 'raw, every chain', perSecond: meanRate(raw, 'raw, every chain') },
      days: { what: 'raw, by day', perSecond: meanRate(raw, 'raw, by day') },
    };
    const measured: Measured[] = ran.map((r) => {
      const base = baselines[r.path];
      const { entries, bytes } = r.pass.value;
      const rate = perSecond(entries, r.pass.ms);
      const ratio = rate / base.perSecond;
      return {
        what: r.what,
        entries,
        ms: r.pass.ms,
        perSecond: rate,
        nodeCpuS: r.pass.nodeCpuS,
        dynamoCpuS: r.pass.dynamoCpuS,
        baseline: base.what,
        baselinePerSecond: round(base.perSecond),
        ratio: round(ratio, 3),
        rateBudget: ratio >= RATE_GOAL ? 'ok' : 'over',
        memory: r.pass.memory,
        memoryBudget: r.pass.memory.rssGrowthMiB < MEMORY_GOAL_MIB ? 'ok' : 'over',
        ...(bytes === undefined ? {} : { bytes }),
      };
    });

    const results: TrailRatesResults = {
      method: METHOD,
      entries: ENTRIES,
      chains: chains.length,
      days: days.length,
      goals: { rateRatio: RATE_GOAL, memoryGrowthMiB: MEMORY_GOAL_MIB },
      gcForced: gc !== undefined,
      seed: {
        what: 'seed (BatchWriteItem)',
        entries: ENTRIES,
        ms: seeded.ms,
        perSecond: perSecond(ENTRIES, seeded.ms),
        nodeCpuS: seeded.nodeCpuS,
        dynamoCpuS: seeded.dynamoCpuS,
        memory: seeded.memory,
        writers: SEED_WRITERS,
        batch: BATCH,
        anchorMs: anchoring.ms,
      },
      raw,
      measured,
      warnings: [...warnings],
      ok: measured.every((m) => m.rateBudget === 'ok' && m.memoryBudget === 'ok'),
      durationMs: round(performance.now() - started),
    };
    await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    client?.destroy();
    await ddb?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the chains straight to the trail table, laid out as Table.withTrail writes them, in parallel batches. */
async function seed(client: DynamoDBClient): Promise<{ chains: string[]; days: string[] }> {
  const chains: string[] = [];
  const days = new Set<string>();
  // Built lazily, batch by batch, as the writers take them.
  function* batches(): Generator<WriteRequest[]> {
    let batch: WriteRequest[] = [];
    for (let p = 0; p < CHAINS_COUNT; p++) {
      const projectId = uuidFor(p);
      const chain = CHAINS.project(projectId);
      chains.push(chain);
      const entries = appendAll(undefined, lifecycle(projectId, p));
      const last = entries[entries.length - 1];
      if (!last) continue;
      const items: Record<string, unknown>[] = entries.map((entry) => {
        days.add(entry.at.slice(0, 10));
        return {
          ...keys.trailEntry(chain, entry.seq),
          ...keys.trailDay(entry.at, chain, entry.seq),
          type: 'trail',
          ...entry,
        };
      });
      items.push({
        ...keys.trailHead(chain),
        ...keys.trailHeadIndex(chain),
        type: 'trail-head',
        chain,
        seq: last.seq,
        hash: last.hash,
        at: last.at,
      });
      for (const item of items) {
        batch.push({ PutRequest: { Item: toAttr(item) } });
        if (batch.length === BATCH) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }
  const source = batches();
  const writer = async () => {
    for (let next = source.next(); !next.done; next = source.next()) {
      let pending: WriteRequest[] = next.value;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 10) throw new Error('seeding: items still unprocessed after 10 attempts');
        const result = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [TABLES.trail]: pending } }),
        );
        pending = result.UnprocessedItems?.[TABLES.trail] ?? [];
        if (pending.length > 0) await new Promise((done) => setTimeout(done, 20 * attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: SEED_WRITERS }, writer));
  return { chains: chains.sort(), days: [...days].sort() };
}

/** A project's 100 entries, shaped as the use cases write them: intake, gates opened, mail, votes, decisions. */
function lifecycle(projectId: string, p: number): TrailEvent[] {
  const chain = CHAINS.project(projectId);
  const definition = { id: 'stage-gate', version: 1 + (p % 3) };
  const start = EPOCH + p * PROJECT_EVERY_MS;
  const sponsor = `sponsor${p % 37}@example.com`;
  const approvers = [`approver${p % 11}@example.com`, `approver${(p + 5) % 11}@example.com`];
  const gateReview: TrailActor = { type: 'system', id: 'gate-review' };
  const source = { ip: `203.0.113.${p % 250}`, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' };
  const events: TrailEvent[] = [];
  for (let i = 0; events.length < PER_CHAIN; i++) {
    const at = new Date(start + i * ENTRY_EVERY_MS).toISOString();
    const sequence = 1 + Math.floor(i / 6);
    const gate = { gateId: `gate-${sequence}`, sequence };
    const packageHash = sha(`${projectId}/${sequence}`);
    const approver = approvers[i % 2] as string;
    const base = { chain, at, definition };
    switch (i % 6) {
      case 0:
        events.push({
          ...base,
          subject: { projectId, ...(i === 0 ? {} : gate) },
          actor: { type: 'person', id: sponsor, name: `Sponsor ${p % 37}`, role: 'sponsor' },
          action: i === 0 ? 'proposal.submitted' : 'stage.submitted',
          source,
          detail: {
            title: `Project ${p}: replace the packaging unit of line ${p % 9}`,
            summary: 'Capacity and safety case for the next stage; budget and risks as attached.',
            budget: 100_000 + p * 250,
            attachments: [`evidence-${p}-${i}.pdf`],
          },
        });
        break;
      case 1:
        events.push({
          ...base,
          subject: { projectId, ...gate },
          actor: gateReview,
          action: 'gate.opened',
          packageHash,
          detail: {
            approvers,
            rule: 'all',
            dueAt: new Date(start + (i + 40) * ENTRY_EVERY_MS).toISOString(),
          },
        });
        break;
      case 2:
      case 3:
        events.push({
          ...base,
          subject: { projectId, ...gate },
          actor: gateReview,
          action: 'mail.sent',
          detail: {
            to: approver,
            kind: 'request',
            messageId: `0100${sha(`${projectId}/${i}`).slice(0, 40)}`,
          },
        });
        break;
      case 4:
        events.push({
          ...base,
          subject: { projectId, ...gate },
          actor: { type: 'person', id: approver, name: `Approver ${p % 11}` },
          action: 'decision.recorded',
          source,
          packageHash,
          detail: {
            outcome: 'go',
            comment: 'Numbers check out; keep the supplier risk on the watch list.',
            conditions: [],
            mustMeet: { safety: true, budget: true },
            scores: { strategy: 4, value: 3, risk: 4 },
            weightedScore: 3.7,
            signature: { name: `Approver ${p % 11}`, at, meaning: 'approved' },
          },
        });
        break;
      default:
        events.push({
          ...base,
          subject: { projectId, ...gate },
          actor: { type: 'person', id: approver, name: `Approver ${p % 11}` },
          action: 'gate.decided',
          packageHash,
          detail: { status: 'decided', outcome: 'go', decidedAt: at, votes: 2 },
        });
    }
  }
  return events;
}

/** Query+unmarshall, page after page, as the adapter reads (without its strip and the use case's work). */
async function rawQuery(
  client: DynamoDBClient,
  partitions: string[],
  input: (partition: string) => Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
): Promise<number> {
  let entries = 0;
  for (const partition of partitions) {
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await client.send(
        new QueryCommand({
          ...input(partition),
          TableName: TABLES.trail,
          Limit: PAGE,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) if (unmarshall(item).hash) entries++;
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return entries;
}

const chainInput = (chain: string) => {
  const { pk, skPrefix } = keys.trailPrefix(chain);
  return {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: toAttr({ ':pk': pk, ':prefix': skPrefix }),
    ConsistentRead: true,
  };
};

const dayInput = (day: string) => ({
  IndexName: TRAIL_BY_DAY_INDEX,
  KeyConditionExpression: 'dayPk = :day',
  ExpressionAttributeValues: toAttr({ ':day': keys.trailDayPartition(day) }),
});

/** The mean rate of the raw passes whose name starts with `what`. */
function meanRate(raw: Rate[], what: string): number {
  const passes = raw.filter((r) => r.what.startsWith(what));
  return passes.reduce((sum, r) => sum + r.perSecond, 0) / passes.length;
}

/** Peak rss and heapUsed every SAMPLE_EVERY_MS, against the values when it started. */
class MemorySampler {
  private readonly before = process.memoryUsage();
  private maxRss = this.before.rss;
  private maxHeap = this.before.heapUsed;
  private samples = 0;
  private readonly timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);

  private sample(): void {
    const { rss, heapUsed } = process.memoryUsage();
    this.samples++;
    if (rss > this.maxRss) this.maxRss = rss;
    if (heapUsed > this.maxHeap) this.maxHeap = heapUsed;
  }

  stop(): Memory {
    clearInterval(this.timer);
    this.sample();
    return {
      rssGrowthMiB: round((this.maxRss - this.before.rss) / MIB),
      heapUsedGrowthMiB: round((this.maxHeap - this.before.heapUsed) / MIB),
      samples: this.samples,
    };
  }
}

/** DynamoDB Local's java: this process's only child (Linux /proc; undefined elsewhere). */
function childPid(): number | undefined {
  try {
    const pids = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/);
    return pids.length === 1 && pids[0] ? Number(pids[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** User plus system CPU seconds of a process, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** A stable uuid-shaped project id (an export's projectId filter is a uuid). */
function uuidFor(p: number): string {
  const h = sha(`project-${p}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const perSecond = (entries: number, ms: number) => round((entries / ms) * 1000);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const sec = (ms: number) => (ms / 1000).toFixed(1);

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === THIS_FILE;
if (isMain && process.argv[2] === CHILD_FLAG) {
  const out = process.argv[3];
  if (!out) throw new Error(`usage: trail-rates.ts ${CHILD_FLAG} <results.json>`);
  await child(out);
} else if (isMain) {
  printTrailRates(await measureTrailRates());
}
