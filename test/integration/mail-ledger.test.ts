/**
 * The mail ledger against real DynamoDB Local and the local SES inbox: every mail goes out once
 * per approver, gate instance, kind and round, however the steps that send it are retried —
 * run twice at once, run again after they mailed, or run again after SES accepted a mail whose
 * record was never written. Mails are counted in the inbox, per (approver, kind).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRepository } from '../../functions/adapters/dynamodb/repository.ts';
import { SesMailer } from '../../functions/adapters/mailer.ts';
import { MAIL_CLAIM_STALE_MS } from '../../functions/domain/agenda.ts';
import { DEFAULT_SUBADDRESS_DOMAINS } from '../../functions/domain/email.ts';
import { hashLinkSecret } from '../../functions/domain/links.ts';
import { CHAINS } from '../../functions/domain/trail.ts';
import { callerActor } from '../../functions/usecases/caller.ts';
import { decide } from '../../functions/usecases/decisions.ts';
import { reassign } from '../../functions/usecases/delegation.ts';
import { notifyAwaited, openGate } from '../../functions/usecases/gates.ts';
import type { Project } from '../../functions/usecases/model.ts';
import type { Ports, Repository, Workflow } from '../../functions/usecases/ports.ts';
import { sweep } from '../../functions/usecases/sweeper.ts';
import { applyDecision } from '../../functions/usecases/transitions.ts';
import { DEMO_DEFINITION, DEMO_PEOPLE } from '../../infra/local/demo.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { readSesStore, type SesLocal, startSesLocal } from '../../infra/local/ses-local.ts';
import { ensureTables } from '../../infra/local/table.ts';
import { TestClock } from '../support/runtime.ts';

const TABLES = { main: 'mail-ledger-test', trail: 'mail-ledger-test-trail' };
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const { sponsor, finance, pmoAdmin } = DEMO_PEOPLE;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

let dynamo: DynamoDbLocal;
let ses: SesLocal;
let client: DynamoDBClient;
let sesClient: SESClient;
let repository: Repository;

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([startDynamoDbLocal({}), startSesLocal({ host: '127.0.0.1' })]);
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
  sesClient = new SESClient({ endpoint: ses.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  await ensureTables(client, TABLES);
  repository = dynamoRepository(client, TABLES);
  const at = new Date().toISOString();
  const actor = { type: 'system' as const, id: 'test' };
  await repository.publishDefinition(DEMO_DEFINITION, {
    chain: CHAINS.definition(DEMO_DEFINITION.id),
    at,
    actor,
    action: 'definition.published',
    definition: { id: DEMO_DEFINITION.id, version: DEMO_DEFINITION.version },
    detail: {},
  });
  for (const person of [sponsor, finance, pmoAdmin])
    await repository.putPerson(
      { email: person.email, name: person.name, roles: [...person.groups], updatedAt: at },
      { chain: CHAINS.people, at, actor, action: 'person.added', detail: {} },
    );
});
afterAll(async () => {
  client?.destroy();
  sesClient?.destroy();
  await Promise.all([dynamo?.stop(), ses?.stop()]);
});

/** A workflow whose waits take any resume (the test plays the steps the resume would wake). */
const waitingWorkflow: Workflow = {
  startIntake: async () => undefined,
  startGateReview: async () => undefined,
  startCloseOut: async () => undefined,
  startTrailJob: async () => undefined,
  resumeGate: async () => 'resumed',
};

function portsOf(clock: TestClock, repo: Repository = repository): Ports {
  return {
    repository: repo,
    mailer: new SesMailer(sesClient, 'tollgate@example.com'),
    workflow: waitingWorkflow,
    clock,
    settings: {
      appUrl: 'http://127.0.0.1:9',
      linkMaxAgeHours: 14 * 24,
      subaddressDomains: DEFAULT_SUBADDRESS_DOMAINS,
    },
    log: quiet,
  };
}

