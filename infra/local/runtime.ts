import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoRepository } from '../../functions/adapters/dynamodb/repository.ts';
import { Table } from '../../functions/adapters/dynamodb/table.ts';
import { LOCAL_CLOCK, LOCAL_IDENTITY } from '../../functions/adapters/environment.ts';
import { canonicalEmail, DEFAULT_SUBADDRESS_DOMAINS } from '../../functions/domain/email.ts';
import { CHAINS, canonicalJson } from '../../functions/domain/trail.ts';
import { HANDLERS, HTTP_ROUTES } from '../../functions/handlers.ts';
import type { AnchorReport } from '../../functions/usecases/anchoring.ts';
import type { Clock } from '../../functions/usecases/ports.ts';
import type { SweepReport } from '../../functions/usecases/sweeper.ts';
import { LOCAL_REGION, localMachineArn } from './asl.ts';
import { createLocalIssuer, type LocalIssuer } from './auth.ts';
import { localConsole } from './console.ts';
import { DEMO_PEOPLE, readDefinitionFiles } from './demo.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { InvocationMeter, type RuntimeMeter, runtimeMeter, startDynamoMeter } from './dynamodb-meter.ts';
import { startFaultProxy } from './fault-proxy.ts';
import { type HttpHandler, startHttpGateway } from './http-gateway.ts';
import { isLoopbackHost } from './loopback.ts';
import { loadLocalMachines } from './machines.ts';
import { localConsoleSignIn, localOAuth } from './oauth.ts';
import { freePort } from './ports.ts';
import { readSesStore, type SentEmail, startSesLocal } from './ses-local.ts';
import { enrolLocalSigner, LocalIdentityVerifier } from './signers.ts';
import { LocalStepFunctions } from './stepfunctions.ts';
import { ensureTables } from './table.ts';

const ROOT = new URL('../../', import.meta.url);
export const LOCAL_TABLES = { main: 'tollgate', trail: 'tollgate-trail' } as const;
export const LOCAL_SENDER = 'tollgate@example.com';

export interface LocalRuntimeOptions {
  /** Where everything is kept: DynamoDB files, executions, signing key, outbox. */
  dataDir: string;
  /**
   * Address the app binds to; loopback unless asked otherwise. Anything else needs `signIn: false`.
   * The inbox, Step Functions and the proxies stay on loopback whatever this is.
   */
  host?: string;
  /**
   * The local sign-in: `POST /local/token` and the console pages, which act as demo people and show
   * mail links. Default true; false (`--no-sign-in`) serves none of it, so the app may face a network.
   */
  signIn?: boolean;
  /** The app's port (0 = any free port). */
  port?: number;
  /** The SES inbox's port (0 = any free port). */
  inboxPort?: number;
  /** Handler log level: INFO for `npm start`, SILENT or ERROR in tests. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Runtime messages (not handler logs). */
  log?: (message: string) => void;
  /** Where synthesized state machines are cached (defaults under dataDir). */
  cacheDir?: string;
  /** The time handlers act on (tests move it forward); a ShiftableClock at wall-clock time when absent. */
  clock?: Clock;
  /** How often the sweeper runs (0: only when `sweep()` is called). Default 30 s. */
  sweepEveryMs?: number;
  /** How often the trail is anchored (0: only when `anchor()` is called, and at close-outs). Default 5 min. */
  anchorEveryMs?: number;
  /**
   * Metering for `npm run bench`: the handlers reach DynamoDB through a counting proxy
   * (infra/local/dynamodb-meter.ts) and every Lambda invocation is counted and timed; see `meter`.
   */
  dynamoMeter?: boolean;
}

export interface LocalRuntime {
  appUrl: string;
  inboxUrl: string;
  stepFunctionsUrl: string;
  dynamoDbEndpoint: string;
  /** The key that reaches this runtime's tables (kept in the data dir); any other sees none. Region: LOCAL_REGION. */
  dynamoDbCredentials: { accessKeyId: string; secretAccessKey: string };
  issuer: LocalIssuer;
  /** Mail sent in this and earlier runs (the SES inbox forgets on restart; this does not). */
  outbox(): Promise<SentEmail[]>;
  /** How many executions were waiting and resumed at start. */
  resumed: number;
  /** Runs the sweeper once, as EventBridge Scheduler would invoke it. */
  sweep(): Promise<SweepReport>;
  /** Anchors the trail once, as the hourly schedule would. */
  anchor(): Promise<AnchorReport>;
  /** Fault injection for tests: SES answers 503 while down. */
  faults: { setMailDown(down: boolean): void };
  /** DynamoDB calls and capacity units, Lambda invocations and durations; only with `dynamoMeter`. */
  meter?: RuntimeMeter;
  stop(): Promise<void>;
}

