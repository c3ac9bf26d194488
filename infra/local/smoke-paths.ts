// The engine paths `npm run smoke -- --all` walks, each as its users would: proposals and stage
// submissions through the API with a token from the runtime's issuer, decisions from the links in
// the SES inbox (the page fetched, then posted with its package hash and criteria answers), PMO
// actions through the admin API, time moved on a clock the handlers read, and the sweeper run as
// the schedule would. Every wait is bounded. No test code is imported: this runs outside vitest.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoRepository } from '../../functions/adapters/dynamodb/repository.ts';
import { decide } from '../../functions/usecases/decisions.ts';
import type { Clock, Repository } from '../../functions/usecases/ports.ts';
import { decisionFromForm } from '../../functions/views/decision-page.ts';
import type { LocalPerson } from './auth.ts';
import { DEMO_PEOPLE } from './demo.ts';
import { LOCAL_TABLES, type LocalRuntime } from './runtime.ts';
import { readSesStore, type SentEmail } from './ses-local.ts';

const WAIT_MS = 15_000;
const POLL_MS = 50;
const people = DEMO_PEOPLE;
/** Not in the demo directory: someone a decision can be handed to. */
const ada = { email: 'ada.architect@example.com', name: 'Ada Architect', groups: [] } satisfies LocalPerson;
const signOff = { outcome: 'go', 'check-0': 'yes', 'check-1': 'yes', 'check-2': 'yes' };

/** The time the handlers read; a path moves it forward to let reminders, deadlines and due dates pass. */
export class SmokeClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advanceMinutes(minutes: number): void {
    this.offsetMs += minutes * 60_000;
  }
  advanceHours(hours: number): void {
    this.advanceMinutes(hours * 60);
  }
}

export class SmokeError extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new SmokeError(message);
}

// biome-ignore lint/suspicious/noExplicitAny: the status view is read loosely, as a client would
type Status = Record<string, any>;

/** One running runtime, and what a user does with it. */
export class Driver {
  readonly repository: Repository;
  private readonly dynamo: DynamoDBClient;

  constructor(
    readonly runtime: LocalRuntime,
    readonly clock: SmokeClock,
    readonly dataDir: string,
    /** Makes titles unique within one smoke run (the SES store is shared by every runtime in a process). */
    private readonly tag: string,
    /** Stops this runtime keeping its data and starts another on the same data dir (paths that restart). */
    private readonly restarter?: (driver: Driver) => Promise<Driver>,
  ) {
    this.dynamo = new DynamoDBClient({
      endpoint: runtime.dynamoDbEndpoint,
      region: 'us-east-1',
      credentials: runtime.dynamoDbCredentials,
    });
    this.repository = dynamoRepository(this.dynamo, LOCAL_TABLES);
  }

  title(name: string): string {
    return `${name} ${this.tag}`;
  }

  restart(): Promise<Driver> {
    if (!this.restarter) throw new Error('this runtime cannot restart');
    return this.restarter(this);
  }

  close(): void {
    this.dynamo.destroy();
  }