/** The repository, but its next `method` call fails without writing: the crash after SES accepted. */
function failingOnce(method: 'markMailSent'): Repository {
  let failed = false;
  return new Proxy(repository, {
    get(target, name, receiver) {
      if (name === method && !failed)
        return async () => {
          failed = true;
          throw new Error('the step died after SES accepted the mail');
        };
      return Reflect.get(target, name, receiver);
    },
  });
}

/** A project working towards gate 1 (scoping: the sponsor decides; remind 24 h, escalate 48 h). */
async function projectAtGate1(title: string, clock: TestClock) {
  const projectId = randomUUID();
  const at = clock.now().toISOString();
  const project: Project = {
    projectId,
    title,
    summary: 'For the mail ledger tests.',
    fields: { estimatedCost: 250000, risk: 'medium' },
    requester: { email: DEMO_PEOPLE.requester.email, name: DEMO_PEOPLE.requester.name },
    sponsorEmail: sponsor.email,
    definition: { id: DEMO_DEFINITION.id, version: DEMO_DEFINITION.version },
    status: 'in-review',
    lastSequence: 1,
    submittedAt: at,
    updatedAt: at,
    version: 0,
  };
  await repository.createProject(project, [
    {
      chain: CHAINS.project(projectId),
      subject: { projectId },
      at,
      actor: { type: 'system', id: 'test' },
      action: 'proposal.submitted',
      definition: project.definition,
      detail: {},
    },
  ]);
  return { projectId, gate: { gateId: 'scoping', sequence: 1 } };
}

const KINDS: [string, RegExp][] = [
  ['reminder', /^Reminder: /],
  ['request', /^(Decision|Sign-off) needed: /],
  ['escalation', /^Escalation: /],
  ['receipt', /^Receipt: /],
];

/** The inbox's mails about `title`, counted per (recipient, kind). */
async function inbox(title: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const mail of await readSesStore(ses.url)) {
    if (!mail.subject.includes(title)) continue;
    const kind = KINDS.find(([, pattern]) => pattern.test(mail.subject))?.[0] ?? mail.subject;
    for (const to of mail.destination.to) counts[`${to} ${kind}`] = (counts[`${to} ${kind}`] ?? 0) + 1;
  }
  return counts;
}

async function linksTo(title: string, to: string): Promise<string[]> {
  return (await readSesStore(ses.url))
    .filter((m) => m.subject.includes(title) && m.destination.to.includes(to))
    .flatMap((m) => [...(m.body.text ?? '').matchAll(/\/a\/([A-Za-z0-9_-]+)/g)].map((r) => r[1] as string));
}

async function mailSentEntries(projectId: string, kind: string): Promise<number> {
  const trail = await repository.listTrail(CHAINS.project(projectId));
  return trail.filter((e) => e.action === 'mail.sent' && e.detail.kind === kind).length;
}