/**
 * The clock of `npm start`: the wall clock, which a person may move forward from the local
 * console to see reminders, escalations and deadlines act without waiting days.
 */
export class ShiftableClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += Math.max(0, ms);
  }
  get offsetHours(): number {
    return this.offsetMs / 3_600_000;
  }
}

let containers = 0;

type Module = { handler: (event: unknown, context: unknown) => Promise<unknown> };

/**
 * Starts tollgate on one machine: DynamoDB Local, the SES inbox, the Step Functions
 * endpoint running the ASL the CDK app synthesizes, and the HTTP server with the API's
 * routes — the same handler modules as on AWS, invoked in-process.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const signIn = options.signIn ?? true;
  // Before anything starts: the sign-in hands a token for any role to whoever reaches it.
  if (signIn && !isLoopbackHost(host)) {
    throw new Error(
      `--host ${host} is not a loopback address, and the local sign-in would hand a token for any demo role ` +
        `to whoever reaches it. Use --host 127.0.0.1, or add --no-sign-in to serve only the API, the ` +
        `approval links and export downloads on ${host}.`,
    );
  }
  // Servers that show mail or take task tokens never leave this machine.
  const loopback = isLoopbackHost(host) ? host : '127.0.0.1';
  const log = options.log ?? (() => {});
  mkdirSync(dataDir, { recursive: true });

  const [dynamo, machines, inbox, appPort] = await Promise.all([
    startDynamoDbLocal({ dataDir, region: LOCAL_REGION }),
    loadLocalMachines(options.cacheDir ?? join(dataDir, 'cache')),
    startSesLocal({ host: loopback, port: options.inboxPort ?? 0 }),
    options.port ? Promise.resolve(options.port) : freePort(host),
  ]);
  const stops: (() => Promise<void>)[] = [() => dynamo.stop(), () => inbox.stop()];
  const mailProxy = await startFaultProxy(inbox.url);
  stops.push(() => mailProxy.close());
  const clock = options.clock ?? new ShiftableClock();
  const clockGlobal = globalThis as { [LOCAL_CLOCK]?: Clock };
  clockGlobal[LOCAL_CLOCK] = clock;
  stops.unshift(async () => {
    if (clockGlobal[LOCAL_CLOCK] === clock) delete clockGlobal[LOCAL_CLOCK];
  });
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const dynamoMeter = options.dynamoMeter ? await startDynamoMeter(dynamo.endpoint) : undefined;
    if (dynamoMeter) stops.push(() => dynamoMeter.close());
    const invocations = dynamoMeter ? new InvocationMeter() : undefined;
    const metered = <E, C, R>(name: string, handler: (event: E, context: C) => Promise<R>) =>
      invocations ? (event: E, context: C) => invocations.time(name, () => handler(event, context)) : handler;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const appUrl = `http://${urlHost}:${appPort}`;
    const sfnPort = await freePort('127.0.0.1');
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      // DynamoDB Local's key (SES and Step Functions here take any key).
      AWS_ACCESS_KEY_ID: dynamo.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dynamo.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoMeter?.url ?? dynamo.endpoint,
      AWS_ENDPOINT_URL_SES: mailProxy.url,
      AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}`,
      TABLE_NAME: LOCAL_TABLES.main,
      TRAIL_TABLE_NAME: LOCAL_TABLES.trail,
      SENDER_EMAIL: LOCAL_SENDER,
      APP_URL: appUrl,
      INTAKE_STATE_MACHINE_ARN: localMachineArn('intake'),
      GATE_REVIEW_STATE_MACHINE_ARN: localMachineArn('gate-review'),
      CLOSE_OUT_STATE_MACHINE_ARN: localMachineArn('close-out'),
      SUBADDRESS_DOMAINS: DEFAULT_SUBADDRESS_DOMAINS.join(','),
      TRAIL_JOB_STATE_MACHINE_ARN: localMachineArn('trail-job'),
      // The trail's storage on one machine (AWS: KMS and S3 Object Lock; ADR 0010).
      TRAIL_SIGNING_KEY_FILE: join(dataDir, 'trail', 'signing-key.pem'),
      ANCHOR_FILE: join(dataDir, 'trail', 'anchors.jsonl'),
      EXPORT_DIR: join(dataDir, 'exports'),
      EXPORT_URL_BASE: `${appUrl}/local/exports`,
      LOG_LEVEL: options.logLevel ?? 'INFO',
      ...consoleEnvironment(signIn ? localConsoleSignIn(appUrl) : undefined),
    });

    const dynamoClient = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: dynamo.region,
      credentials: dynamo.credentials,
    });
    if ((await ensureTables(dynamoClient, LOCAL_TABLES)).includes('created')) log('created tables');
    const repository = dynamoRepository(dynamoClient, LOCAL_TABLES);
    await seed(repository, log);
    // E-signatures: the local sign-in (password + TOTP) stands in for Cognito with MFA.
    const signers = new Table(dynamoClient, LOCAL_TABLES.main, LOCAL_TABLES.trail);
    const identityGlobal = globalThis as { [LOCAL_IDENTITY]?: LocalIdentityVerifier };
    const identity = new LocalIdentityVerifier(signers);
    identityGlobal[LOCAL_IDENTITY] = identity;
    stops.unshift(async () => {
      if (identityGlobal[LOCAL_IDENTITY] === identity) delete identityGlobal[LOCAL_IDENTITY];
    });

    // Handlers are imported after the environment is set: they read it once, like a cold start.
    // Each runtime gets its own module instances (a fresh "container"), so a second runtime in
    // one process (a restart test) never reuses clients pointing at the first one's ports.
    const container = ++containers;
    const modules = new Map<string, Module>();
    for (const [name, spec] of Object.entries(HANDLERS)) {
      modules.set(name, (await import(`${new URL(spec.entry, ROOT).href}?container=${container}`)) as Module);
    }
    const invoke = async (functionName: string, payload: unknown) => {
      const module = modules.get(functionName);
      if (!module) throw new Error(`no handler named ${functionName}`);
      // Through JSON, as Lambda would: nothing is shared by reference with the caller.
      const event = JSON.parse(JSON.stringify(payload ?? null));
      return metered(functionName, module.handler)(event, lambdaContext(functionName));
    };

    const stepFunctions = await LocalStepFunctions.create({
      dataDir,
      machines: machines.map((m) => ({ name: m.name, arn: m.arn, definition: m.definition })),
      invoke,
      log: (message, fields) =>
        log(`step functions: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
    });
    const sfn = await stepFunctions.listen({ host: '127.0.0.1', port: sfnPort });
    stops.push(() => stepFunctions.close());

    const issuer = await createLocalIssuer({ dataDir, issuer: `${appUrl}/local` });
    const outbox = new Outbox(join(dataDir, 'outbox.json'), inbox.url);
    // Kept every second too, so even a killed process loses at most a second of mail.
    const keeping = setInterval(() => void outbox.sync().catch(() => undefined), 1000);
    keeping.unref();
    stops.push(async () => {
      clearInterval(keeping);
      await outbox.sync();
    });
    // The PMO console signs in here (authorization code + PKCE), beside the rest of the local sign-in.
    const oauth = signIn ? localOAuth({ appUrl, issuer }) : undefined;
    const pages = localConsole({
      appUrl,
      inboxUrl: inbox.url,
      issuer,
      outbox: () => outbox.all(),
      exportsDir: join(dataDir, 'exports'),
      signIn,
      enrolSigner: (email, password) =>
        enrolLocalSigner(signers, {
          email,
          password,
        }),
      ...(clock instanceof ShiftableClock
        ? { timeTravel: { clock, sweep: () => invoke('sweeper', {}) } }
        : {}),
    });
    const gateway = await startHttpGateway({
      host,
      port: appPort,
      routes: HTTP_ROUTES.map((route) => ({
        routeKey: route.routeKey,
        functionName: route.handler,
        handler: metered(route.handler, modules.get(route.handler)?.handler as HttpHandler),
        ...(route.auth === 'jwt' ? { authorizer: 'jwt' as const } : {}),
      })),
      verifyJwt: (token) => issuer.verify(token),
      extra: async (req, res) => ((await oauth?.(req, res)) ?? false) || pages(req, res),
      log: (message, fields) => log(`http: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
    });
    stops.push(() => gateway.close());

    const resumed = await stepFunctions.resume();
    if (resumed > 0) log(`resumed ${resumed} waiting execution(s)`);

    const sweep = async () => (await invoke('sweeper', {})) as SweepReport;
    const anchor = async () => (await invoke('anchor-trail', {})) as AnchorReport;
    // One run of each at a time; a slow one delays the next rather than overlapping it.
    const every = (ms: number, name: string, run: () => Promise<unknown>) => {
      if (ms <= 0) return;
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        run()
          .catch((error: unknown) =>
            log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`),
          )
          .finally(() => {
            running = false;
          });
      }, ms);
      timer.unref();
      stops.push(async () => clearInterval(timer));
    };
    every(options.sweepEveryMs ?? 30_000, 'sweeper', sweep);
    every(options.anchorEveryMs ?? 300_000, 'anchoring', anchor);
    return {
      appUrl,
      inboxUrl: inbox.url,
      stepFunctionsUrl: sfn.url,
      dynamoDbEndpoint: dynamo.endpoint,
      dynamoDbCredentials: dynamo.credentials,
      issuer,
      outbox: () => outbox.all(),
      resumed,
      sweep,
      anchor,
      faults: { setMailDown: (down) => mailProxy.setDown(down) },
      ...(dynamoMeter && invocations ? { meter: runtimeMeter(dynamoMeter, invocations) } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The processes of `definitions/` and the demo people. A file whose version is newer than the one
 * published is published (so a PMO admin raises the version to change a process); a published
 * version never changes, so a file edited without a new version is only pointed out.
 */