  async api(
    method: string,
    path: string,
    options: { as?: LocalPerson; body?: unknown } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.as) headers.authorization = `Bearer ${await this.runtime.issuer.sign(options.as)}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.runtime.appUrl}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  }

  /** Submits a proposal as the requester (fields for gate 2 not to be skipped unless overridden). */
  async propose(title: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const response = await this.api('POST', '/proposals', {
      as: people.requester,
      body: {
        title,
        summary: 'A smoke test proposal.',
        sponsorEmail: people.sponsor.email,
        fields: { estimatedCost: 250000, risk: 'medium' },
        ...overrides,
      },
    });
    const text = await response.text();
    check(response.status === 202, `POST /proposals answered ${response.status}: ${text.slice(0, 300)}`);
    return (JSON.parse(text) as { projectId: string }).projectId;
  }

  /** Waits for at least `count` mails to `to` whose subject contains `about`; oldest first. */
  async mailTo(to: string, about: string, count = 1): Promise<SentEmail[]> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const mails = (await readSesStore(this.runtime.inboxUrl)).filter(
        (m) => m.destination.to.includes(to) && m.subject.includes(about),
      );
      if (mails.length >= count) return mails;
      check(
        Date.now() < deadline,
        `expected ${count} mail(s) to ${to} about "${about}", got ${mails.length}`,
      );
      await sleep(POLL_MS);
    }
  }

  /** The decision link in the newest of `count` mails to `to` about `about`. */
  async linkFor(to: string, about: string, count = 1): Promise<string> {
    const mails = await this.mailTo(to, about, count);
    return this.linkIn(mails[mails.length - 1] as SentEmail);
  }

  /** The button's href, as a mail client finds it (on this runtime's address, after a restart too). */
  linkIn(mail: SentEmail): string {
    const href = mail.body.html?.match(/href="([^"]+\/a\/[^"]+)"/)?.[1];
    check(href, `no decision link in "${mail.subject}"`);
    return href.replace(/&amp;/g, '&').replace(/^https?:\/\/[^/]+/, this.runtime.appUrl);
  }

  /** Opens the decision page, then posts `fields` with the package hash it shows and its criteria answered. */
  async decide(link: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
    const page = await fetch(link);
    const html = await page.text();
    check(page.status === 200, `the decision page answered ${page.status}`);
    const posted = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...pageAnswers(html, fields.outcome), ...fields }).toString(),
    });
    return { status: posted.status, text: await posted.text() };
  }

  /** Decides from the newest mail to `to` about `about` and expects the receipt (200). */
  async decideAs(to: string, about: string, fields: Record<string, string>, count = 1): Promise<void> {
    const link = await this.linkFor(to, about, count);
    const { status, text } = await this.decide(link, fields);
    check(
      status === 200,
      `deciding ${fields.outcome} as ${to} on "${about}" answered ${status}: ${problemsIn(text)}`,
    );
  }

  /** Every deliverable of the stage's checklist, each with a link, as a project manager submits them. */
  async submitStage(projectId: string, as: LocalPerson = people.requester): Promise<Response> {
    const status = await this.status(projectId);
    const checklist = (status.stage?.checklist ?? []) as { id: string }[];
    return this.api('POST', `/projects/${projectId}/submissions`, {
      as,
      body: {
        note: 'Ready for review.',
        deliverables: checklist.map((d) => ({
          id: d.id,
          title: `${d.id} v1`,
          link: `https://docs.example.com/${d.id}`,
        })),
      },
    });
  }

  async expectSubmitted(projectId: string, as: LocalPerson = people.requester): Promise<void> {
    const response = await this.submitStage(projectId, as);
    const text = await response.text();
    check(response.status === 202, `the stage submission answered ${response.status}: ${text.slice(0, 300)}`);
  }

  async status(projectId: string): Promise<Status> {
    const response = await this.api('GET', `/projects/${projectId}`, { as: people.pmoAdmin });
    check(response.status === 200, `GET /projects/{id} answered ${response.status}`);
    return (await response.json()) as Status;
  }

  /** Polls the project's status (as the PMO) until `holds` does; workflow steps run asynchronously. */
  async until(projectId: string, holds: (s: Status) => boolean, what: string): Promise<Status> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const response = await this.api('GET', `/projects/${projectId}`, { as: people.pmoAdmin });
      const status = response.status === 200 ? ((await response.json()) as Status) : {};
      if (response.status === 200 && holds(status)) return status;
      check(Date.now() < deadline, `the project never got ${what}: ${JSON.stringify(status).slice(0, 400)}`);
      await sleep(POLL_MS);
    }
  }

  /** Sweeps (as the schedule would) until `holds`, at most `times` times. */
  async sweepUntil(
    projectId: string,
    holds: (s: Status) => boolean,
    what: string,
    times = 3,
  ): Promise<Status> {
    for (let i = 0; i < times; i++) {
      await this.runtime.sweep();
      const status = await this.status(projectId);
      if (holds(status)) return status;
    }
    return this.until(projectId, holds, what);
  }

  /** A PMO admin's action through the admin API; expects `expected`. */
  async admin(
    path: string,
    body: unknown,
    expected: number,
    as: LocalPerson = people.pmoAdmin,
  ): Promise<Status> {
    const response = await this.api('POST', path, { as, body });
    const text = await response.text();
    check(
      response.status === expected,
      `POST ${path.replace(/[0-9a-f-]{36}/, '{id}')} answered ${response.status}, not ${expected}: ${text.slice(0, 300)}`,
    );
    return text ? (JSON.parse(text) as Status) : {};
  }

  /** Proposes, passes gate 1 and submits stage 2: gate 2 (sponsor and finance) is open. */
  async atGate2(title: string): Promise<string> {
    const projectId = await this.propose(title);
    await this.decideAs(people.sponsor.email, `${title} — Gate 1 of 3`, { outcome: 'go' });
    await this.until(projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await this.expectSubmitted(projectId);
    return projectId;
  }

  async intoStage3(projectId: string): Promise<void> {
    await this.until(
      projectId,
      (s) => s.status === 'in-stage' && s.stage?.gateId === 'launch',
      'into stage 3',
    );
  }
}