describe('one mail per approver, gate instance and kind, however the steps are retried', () => {
  it('OpenGate retried after SES accepted but before the record was written sends nothing more; a stale claim is re-sent once', async () => {
    // Prepare
    const clock = new TestClock();
    const title = `Retried open ${randomUUID().slice(0, 8)}`;
    const input = await projectAtGate1(title, clock);

    // Act: the first run dies after SES accepted; Step Functions runs the task again
    const died = await openGate(portsOf(clock, failingOnce('markMailSent')), {
      ...input,
      taskToken: 'token-1',
    }).catch((error: unknown) => error);
    await openGate(portsOf(clock), { ...input, taskToken: 'token-2' });
    const afterRetry = await inbox(title);
    // The sweeper, before and after the claim went stale
    await sweep(portsOf(clock));
    const beforeStale = await inbox(title);
    clock.advance(MAIL_CLAIM_STALE_MS + 60_000);
    const report = await sweep(portsOf(clock));
    await sweep(portsOf(clock));
    await openGate(portsOf(clock), { ...input, taskToken: 'token-3' });

    // Assess
    expect(died).toBeInstanceOf(Error);
    expect(afterRetry).toEqual({ [`${sponsor.email} request`]: 1 });
    expect(beforeStale).toEqual({ [`${sponsor.email} request`]: 1 });
    expect(report.sent).toBe(1);
    expect(await inbox(title)).toEqual({ [`${sponsor.email} request`]: 2 });
    const [request] = await repository.listRequests(input.projectId, 1);
    expect(request?.sentAt).toEqual(expect.any(String));
    const [entry] = await repository.listMail(input.projectId, 1);
    expect(entry).toMatchObject({
      kind: 'request',
      to: sponsor.email,
      n: '1',
      takenOverAt: expect.any(String),
    });
    expect(entry?.sentAt).toEqual(expect.any(String));
    // Only the latest mail's link works: the first one was superseded when it was sent again.
    const [first, second] = await linksTo(title, sponsor.email);
    expect((await repository.getLink(hashLinkSecret(first as string)))?.superseded?.by).toBe('reminder');
    expect(request?.linkHash).toBe(hashLinkSecret(second as string));
    expect(await mailSentEntries(input.projectId, 'request')).toBe(1);
  });

  it('OpenGate run twice at once and again later, then two sweepers at once past reminder and escalation time: one of each', async () => {
    // Prepare
    const clock = new TestClock();
    const title = `Doubled steps ${randomUUID().slice(0, 8)}`;
    const input = await projectAtGate1(title, clock);

    // Act
    await Promise.all([
      openGate(portsOf(clock), { ...input, taskToken: 'token-1' }),
      openGate(portsOf(clock), { ...input, taskToken: 'token-2' }),
    ]);
    await openGate(portsOf(clock), { ...input, taskToken: 'token-3' });
    const opened = await inbox(title);
    clock.advanceHours(49);
    await Promise.all([sweep(portsOf(clock)), sweep(portsOf(clock))]);
    await sweep(portsOf(clock));
    clock.advance(MAIL_CLAIM_STALE_MS + 60_000);
    await sweep(portsOf(clock));

    // Assess
    expect(opened).toEqual({ [`${sponsor.email} request`]: 1 });
    expect(await inbox(title)).toEqual({
      [`${sponsor.email} request`]: 1,
      [`${sponsor.email} reminder`]: 1,
      [`${pmoAdmin.email} escalation`]: 1,
    });
    expect(await mailSentEntries(input.projectId, 'reminder')).toBe(1);
    expect(await mailSentEntries(input.projectId, 'escalation')).toBe(1);
    const trail = await repository.listTrail(CHAINS.project(input.projectId));
    expect(trail.filter((e) => e.action === 'gate.escalated')).toHaveLength(1);
    expect(trail.filter((e) => e.action === 'request.reminded')).toHaveLength(1);
  });

  it('sends the receipt once, whoever comes first, and once more at most when the step that sent it died before recording it', async () => {
    // Prepare: the sponsor decides Go; nothing has sent the receipt yet
    const clock = new TestClock();
    const title = `Receipt once ${randomUUID().slice(0, 8)}`;
    const input = await projectAtGate1(title, clock);
    await openGate(portsOf(clock), { ...input, taskToken: 'token-1' });
    const [secret] = await linksTo(title, sponsor.email);
    const gate = await repository.getGate(input.projectId, 1);
    await decide(portsOf(clock), {
      secret: secret as string,
      body: {
        outcome: 'go',
        packageHash: gate?.packageHash,
        mustMeet: { 'strategic-fit': 'yes' },
        scores: { value: 8, feasibility: 8 },
      },
      source: { ip: '127.0.0.1', userAgent: 'test' },
    });
    const owed = await repository.listMail(input.projectId, 1);

    // Act: ApplyDecision dies after SES accepted the receipt and is retried; sweepers run at once
    await applyDecision(portsOf(clock, failingOnce('markMailSent')), input).catch(() => undefined);
    await applyDecision(portsOf(clock), input);
    await Promise.all([sweep(portsOf(clock)), sweep(portsOf(clock))]);
    const beforeStale = await inbox(title);
    clock.advance(MAIL_CLAIM_STALE_MS + 60_000);
    const [a, b] = await Promise.all([sweep(portsOf(clock)), sweep(portsOf(clock))]);
    await sweep(portsOf(clock));

    // Assess
    expect(owed.find((m) => m.kind === 'receipt')).toMatchObject({
      to: sponsor.email,
      owedAt: expect.any(String),
    });
    expect(beforeStale).toEqual({ [`${sponsor.email} request`]: 1, [`${sponsor.email} receipt`]: 1 });
    expect((a?.ledgerMails ?? 0) + (b?.ledgerMails ?? 0)).toBe(1);
    expect(await inbox(title)).toEqual({ [`${sponsor.email} request`]: 1, [`${sponsor.email} receipt`]: 2 });
    expect(await mailSentEntries(input.projectId, 'receipt')).toBe(1);
    const receipt = (await repository.listMail(input.projectId, 1)).find((m) => m.kind === 'receipt');
    expect(receipt).toMatchObject({ sentAt: expect.any(String), takenOverAt: expect.any(String) });
    expect(
      (await repository.listDue(clock.now().toISOString(), 100)).filter(
        (i) => i.projectId === input.projectId,
      ),
    ).toEqual([]);
  });

  it('sends one receipt per decision when nothing fails, and mails a request handed back as a new round', async () => {
    // Prepare
    const clock = new TestClock();
    const title = `Handed back ${randomUUID().slice(0, 8)}`;
    const input = await projectAtGate1(title, clock);
    await openGate(portsOf(clock), { ...input, taskToken: 'token-1' });
    const pmo = { sub: 'pmo', email: pmoAdmin.email, name: pmoAdmin.name, groups: ['pmo-admin'] };
    const caller = { ...pmo, actor: callerActor(pmo) };
    const source = { ip: '127.0.0.1', userAgent: 'test' };
    const hand = async (from: string, to: string) => {
      await reassign(portsOf(clock), caller, {
        projectId: input.projectId,
        sequence: 1,
        body: { from, to, reason: 'Covering for a week.' },
        source,
      });
      // The nudged wait re-enters: OpenGate mails whoever is newly awaited (twice: a redelivery).
      const gate = await repository.getGate(input.projectId, 1);
      if (gate) await Promise.all([notifyAwaited(portsOf(clock), gate), notifyAwaited(portsOf(clock), gate)]);
    };

    // Act
    await hand(sponsor.email, finance.email);
    await hand(finance.email, sponsor.email);
    const [, secret] = await linksTo(title, sponsor.email);
    const gate = await repository.getGate(input.projectId, 1);
    await decide(portsOf(clock), {
      secret: secret as string,
      body: {
        outcome: 'go',
        packageHash: gate?.packageHash,
        mustMeet: { 'strategic-fit': 'yes' },
        scores: { value: 8, feasibility: 8 },
      },
      source,
    });
    await Promise.all([applyDecision(portsOf(clock), input), sweep(portsOf(clock))]);
    await applyDecision(portsOf(clock), input);

    // Assess
    expect(await inbox(title)).toEqual({
      [`${sponsor.email} request`]: 2,
      [`${finance.email} request`]: 1,
      [`${sponsor.email} receipt`]: 1,
    });
    const rounds = (await repository.listMail(input.projectId, 1))
      .filter((m) => m.kind === 'request')
      .map((m) => `${m.to} ${m.n}`)
      .sort();
    expect(rounds).toEqual([`${finance.email} 1`, `${sponsor.email} 1`, `${sponsor.email} 2`]);
  });
});
