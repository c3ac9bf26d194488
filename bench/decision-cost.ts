// Per-decision and per-project figures for `npm run bench` (DESIGN.md "Budgets": state transitions,
// DynamoDB units and Lambda invocations counted, no Scan, cost from AWS list prices next to the floor).
// Runs the local runtime with metering (infra/local/dynamodb-meter.ts): the handlers reach DynamoDB
// through a proxy that counts calls and capacity units, and every Lambda invocation (Step Functions
// tasks, the sweeper and the HTTP routes) is counted and timed. State transitions are the
// StateEntered events in the executions' histories (GetExecutionHistory); mails are the SES store's.
// The bench's own polling reads DynamoDB Local directly, so it is not counted.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { dynamoRepository } from '../functions/adapters/dynamodb/repository.ts';
import type { Project } from '../functions/usecases/model.ts';
import { localMachineArn } from '../infra/local/asl.ts';
import { DEMO_DEFINITION, DEMO_PEOPLE } from '../infra/local/demo.ts';
import type { DynamoUsage, InvocationUsage } from '../infra/local/dynamodb-meter.ts';
import { LOCAL_TABLES } from '../infra/local/runtime.ts';
import { readSesStore } from '../infra/local/ses-local.ts';
import { Driver, pageAnswers, SmokeClock } from '../infra/local/smoke-paths.ts';
import { type BenchRuntime, startBenchRuntime } from './runtime.ts';

/**
 * AWS list prices, us-east-1, on-demand, no free tier. Sources: aws.amazon.com/step-functions/pricing
 * (Standard workflows), aws.amazon.com/lambda/pricing (Arm, first pricing tier),
 * aws.amazon.com/dynamodb/pricing/on-demand (after the November 2024 reduction) and
 * aws.amazon.com/ses/pricing (outbound e-mail from Lambda/EC2 aside). Recorded 2026-11-26; change
 * them here, nowhere else.
 */
export const PRICES = {
  source:
    'AWS list prices, us-east-1, recorded 2026-11-26 (step-functions, lambda, dynamodb on-demand, ses pricing pages)',
  stepFunctionsPerTransition: 0.025 / 1_000,
  lambdaPerRequest: 0.2 / 1_000_000,
  lambdaArmPerGbSecond: 0.0000133334,
  /** TollgateFunction (infra/constructs/tollgate-function.ts): 512 MB, arm64. */
  lambdaMemoryGb: 512 / 1024,
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  dynamoPerReadUnit: 0.125 / 1_000_000,
  sesPerMail: 0.1 / 1_000,
} as const;

/** EventBridge Scheduler runs the sweeper every 5 minutes on AWS (a fixed cost, not per decision). */
const SWEEPS_PER_MONTH = (30 * 24 * 60) / 5;
const WAIT_MS = 20_000;
const POLL_MS = 25;
const SETTLE_MS = 150;
/** Gate 1 (sponsor), gates 2 and 3 (two approvers each), the close-out sign-off. */
const DECISIONS_PER_PROJECT = 6;

interface Counters {
  dynamodb: DynamoUsage;
  lambda: Record<string, InvocationUsage>;
  transitions: number;
  mails: number;
}

export interface Figures {
  what: string;
  decisions: number;
  transitions: number;
  invocations: number;
  invocationsByHandler: Record<string, number>;
  lambdaBilledMs: number;
  lambdaGbSeconds: number;
  dynamoCalls: number;
  dynamoCallsByOperation: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  /** Units computed by the meter rather than reported by DynamoDB Local (see dynamodb-meter.ts), and why. */
  estimatedUnits: number;
  estimated: DynamoUsage['estimated'];
  scans: number;
  mails: number;
  cost: {
    stepFunctions: number;
    lambda: number;
    dynamodb: number;
    ses: number;
    total: number;
    floor: number;
    ratioToFloor: number;
  };
}

export interface DecisionCostResults {
  prices: typeof PRICES;
  method: string;
  scans: number;
  scanBudget: 'ok' | 'FAIL';
  rows: Figures[];
  sweeper: { perRun: Figures; perMonth: { runs: number; cost: number } };
  durationMs: number;
}