/** What an approver who finds every criterion met fills in: "yes" to must-meet, 8 of 10 when approving. */
export function pageAnswers(page: string, outcome: string | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  const packageHash = page.match(/name="packageHash" value="([0-9a-f]{64})"/)?.[1];
  check(packageHash, 'the decision page shows no package hash');
  fields.packageHash = packageHash;
  for (const [, id] of page.matchAll(/name="mustMeet-([a-z0-9-]+)" value="yes"/g))
    fields[`mustMeet-${id}`] = 'yes';
  if (outcome === 'go' || outcome === 'conditional-go') {
    for (const [, id] of page.matchAll(/name="score-([a-z0-9-]+)"/g)) fields[`score-${id}`] = '8';
  }
  return fields;
}

function problemsIn(page: string): string {
  const items = [...page.matchAll(/<li><strong>([^<]*)<\/strong>: ([^<]*)<\/li>/g)].map(
    (m) => `${m[1]}: ${m[2]}`,
  );
  return items.length
    ? items.join('; ')
    : page
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 200);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const dateIn = (clock: Clock, days: number) =>
  new Date(clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);

export interface SmokePath {
  name: string;
  /** Needs a data dir of its own (it restarts the runtime); the others share one runtime. */
  ownRuntime?: boolean;
  run(d: Driver): Promise<void>;
}

