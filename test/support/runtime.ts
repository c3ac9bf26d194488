import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { dynamoRepository } from '../../functions/adapters/dynamodb/repository.ts';
import type { Repository } from '../../functions/usecases/ports.ts';
import type { LocalPerson } from '../../infra/local/auth.ts';
import { DEMO_PEOPLE } from '../../infra/local/demo.ts';
import {
  LOCAL_TABLES,
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../infra/local/runtime.ts';
import { readSesStore, type SentEmail } from '../../infra/local/ses-local.ts';
import { MACHINE_CACHE } from './global-setup.ts';

export interface TestRuntime {
  runtime: LocalRuntime;
  dataDir: string;
  repository: Repository;
  /** The clock the runtime's handlers read; tests move it forward. */
  clock: TestClock;
  dynamo: DynamoDBClient;
  /** Calls the API as a person (or anonymously). */
  api(
    method: string,
    path: string,
    options?: { as?: LocalPerson; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Waits until `count` mails to `to` (whose subject contains `about`) have arrived; returns them, oldest first. */
  mailTo(to: string, count: number, about?: string): Promise<SentEmail[]>;
  /** Submits a proposal as the demo requester; returns its id and the sponsor's gate 1 mail and link. */
  submit(title: string): Promise<{ projectId: string; mail: SentEmail; link: string }>;
  /** Opens a decision page and posts a decision with the package hash it showed, as a browser would. */
  decide(link: string, fields: Record<string, string>): Promise<{ page: string; response: Response }>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts the whole local runtime on free loopback ports in a temporary directory. */
export async function startTestRuntime(
  dataDir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-')),
  options: Pick<LocalRuntimeOptions, 'logLevel' | 'log' | 'host' | 'signIn'> & { clock?: TestClock } = {},
): Promise<TestRuntime> {
  const clock = options.clock ?? new TestClock();
  const runtime = await startLocalRuntime({
    clock,
    sweepEveryMs: 0,
    dataDir,
    host: options.host ?? '127.0.0.1',
    ...(options.signIn === undefined ? {} : { signIn: options.signIn }),
    port: 0,
    inboxPort: 0,
    logLevel: options.logLevel ?? (process.env.TEST_LOG_LEVEL as LocalRuntimeOptions['logLevel']) ?? 'SILENT',
    cacheDir: MACHINE_CACHE,
    ...(options.log ? { log: options.log } : {}),
  });
  const dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoDbEndpoint,
    region: 'us-east-1',
    credentials: runtime.dynamoDbCredentials,
  });
  const self: TestRuntime = {
    runtime,
    dataDir,
    dynamo,
    repository: dynamoRepository(dynamo, LOCAL_TABLES),
    clock,
    async api(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.as) headers.authorization = `Bearer ${await runtime.issuer.sign(options.as)}`;
      if (options.body !== undefined) headers['content-type'] ??= 'application/json';
      return fetch(`${runtime.appUrl}${path}`, {
        method,
        headers,
        redirect: 'manual',
        ...(options.body === undefined
          ? {}
          : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      });
    },
    async mailTo(to, count, about = '') {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const mails = (await readSesStore(runtime.inboxUrl)).filter(
          (m) => m.destination.to.includes(to) && m.subject.includes(about),
        );
        if (mails.length >= count) return mails;
        if (Date.now() > deadline)
          throw new Error(`expected ${count} mail(s) to ${to} about "${about}", got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async submit(title) {
      const response = await self.api('POST', '/proposals', {
        as: people.requester,
        body: proposal({ title }),
      });
      if (response.status !== 202) throw new Error(`POST /proposals answered ${response.status}`);
      const { projectId } = (await response.json()) as { projectId: string };
      const [mail] = await self.mailTo(people.sponsor.email, 1, `${title} — Gate 1 of 3`);
      if (!mail) throw new Error(`no gate 1 mail for ${title}`);
      return { projectId, mail, link: decisionLink(mail) };
    },
    async decide(link, fields) {
      const page = await (await fetch(link)).text();
      const approving = fields.outcome === 'go' || fields.outcome === 'conditional-go';
      const response = await fetch(link, {
        method: 'POST',
        ...form({ packageHash: shownPackageHash(page), ...criteriaMet(page, approving), ...fields }),
      });
      return { page, response };
    },
    async stop(options = {}) {
      dynamo.destroy();
      await runtime.stop();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

/** A Step Functions client of the runtime's local endpoint (executions, their history); the caller destroys it. */
export function stepFunctionsClient(t: TestRuntime): SFNClient {
  return new SFNClient({
    endpoint: t.runtime.stepFunctionsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** The decision link in a mail, as an e-mail client would find it (the button's href). */
export function decisionLink(mail: SentEmail): string {
  const href = mail.body.html?.match(/href="([^"]+\/a\/[^"]+)"/)?.[1];
  if (!href) throw new Error(`no decision link in "${mail.subject}"`);
  return href.replace(/&amp;/g, '&');
}

/** The version hash the decision page asks the approver to sign. */
export function shownPackageHash(page: string): string {
  const hash = page.match(/name="packageHash" value="([0-9a-f]{64})"/)?.[1];
  if (!hash) throw new Error('the page shows no package hash');
  return hash;
}

export function form(fields: Record<string, string>): { body: string; headers: Record<string, string> } {
  return {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}

/**
 * What an approver who finds every criterion met fills in: "yes" to each must-meet criterion
 * on the page, and (to go on) 8 of 10 on each should-meet one.
 */
export function criteriaMet(page: string, scored = true): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, id] of page.matchAll(/name="mustMeet-([a-z0-9-]+)" value="yes"/g))
    fields[`mustMeet-${id}`] = 'yes';
  if (scored) for (const [, id] of page.matchAll(/name="score-([a-z0-9-]+)"/g)) fields[`score-${id}`] = '8';
  return fields;
}

/** A clock the test moves; it starts at the wall clock's time. */
export class TestClock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  advanceHours(hours: number): void {
    this.advance(hours * 3_600_000);
  }
  advanceDays(days: number): void {
    this.advance(days * 86_400_000);
  }
}

export const people = DEMO_PEOPLE;

export const proposal = (overrides: Record<string, unknown> = {}) => ({
  title: 'Customer portal refresh',
  summary: 'Replace the legacy portal with a self-service one.',
  sponsorEmail: DEMO_PEOPLE.sponsor.email,
  fields: { estimatedCost: 250000, risk: 'medium' },
  ...overrides,
});