export async function measureDecisionCost(
  log: (line: string) => void = console.log,
): Promise<DecisionCostResults> {
  const started = performance.now();
  let bench: BenchRuntime | undefined;
  let sfn: SFNClient | undefined;
  let direct: DynamoDBClient | undefined;
  let driver: Driver | undefined;
  try {
    bench = await startBenchRuntime('cost', { meter: true });
    const { runtime: rt, dataDir } = bench;
    const meter = rt.meter;
    if (!meter) throw new Error('the runtime was started without its meter');
    log(`decision cost: metered runtime up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const local = { region: 'us-east-1', credentials: rt.dynamoDbCredentials };
    sfn = new SFNClient({ endpoint: rt.stepFunctionsUrl, ...local });
    direct = new DynamoDBClient({ endpoint: rt.dynamoDbEndpoint, ...local });
    const repository = dynamoRepository(direct, LOCAL_TABLES);
    const user = new Driver(rt, new SmokeClock(), dataDir, `#bench${Date.now().toString(36)}`);
    driver = user;
    const history = new TransitionCounter(sfn);

    const counters = async (): Promise<Counters> => {
      const { dynamodb, lambda } = meter.snapshot();
      return {
        dynamodb,
        lambda,
        transitions: await history.total(),
        mails: (await readSesStore(rt.inboxUrl)).length,
      };
    };
    /** Waits until the project is where `holds` says and nothing more happens (histories, calls, mail). */
    const settled = async (
      projectId: string,
      holds: (p: Project) => boolean,
      what: string,
    ): Promise<Counters> => {
      const deadline = Date.now() + WAIT_MS;
      let last = '';
      let stableSince = 0;
      for (;;) {
        const project = await repository.getProject(projectId);
        const now = await counters();
        const mark = `${now.transitions}/${now.dynamodb.calls}/${now.mails}/${invocationsOf(now.lambda)}`;
        if (project && holds(project) && mark === last) {
          if (Date.now() - stableSince >= SETTLE_MS) return now;
        } else {
          last = mark;
          stableSince = Date.now();
        }
        if (Date.now() > deadline)
          throw new Error(`the project never got ${what} (${project?.status ?? 'not recorded'})`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    };
    const submit = async (projectId: string, gateId: string) => {
      const gate = DEMO_DEFINITION.gates.find((g) => g.id === gateId);
      const response = await user.api('POST', `/projects/${projectId}/submissions`, {
        as: DEMO_PEOPLE.requester,
        body: {
          note: 'Ready for review.',
          deliverables: (gate?.deliverables ?? []).map((d) => ({
            id: d.id,
            title: `${d.id} v1`,
            link: `https://docs.example.com/${d.id}`,
          })),
        },
      });
      if (response.status !== 202) throw new Error(`the stage submission answered ${response.status}`);
    };
    const vote = async (to: string, about: string, fields: Record<string, string> = { outcome: 'go' }) => {
      const { status } = await user.decide(await user.linkFor(to, about), fields);
      if (status !== 200) throw new Error(`deciding as ${to} on "${about}" answered ${status}`);
    };
    const signOff = { outcome: 'go', 'check-0': 'yes', 'check-1': 'yes', 'check-2': 'yes' };
    const inStage = (gateId: string) => (p: Project) => p.status === 'in-stage' && p.stage?.gateId === gateId;

    /** One project through every gate, the close-out and its sign-off; marks taken on the way. */
    const walk = async (title: string) => {
      const marks: Record<string, Counters> = {};
      marks.start = await counters();
      const projectId = await user.propose(title);
      await settled(projectId, (p) => p.status === 'in-review', 'gate 1 open');
      const link = await user.linkFor(DEMO_PEOPLE.sponsor.email, `${title} — Gate 1 of 3`);
      marks.viewStart = await counters();
      const page = await (await fetch(link)).text();
      marks.viewEnd = await counters();
      // (a) from the POST to the project entering stage 2
      marks.aStart = marks.viewEnd;
      const posted = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...pageAnswers(page, 'go'), outcome: 'go' }).toString(),
      });
      if (posted.status !== 200) throw new Error(`the Go at gate 1 answered ${posted.status}`);
      marks.aEnd = await settled(projectId, inStage('business-case'), 'into stage 2');
      // (b) gate 2: the submission and two Go votes (each opened from its mail, then posted)
      marks.bStart = marks.aEnd;
      await submit(projectId, 'business-case');
      await vote(DEMO_PEOPLE.sponsor.email, `${title} — Gate 2 of 3`);
      await vote(DEMO_PEOPLE.finance.email, `${title} — Gate 2 of 3`);
      marks.bEnd = await settled(projectId, inStage('launch'), 'into stage 3');
      await submit(projectId, 'launch');
      await vote(DEMO_PEOPLE.sponsor.email, `${title} — Gate 3 of 3`);
      await vote(DEMO_PEOPLE.operations.email, `${title} — Gate 3 of 3`);
      await settled(projectId, (p) => p.status === 'closing', 'to close-out');
      await vote(DEMO_PEOPLE.sponsor.email, `${title} — Close-out sign-off`, signOff);
      marks.end = await settled(projectId, (p) => p.status === 'closed', 'closed');
      return marks;
    };

    // A first project warms the handlers' clients (cold starts are the other half of the bench).
    await walk('Bench warm-up');
    const m = await walk('Bench project');
    const sweepStart = await counters();
    await rt.sweep();
    const sweepEnd = await counters();

    const mark = (key: string) => m[key] as Counters;
    const a = figures(
      'one decision, single approver (gate 1 Go: POST → in stage 2)',
      1,
      mark('aStart'),
      mark('aEnd'),
    );
    const b = figures(
      'two-approver gate (gate 2: submission + 2 Go votes, each page opened)',
      2,
      mark('bStart'),
      mark('bEnd'),
    );
    const c = figures(
      'whole project (proposal, 3 gates, 2 submissions, close-out sign-off)',
      DECISIONS_PER_PROJECT,
      mark('start'),
      mark('end'),
    );
    const rows = [
      figures('decision page view (GET /a/{secret})', 0, mark('viewStart'), mark('viewEnd')),
      a,
      b,
      perDecision(b, 'per vote at gate 2 (the row above ÷ 2)'),
      c,
      perDecision(c, `per decision over the whole project (÷ ${DECISIONS_PER_PROJECT})`),
    ];
    const perRun = figures('sweeper, one run with nothing due', 0, sweepStart, sweepEnd);
    // Every Scan of the metered run counts, the warm-up project's and the sweep's included.
    const scans = (await counters()).dynamodb.scans;
    return {
      prices: PRICES,
      method:
        'local runtime with metering (infra/local/dynamodb-meter.ts); in-process handler durations; second of two identical projects; ' +
        'DynamoDB units as reported by DynamoDB Local with ReturnConsumedCapacity TOTAL (estimatedUnits: computed the documented way where it reports none)',
      scans,
      scanBudget: scans === 0 ? 'ok' : 'FAIL',
      rows,
      sweeper: { perRun, perMonth: { runs: SWEEPS_PER_MONTH, cost: perRun.cost.total * SWEEPS_PER_MONTH } },
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    driver?.close();
    sfn?.destroy();
    direct?.destroy();
    await bench?.stop().catch(() => undefined);
  }
}