async function seed(
  repository: ReturnType<typeof dynamoRepository>,
  log: (message: string) => void,
): Promise<void> {
  const at = new Date().toISOString();
  const actor = { type: 'system' as const, id: 'seed' };
  for (const { file, definition } of readDefinitionFiles()) {
    const current = await repository.getCurrentDefinition(definition.id);
    if (current && current.version >= definition.version) {
      if (current.version === definition.version && canonicalJson(current) !== canonicalJson(definition))
        log(
          `${relative(process.cwd(), file)}: ${definition.id} v${definition.version} differs from the published one; raise its version to publish it`,
        );
      continue;
    }
    await repository.publishDefinition(definition, {
      chain: CHAINS.definition(definition.id),
      subject: { definitionId: definition.id },
      at,
      actor,
      action: 'definition.published',
      definition: { id: definition.id, version: definition.version },
      detail: { name: definition.name, gates: definition.gates.map((g) => g.id) },
    });
    log(`seeded process "${definition.name}" (${definition.gates.length} gates)`);
  }
  for (const person of Object.values(DEMO_PEOPLE)) {
    const email = canonicalEmail(person.email, DEFAULT_SUBADDRESS_DOMAINS);
    if (await repository.getPerson(email)) continue;
    await repository.putPerson(
      { email, name: person.name, roles: [...person.groups], updatedAt: at },
      {
        chain: CHAINS.people,
        subject: { person: email },
        at,
        actor,
        action: 'person.added',
        detail: { name: person.name, roles: person.groups },
      },
    );
  }
}