export const PATHS: SmokePath[] = [
  {
    name: 'through every gate: stage submissions, close-out sign-off',
    async run(d) {
      const title = d.title('Every gate');
      const projectId = await d.propose(title);
      const gate1 = await d.linkFor(people.sponsor.email, `${title} — Gate 1 of 3`);
      const first = await d.decide(gate1, { outcome: 'go' });
      check(first.status === 200, `the Go at gate 1 answered ${first.status}`);
      check((await fetch(gate1)).status === 410, 'a used link still works');
      await d.until(
        projectId,
        (s) => s.status === 'in-stage' && s.stage?.gateId === 'business-case',
        'into stage 2',
      );
      await d.expectSubmitted(projectId);
      await d.decideAs(people.sponsor.email, `${title} — Gate 2 of 3`, { outcome: 'go' });
      await d.decideAs(people.finance.email, `${title} — Gate 2 of 3`, { outcome: 'go' });
      await d.intoStage3(projectId);
      await d.expectSubmitted(projectId);
      await d.decideAs(people.sponsor.email, `${title} — Gate 3 of 3`, { outcome: 'go' });
      await d.decideAs(people.operations.email, `${title} — Gate 3 of 3`, { outcome: 'go' });
      await d.until(projectId, (s) => s.status === 'closing', 'to close-out');
      await d.decideAs(people.sponsor.email, `${title} — Close-out sign-off`, signOff);
      const closed = await d.until(
        projectId,
        (s) => s.status === 'closed' && s.sealedAt,
        'closed and sealed',
      );
      check(closed.closeReason === 'completed', `closed as ${closed.closeReason}`);
      check(closed.signOff?.given === true, `no sign-off recorded: ${JSON.stringify(closed.signOff)}`);
      await d.mailTo(people.requester.email, `Closed out: ${title}`);
    },
  },
  {
    name: 'kill and close-out',
    async run(d) {
      const title = d.title('Killed');
      const projectId = await d.propose(title);
      await d.decideAs(people.sponsor.email, `${title} — Gate 1 of 3`, {
        outcome: 'kill',
        comment: 'No strategic fit.',
      });
      await d.until(projectId, (s) => s.status === 'closing', 'to close-out');
      await d.decideAs(people.sponsor.email, `${title} — Close-out sign-off`, signOff);
      const closed = await d.until(
        projectId,
        (s) => s.status === 'closed' && s.sealedAt,
        'closed and sealed',
      );
      check(closed.closeReason === 'killed', `closed as ${closed.closeReason}`);
      await d.mailTo(people.requester.email, `Closed out: ${title}`);
    },
  },
  {
    name: 'skipped gate',
    async run(d) {
      const title = d.title('Small');
      const projectId = await d.propose(title, { fields: { estimatedCost: 20000, risk: 'low' } });
      await d.decideAs(people.sponsor.email, `${title} — Gate 1 of 3`, { outcome: 'go' });
      const status = await d.until(projectId, (s) => s.status === 'in-stage', 'into a stage');
      check(status.stage?.gateId === 'launch', `went into stage ${status.stage?.gateId}, not launch`);
      check(
        status.skipped?.some((g: { gateId: string }) => g.gateId === 'business-case'),
        `the business case gate is not shown as skipped: ${JSON.stringify(status.skipped)}`,
      );
    },
  },
  {
    name: 'recycle and second attempt',
    async run(d) {
      const title = d.title('Recycled');
      const projectId = await d.atGate2(title);
      const about = `${title} — Gate 2 of 3`;
      await d.linkFor(people.sponsor.email, about);
      await d.decideAs(people.finance.email, about, {
        outcome: 'recycle',
        recycleTo: 'business-case',
        comment: 'Rework the numbers.',
      });
      const back = await d.until(projectId, (s) => s.status === 'in-stage', 'back into stage 2');
      check(back.stage?.gateId === 'business-case', `recycled into stage ${back.stage?.gateId}`);
      check(
        (await fetch(await d.linkFor(people.sponsor.email, about))).status === 410,
        "the sponsor's link outlived the recycle",
      );
      await d.expectSubmitted(projectId);
      await d.decideAs(people.sponsor.email, about, { outcome: 'go' }, 2);
      await d.decideAs(people.finance.email, about, { outcome: 'go' }, 2);
      await d.intoStage3(projectId);
      const outcomes = (await d.status(projectId)).gates
        .map((g: { outcome?: string }) => g.outcome)
        .join(',');
      check(outcomes === 'go,recycle,go', `gate outcomes ${outcomes}`);
    },
  },
  {
    name: 'conditional go met',
    async run(d) {
      const title = d.title('Conditional');
      const projectId = await d.propose(title, { managerEmail: people.manager.email });
      await d.decideAs(people.sponsor.email, `${title} — Gate 1 of 3`, {
        outcome: 'conditional-go',
        comment: 'Only with a security review.',
        'condition-0': 'Security review signed off',
        'condition-0-due': dateIn(d.clock, 30),
      });
      const status = await d.until(projectId, (s) => s.status === 'in-stage', 'into stage 2');
      const condition = status.conditions?.[0];
      check(
        condition?.state === 'open' && condition.owner === people.manager.email,
        `condition ${JSON.stringify(condition)}`,
      );
      const refused = await d.submitStage(projectId, people.manager);
      check(refused.status === 409, `a submission with an open condition answered ${refused.status}`);
      const met = await d.api('POST', `/projects/${projectId}/conditions/${condition.conditionId}/met`, {
        as: people.manager,
        body: { evidence: 'https://docs.example.com/security-review', note: 'Signed by the CISO.' },
      });
      check(met.status === 200, `marking the condition met answered ${met.status}`);
      await d.expectSubmitted(projectId, people.manager);
      await d.decideAs(people.sponsor.email, `${title} — Gate 2 of 3`, { outcome: 'go' });
      await d.decideAs(people.finance.email, `${title} — Gate 2 of 3`, { outcome: 'go' });
      await d.intoStage3(projectId);
    },
  },
  {
    name: 'conditional go missed (auto-hold), resume, waive',
    async run(d) {
      const title = d.title('Missed condition');
      const projectId = await d.propose(title);
      await d.decideAs(people.sponsor.email, `${title} — Gate 1 of 3`, {
        outcome: 'conditional-go',
        comment: 'Needs a budget line.',
        'condition-0': 'Budget line approved',
        'condition-0-due': dateIn(d.clock, 1),
      });
      const stage = await d.until(projectId, (s) => s.status === 'in-stage', 'into stage 2');
      const conditionId = stage.conditions?.[0]?.conditionId;
      check(conditionId, 'no condition recorded');
      d.clock.advanceHours(48);
      const held = await d.sweepUntil(
        projectId,
        (s) => s.status === 'on-hold',
        'on hold for the missed condition',
      );
      check(held.hold?.cause === 'condition', `held for ${held.hold?.cause}`);
      await d.mailTo(people.pmoAdmin.email, `On hold: ${title}`);
      await d.admin(`/projects/${projectId}/resume`, { reason: 'Budget line is on its way.' }, 202);
      const refused = await d.submitStage(projectId);
      check(refused.status === 409, `a submission with the missed condition answered ${refused.status}`);
      await d.admin(
        `/projects/${projectId}/conditions/${conditionId}/waive`,
        { reason: 'Covered by the annual budget.' },
        200,
      );
      await d.expectSubmitted(projectId);
      await d.decideAs(people.sponsor.email, `${title} — Gate 2 of 3`, { outcome: 'go' });
      await d.decideAs(people.finance.email, `${title} — Gate 2 of 3`, { outcome: 'go' });
      await d.intoStage3(projectId);
    },
  },
  {
    name: 'hold and resume',
    async run(d) {
      const title = d.title('Held');
      const projectId = await d.atGate2(title);
      const about = `${title} — Gate 2 of 3`;
      await d.decideAs(people.finance.email, about, { outcome: 'hold', comment: 'Budget freeze.' });
      await d.until(projectId, (s) => s.status === 'on-hold', 'on hold');
      await d.admin(`/projects/${projectId}/resume`, { reason: 'Please.' }, 403, people.requester);
      const resumed = await d.admin(`/projects/${projectId}/resume`, { reason: 'Freeze lifted.' }, 202);
      check(resumed.gateId === 'business-case', `resumed to ${JSON.stringify(resumed)}`);
      await d.decideAs(people.sponsor.email, about, { outcome: 'go' }, 2);
      await d.decideAs(people.finance.email, about, { outcome: 'go' }, 2);
      await d.intoStage3(projectId);
    },
  },
  {
    name: 'deadline outcome at the SLA',
    async run(d) {
      const title = d.title('Deadline');
      const projectId = await d.propose(title);
      await d.linkFor(people.sponsor.email, `${title} — Gate 1 of 3`);
      d.clock.advanceHours(73);
      const held = await d.sweepUntil(projectId, (s) => s.status === 'on-hold', 'on hold at the deadline');
      check(held.hold?.cause === 'deadline', `held for ${held.hold?.cause}`);
      const gate = held.gates?.[0];
      check(
        gate?.status === 'expired' && gate.outcome === 'hold' && gate.decidedBy === 'deadline',
        `gate 1 ended ${JSON.stringify(gate)}`,
      );
      await d.mailTo(people.pmoAdmin.email, `On hold: ${title}`);
    },
  },
  {
    name: 'reminder then escalation',
    async run(d) {
      const title = d.title('Slow sponsor');
      const projectId = await d.propose(title);
      const about = `${title} — Gate 1 of 3`;
      const first = await d.linkFor(people.sponsor.email, about);
      d.clock.advanceHours(25);
      await d.runtime.sweep();
      await d.mailTo(people.sponsor.email, `Reminder: Decision needed: ${title}`);
      check((await fetch(first)).status === 410, 'the first link still works after the reminder');
      d.clock.advanceHours(24);
      await d.runtime.sweep();
      await d.mailTo(people.pmoAdmin.email, `Escalation: ${title}`);
      await d.decideAs(people.sponsor.email, about, { outcome: 'go' }, 2);
      await d.until(projectId, (s) => s.status === 'in-stage', 'into stage 2');
    },
  },
  {
    name: 'delegation',
    async run(d) {
      const title = d.title('Delegated');
      const projectId = await d.atGate2(title);
      const about = `${title} — Gate 2 of 3`;
      const financeLink = await d.linkFor(people.finance.email, about);
      const handed = await fetch(financeLink, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          intent: 'delegate',
          delegateTo: ada.email,
          delegateReason: 'On leave; Ada knows the numbers.',
        }).toString(),
      });
      check(handed.status === 200, `delegating answered ${handed.status}`);
      check((await fetch(financeLink)).status === 410, 'the delegated link still works');
      await d.decideAs(ada.email, about, { outcome: 'go' });
      await d.decideAs(people.sponsor.email, about, { outcome: 'go' });
      await d.intoStage3(projectId);
    },
  },
  {
    name: 'reassignment',
    async run(d) {
      const title = d.title('Reassigned');
      const projectId = await d.atGate2(title);
      const about = `${title} — Gate 2 of 3`;
      const sponsorLink = await d.linkFor(people.sponsor.email, about);
      await d.admin(
        `/projects/${projectId}/gates/2/reassign`,
        { from: people.sponsor.email, to: ada.email, reason: 'Sam left the company.' },
        200,
      );
      check((await fetch(sponsorLink)).status === 410, 'the reassigned link still works');
      await d.decideAs(ada.email, about, { outcome: 'go' });
      await d.decideAs(people.finance.email, about, { outcome: 'go' });
      await d.intoStage3(projectId);
    },
  },
  {
    name: 'lost resume repaired by the sweeper',
    async run(d) {
      // The approver's decision is committed but its resume never reaches the workflow (the
      // process died right after the transaction). That crash cannot be caused over HTTP, so the
      // posted form goes through the same use case with a workflow whose resume fails.
      const title = d.title('Lost resume');
      const projectId = await d.propose(title);
      const link = await d.linkFor(people.sponsor.email, `${title} — Gate 1 of 3`);
      const page = await (await fetch(link)).text();
      const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
      const form = new URLSearchParams({ ...pageAnswers(page, 'go'), outcome: 'go' });
      await decide(
        {
          repository: d.repository,
          workflow: {
            startIntake: async () => undefined,
            startGateReview: async () => undefined,
            startCloseOut: async () => undefined,
            startTrailJob: async () => undefined,
            resumeGate: async () => {
              throw new Error('the process died before SendTaskSuccess');
            },
          },
          clock: d.clock,
          log: quiet,
        },
        {
          secret: new URL(link).pathname.split('/').pop() as string,
          body: decisionFromForm(form),
          source: { ip: '127.0.0.1', userAgent: 'smoke' },
        },
      );
      const stuck = await d.status(projectId);
      check(
        stuck.status === 'in-review' && stuck.currentGate?.status === 'decided',
        `after the lost resume: ${stuck.status}, gate ${stuck.currentGate?.status}`,
      );
      d.clock.advanceMinutes(3);
      await d.sweepUntil(projectId, (s) => s.status === 'in-stage', 'into stage 2 after the repair');
    },
  },
  {
    name: 'mail failure retried',
    async run(d) {
      const title = d.title('Mail outage');
      let projectId = '';
      d.runtime.faults.setMailDown(true);
      try {
        projectId = await d.propose(title);
        const open = await d.until(projectId, (s) => s.currentGate?.status === 'open', 'gate 1 open');
        await sleep(1500); // the SDK's own retries run out
        check(
          open.currentGate.approvers[0]?.mailedAt === undefined,
          'a mail was recorded as sent while SES was down',
        );
      } finally {
        d.runtime.faults.setMailDown(false);
      }
      d.clock.advanceMinutes(5);
      await d.runtime.sweep();
      await d.mailTo(people.sponsor.email, `${title} — Gate 1 of 3`);
      await d.until(
        projectId,
        (s) => Boolean(s.currentGate?.approvers[0]?.mailedAt),
        'its mail recorded as sent',
      );
      await d.decideAs(people.sponsor.email, `${title} — Gate 1 of 3`, { outcome: 'go' });
      await d.until(projectId, (s) => s.status === 'in-stage', 'into stage 2');
    },
  },
  {
    name: 'restart mid-stage and mid-review',
    ownRuntime: true,
    async run(before) {
      const reviewTitle = before.title('Restart in review');
      const stageTitle = before.title('Restart in a stage');
      const inReview = await before.propose(reviewTitle);
      // Stopped once the mail is recorded as sent (a stop between SES and that record sends it again).
      await before.until(
        inReview,
        (s) => Boolean(s.currentGate?.approvers[0]?.mailedAt),
        'its mail recorded',
      );
      const inStage = await before.propose(stageTitle);
      await before.decideAs(people.sponsor.email, `${stageTitle} — Gate 1 of 3`, { outcome: 'go' });
      await before.until(inStage, (s) => s.status === 'in-stage', 'into stage 2');

      const d = await before.restart();
      check(d.runtime.resumed >= 1, `${d.runtime.resumed} executions resumed`);
      const kept = (await d.runtime.outbox()).filter((m) =>
        m.subject.includes(`${reviewTitle} — Gate 1 of 3`),
      );
      check(kept.length === 1, `${kept.length} gate 1 mails kept in the outbox`);
      const { status } = await d.decide(d.linkIn(kept[0] as SentEmail), { outcome: 'go' });
      check(status === 200, `deciding from the link mailed before the restart answered ${status}`);
      await d.until(inReview, (s) => s.status === 'in-stage', 'into stage 2 after the restart');
      await d.expectSubmitted(inStage);
      await d.decideAs(people.sponsor.email, `${stageTitle} — Gate 2 of 3`, { outcome: 'go' });
      await d.decideAs(people.finance.email, `${stageTitle} — Gate 2 of 3`, { outcome: 'go' });
      await d.intoStage3(inStage);
    },
  },
  {
    name: 'self-approval refused',
    async run(d) {
      const alias = await d.api('POST', '/proposals', {
        as: people.requester,
        body: {
          title: d.title('My own project'),
          summary: 'Sponsored by myself.',
          sponsorEmail: 'Riley.Requester+boss@Example.com',
          fields: { estimatedCost: 250000, risk: 'medium' },
        },
      });
      const problems =
        alias.status === 400 ? ((await alias.json()) as { problems?: { path: string }[] }).problems : [];
      check(
        alias.status === 400 && problems?.some((p) => p.path === 'sponsorEmail'),
        `naming myself as sponsor answered ${alias.status}`,
      );

      const title = d.title('Hand to the requester');
      const projectId = await d.propose(title);
      const about = `${title} — Gate 1 of 3`;
      const link = await d.linkFor(people.sponsor.email, about);
      const delegated = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          intent: 'delegate',
          delegateTo: 'Riley.Requester+review@Example.com',
          delegateReason: 'Let Riley decide',
        }).toString(),
      });
      check(delegated.status === 400, `delegating to the requester answered ${delegated.status}`);
      await d.admin(
        `/projects/${projectId}/gates/1/reassign`,
        { from: people.sponsor.email, to: people.requester.email, reason: 'Riley knows best.' },
        400,
      );
      check(
        (await fetch(link)).status === 200,
        "the sponsor's link stopped working after refused hand-overs",
      );
      await d.decideAs(people.sponsor.email, about, { outcome: 'go' });
      await d.until(projectId, (s) => s.status === 'in-stage', 'into stage 2');
    },
  },
];