/** StateEntered events over every execution of the three machines (each finished history read once). */
class TransitionCounter {
  private readonly finished = new Map<string, number>();

  constructor(private readonly sfn: SFNClient) {}

  async total(): Promise<number> {
    let total = 0;
    for (const workflow of ['intake', 'gate-review', 'close-out'] as const) {
      let nextToken: string | undefined;
      do {
        const page = await this.sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: localMachineArn(workflow),
            maxResults: 100,
            nextToken,
          }),
        );
        for (const execution of page.executions ?? []) {
          const arn = execution.executionArn as string;
          const known = this.finished.get(arn);
          if (known !== undefined) {
            total += known;
            continue;
          }
          const entered = await this.entered(arn);
          if (execution.status !== 'RUNNING') this.finished.set(arn, entered);
          total += entered;
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return total;
  }

  private async entered(executionArn: string): Promise<number> {
    let count = 0;
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          includeExecutionData: false,
          maxResults: 1000,
          nextToken,
        }),
      );
      count += (page.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length;
      nextToken = page.nextToken;
    } while (nextToken);
    return count;
  }
}

function invocationsOf(lambda: Record<string, InvocationUsage>): number {
  return Object.values(lambda).reduce((sum, u) => sum + u.invocations, 0);
}

function figures(what: string, decisions: number, from: Counters, to: Counters): Figures {
  const invocationsByHandler: Record<string, number> = {};
  let invocations = 0;
  let billedMs = 0;
  for (const [name, usage] of Object.entries(to.lambda)) {
    const before = from.lambda[name] ?? { invocations: 0, ms: 0, billedMs: 0 };
    const count = usage.invocations - before.invocations;
    if (count === 0) continue;
    invocationsByHandler[name] = count;
    invocations += count;
    billedMs += usage.billedMs - before.billedMs;
  }
  const dynamoCallsByOperation: Record<string, number> = {};
  for (const [name, usage] of Object.entries(to.dynamodb.operations)) {
    const count = usage.calls - (from.dynamodb.operations[name]?.calls ?? 0);
    if (count > 0) dynamoCallsByOperation[name] = count;
  }
  const transitions = to.transitions - from.transitions;
  const mails = to.mails - from.mails;
  const readUnits = to.dynamodb.readUnits - from.dynamodb.readUnits;
  const writeUnits = to.dynamodb.writeUnits - from.dynamodb.writeUnits;
  const lambdaGbSeconds = (billedMs / 1000) * PRICES.lambdaMemoryGb;
  return {
    what,
    decisions,
    transitions,
    invocations,
    invocationsByHandler,
    lambdaBilledMs: billedMs,
    lambdaGbSeconds,
    dynamoCalls: to.dynamodb.calls - from.dynamodb.calls,
    dynamoCallsByOperation,
    readUnits,
    writeUnits,
    estimatedUnits: to.dynamodb.estimatedUnits - from.dynamodb.estimatedUnits,
    estimated: {
      rejectedWrites: to.dynamodb.estimated.rejectedWrites - from.dynamodb.estimated.rejectedWrites,
      emptyReads: to.dynamodb.estimated.emptyReads - from.dynamodb.estimated.emptyReads,
      unreported: to.dynamodb.estimated.unreported - from.dynamodb.estimated.unreported,
    },
    scans: to.dynamodb.scans - from.dynamodb.scans,
    mails,
    cost: costOf({ transitions, invocations, lambdaGbSeconds, readUnits, writeUnits, mails }),
  };
}