function lambdaContext(functionName: string) {
  const deadline = Date.now() + 60_000;
  return {
    functionName,
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    callbackWaitsForEmptyEventLoop: false,
  };
}

/**
 * The SES inbox keeps mail in memory only; this keeps every mail in the data dir so a
 * link sent before a restart can still be found (and still works).
 */
class Outbox {
  private known: SentEmail[] | undefined;

  constructor(
    private readonly file: string,
    private readonly inboxUrl: string,
  ) {}

  async all(): Promise<SentEmail[]> {
    await this.sync();
    return this.known ?? [];
  }

  async sync(): Promise<void> {
    const inbox = await readSesStore(this.inboxUrl).catch(() => []);
    // Known ids are read after the await: two overlapping syncs must not add a mail twice.
    this.known ??= this.load();
    const ids = new Set(this.known.map((m) => m.messageId));
    const fresh = inbox.filter((m) => !ids.has(m.messageId));
    if (fresh.length === 0) return;
    this.known.push(...fresh);
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.known));
    renameSync(`${this.file}.tmp`, this.file);
  }

  private load(): SentEmail[] {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as SentEmail[];
    } catch {
      return [];
    }
  }
}

/**
 * The console handler's sign-in settings (functions/http/console.ts); all empty with `--no-sign-in`,
 * so a runtime started earlier in this process leaves none behind.
 */
function consoleEnvironment(
  signIn: ReturnType<typeof localConsoleSignIn> | undefined,
): Record<string, string> {
  return {
    CONSOLE_AUTHORIZE_URL: signIn?.authorizeUrl ?? '',
    CONSOLE_TOKEN_URL: signIn?.tokenUrl ?? '',
    CONSOLE_LOGOUT_URL: signIn?.logoutUrl ?? '',
    CONSOLE_CLIENT_ID: signIn?.clientId ?? '',
    CONSOLE_REDIRECT_URI: signIn?.redirectUri ?? '',
  };
}