function costOf(q: {
  transitions: number;
  invocations: number;
  lambdaGbSeconds: number;
  readUnits: number;
  writeUnits: number;
  mails: number;
}): Figures['cost'] {
  const stepFunctions = q.transitions * PRICES.stepFunctionsPerTransition;
  const lambda = q.invocations * PRICES.lambdaPerRequest + q.lambdaGbSeconds * PRICES.lambdaArmPerGbSecond;
  const dynamodb = q.writeUnits * PRICES.dynamoPerWriteUnit + q.readUnits * PRICES.dynamoPerReadUnit;
  const ses = q.mails * PRICES.sesPerMail;
  const total = stepFunctions + lambda + dynamodb + ses;
  const floor = stepFunctions + ses;
  return {
    stepFunctions,
    lambda,
    dynamodb,
    ses,
    total,
    floor,
    ratioToFloor: floor > 0 ? total / floor : Number.NaN,
  };
}

/** A row divided by its number of decisions (counts become averages). */
function perDecision(row: Figures, what: string): Figures {
  const n = row.decisions;
  const div = (v: number) => v / n;
  const byKey = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, div(v)]));
  return {
    ...row,
    what,
    decisions: 1,
    transitions: div(row.transitions),
    invocations: div(row.invocations),
    invocationsByHandler: byKey(row.invocationsByHandler),
    lambdaBilledMs: div(row.lambdaBilledMs),
    lambdaGbSeconds: div(row.lambdaGbSeconds),
    dynamoCalls: div(row.dynamoCalls),
    dynamoCallsByOperation: byKey(row.dynamoCallsByOperation),
    readUnits: div(row.readUnits),
    writeUnits: div(row.writeUnits),
    estimatedUnits: div(row.estimatedUnits),
    estimated: {
      rejectedWrites: div(row.estimated.rejectedWrites),
      emptyReads: div(row.estimated.emptyReads),
      unreported: div(row.estimated.unreported),
    },
    scans: div(row.scans),
    mails: div(row.mails),
    cost: {
      ...costOf({
        transitions: div(row.transitions),
        invocations: div(row.invocations),
        lambdaGbSeconds: div(row.lambdaGbSeconds),
        readUnits: div(row.readUnits),
        writeUnits: div(row.writeUnits),
        mails: div(row.mails),
      }),
    },
  };
}

export function printDecisionCost(
  results: DecisionCostResults,
  log: (line: string) => void = console.log,
): void {
  const header = [
    '',
    'transitions',
    'lambda',
    'GB-s',
    'ddb calls',
    'RRU',
    'WRU',
    'scans',
    'mails',
    'cost $',
    'floor $',
    '× floor',
  ];
  const n = (v: number, digits = 1) => (Number.isInteger(v) ? String(v) : v.toFixed(digits));
  const usd = (v: number) => (v === 0 ? '0' : v.toExponential(2));
  const rows = [...results.rows, results.sweeper.perRun].map((r) => [
    r.what,
    n(r.transitions),
    n(r.invocations),
    r.lambdaGbSeconds.toFixed(4),
    n(r.dynamoCalls),
    n(r.readUnits),
    n(r.writeUnits),
    n(r.scans),
    n(r.mails),
    usd(r.cost.total),
    usd(r.cost.floor),
    Number.isFinite(r.cost.ratioToFloor) ? r.cost.ratioToFloor.toFixed(2) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  log('\nper decision and per project (local runtime, metered; cost from AWS list prices, us-east-1):');
  log(line(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) log(line(row));
  const a = results.rows[1];
  const c = results.rows[4];
  if (a && c) {
    log(
      `  invocations, one decision: ${Object.entries(a.invocationsByHandler)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')}`,
    );
    log(
      `  DynamoDB calls, one decision: ${Object.entries(a.dynamoCallsByOperation)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')}`,
    );
    log(
      `  invocations, whole project: ${Object.entries(c.invocationsByHandler)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')}`,
    );
    log(
      `  DynamoDB calls, whole project: ${Object.entries(c.dynamoCallsByOperation)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')}`,
    );
    if (c.estimatedUnits > 0) {
      const why = c.estimated;
      log(
        `  ${n(c.estimatedUnits)} of the project's units were computed by the meter, not reported by DynamoDB Local: ` +
          `${why.emptyReads} Query(s) that matched nothing (billed the minimum read unit), ${why.rejectedWrites} rejected conditional write(s), ` +
          `${why.unreported} answer(s) without units (infra/local/dynamodb-meter.ts)`,
      );
    }
  }
  log(
    `  sweeper (every 5 min on AWS, nothing due): ${usd(results.sweeper.perRun.cost.total)} per run, ` +
      `$${results.sweeper.perMonth.cost.toFixed(4)} per month (${results.sweeper.perMonth.runs} runs), whatever the number of projects`,
  );
  log(`  prices: ${results.prices.source}`);
  log(
    results.scanBudget === 'ok'
      ? '  Scans: 0 (budget: none) ok'
      : `  FAIL: ${results.scans} DynamoDB Scan(s) during the bench; the budget is none (DESIGN.md "Budgets")`,
  );
}
