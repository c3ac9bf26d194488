import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRepository } from '../../functions/adapters/dynamodb/repository.ts';
import { agendaShard } from '../../functions/adapters/keys.ts';
import { CHAINS, type TrailEvent, verifyChain } from '../../functions/domain/trail.ts';
import type { ConditionRecord, Project } from '../../functions/usecases/model.ts';
import { type Repository, WriteRejectedError } from '../../functions/usecases/ports.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { ensureTables } from '../../infra/local/table.ts';

const TABLES = { main: 'repository-test', trail: 'repository-test-trail' };

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let repository: Repository;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({});
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTables(client, TABLES);
  repository = dynamoRepository(client, TABLES);
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const project = (projectId: string): Project => ({
  projectId,
  title: 'Repository project',
  summary: 'For the repository tests.',
  fields: { estimatedCost: 1000, risk: 'low' },
  requester: { email: 'riley.requester@example.com', name: 'Riley' },
  sponsorEmail: 'sam.sponsor@example.com',
  definition: { id: 'standard', version: 1 },
  status: 'in-stage',
  stage: { gateId: 'business-case', enteredAt: '2026-11-25T10:00:00.000Z' },
  lastSequence: 0,
  submittedAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
  version: 0,
});

const event = (projectId: string, action: string): TrailEvent => ({
  chain: CHAINS.project(projectId),
  subject: { projectId },
  at: new Date().toISOString(),
  actor: { type: 'system', id: 'test' },
  action,
  definition: { id: 'standard', version: 1 },
  detail: {},
});

const condition = (projectId: string, due: string): ConditionRecord => ({
  projectId,
  conditionId: '1-1',
  sequence: 1,
  gateId: 'scoping',
  text: 'Security review',
  due,
  owner: 'riley.requester@example.com',
  state: 'open',
  createdAt: '2026-11-25T10:00:00.000Z',
});

describe('the DynamoDB repository', () => {
  it('publishes a definition version once, and the current pointer only moves forward', async () => {
    // Prepare
    const definition = { ...DEMO_DEFINITION, id: 'once-only' };
    const published = { ...event('x', 'definition.published'), chain: CHAINS.definition('once-only') };
    await repository.publishDefinition({ ...definition, version: 2 }, published);

    // Act
    const again = await repository
      .publishDefinition({ ...definition, version: 2, name: 'Changed' }, published)
      .catch((error: unknown) => error);
    const older = await repository
      .publishDefinition({ ...definition, version: 1 }, published)
      .catch((error: unknown) => error);

    // Assess
    expect(again).toEqual(new WriteRejectedError(['new-version']));
    expect(older).toEqual(new WriteRejectedError(['new-version']));
    expect(await repository.getCurrentDefinition('once-only')).toMatchObject({
      version: 2,
      name: DEMO_DEFINITION.name,
    });
    expect((await repository.listTrail(CHAINS.definition('once-only'))).map((e) => e.action)).toEqual([
      'definition.published',
    ]);
  });

  it('writes the trail entries in the same transaction: a refused write leaves no entry', async () => {
    // Prepare
    const id = crypto.randomUUID();
    await repository.createProject(project(id), [
      event(id, 'proposal.submitted'),
      event(id, 'stage.entered'),
    ]);

    // Act
    const second = await repository
      .createProject(project(id), [event(id, 'proposal.submitted')])
      .catch((e: unknown) => e);
    const stale = await repository
      .changeProject({
        projectId: id,
        expectedVersion: 7,
        set: { status: 'on-hold' },
        events: [event(id, 'project.on-hold')],
      })
      .catch((e: unknown) => e);

    // Assess
    expect(second).toEqual(new WriteRejectedError(['new-project']));
    expect(stale).toEqual(new WriteRejectedError(['project-unchanged']));
    expect((await repository.listTrail(CHAINS.project(id))).map((e) => e.action)).toEqual([
      'proposal.submitted',
      'stage.entered',
    ]);
    expect((await repository.getProject(id))?.status).toBe('in-stage');
  });

  it('keeps one unbroken chain when many writers append to one project at once', async () => {
    // Prepare
    const id = crypto.randomUUID();
    await repository.createProject(project(id), [event(id, 'proposal.submitted')]);

    // Act: six concurrent appends, two entries each
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        repository.appendTrail([event(id, `note.${i}.a`), event(id, `note.${i}.b`)]),
      ),
    );

    // Assess
    const trail = await repository.listTrail(CHAINS.project(id));
    expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    for (let i = 0; i < 6; i++) {
      const a = trail.findIndex((e) => e.action === `note.${i}.a`);
      expect(trail[a + 1]?.action).toBe(`note.${i}.b`);
    }
    expect(verifyChain(trail, await repository.getTrailHead(CHAINS.project(id)))).toMatchObject({
      ok: true,
      count: 13,
    });
  });

  it('seals a chain: afterwards it takes exports only', async () => {
    // Prepare
    const id = crypto.randomUUID();
    await repository.createProject(project(id), [event(id, 'proposal.submitted')]);

    // Act
    await repository.sealChain(event(id, 'trail.sealed'));
    const append = await repository.appendTrail([event(id, 'mail.sent')]).catch((error: unknown) => error);
    const change = await repository
      .changeProject({
        projectId: id,
        expectedVersion: 0,
        set: { status: 'on-hold' },
        events: [event(id, 'project.on-hold')],
      })
      .catch((error: unknown) => error);
    await repository.appendTrail([event(id, 'trail.exported')]);

    // Assess
    expect(append).toEqual(new WriteRejectedError(['chain-sealed']));
    expect(change).toEqual(new WriteRejectedError(['chain-sealed']));
    expect((await repository.getProject(id))?.status).toBe('in-stage');
    const trail = await repository.listTrail(CHAINS.project(id));
    expect(trail.map((e) => e.action)).toEqual(['proposal.submitted', 'trail.sealed', 'trail.exported']);
    expect(await repository.getTrailHead(CHAINS.project(id))).toMatchObject({ seq: 3, sealed: true });
  });

  it('lists what is due from every shard of the agenda, and nothing that is not', async () => {
    // Prepare: projects in several shards, owed a start (due) or holding a condition (due later)
    const due = Array.from({ length: 12 }, () => crypto.randomUUID());
    for (const id of due) {
      await repository.createProject(
        project(id),
        [event(id, 'proposal.submitted')],
        '2026-01-01T00:00:00.000Z',
      );
    }
    const later = crypto.randomUUID();
    await repository.createProject(project(later), [event(later, 'proposal.submitted')]);
    await repository.changeProject({
      projectId: later,
      expectedVersion: 0,
      set: {},
      createConditions: [condition(later, '2099-12-31')],
      events: [event(later, 'gate.followed')],
    });

    // Act
    const listed = await repository.listDue('2026-06-01T00:00:00.000Z', 100);

    // Assess
    const ids = listed.map((i) => i.projectId);
    for (const id of due) expect(ids).toContain(id);
    expect(ids).not.toContain(later);
    expect(new Set(due.map(agendaShard)).size).toBeGreaterThan(1);
    expect(
      (await repository.listDue('2100-01-01T00:00:00.000Z', 100)).filter((i) => i.projectId === later),
    ).toEqual([{ kind: 'condition', projectId: later, conditionId: '1-1', at: '2099-12-31T23:59:59.999Z' }]);
  });

  it('takes a condition off the agenda once it is met, and refuses a change from a stale state', async () => {
    // Prepare
    const id = crypto.randomUUID();
    await repository.createProject(project(id), [event(id, 'proposal.submitted')]);
    const open = condition(id, '2026-02-01');
    await repository.changeProject({
      projectId: id,
      expectedVersion: 0,
      set: {},
      createConditions: [open],
      events: [event(id, 'gate.followed')],
    });

    // Act
    const met = {
      ...open,
      state: 'met' as const,
      met: { by: 'riley.requester@example.com', at: 'now', evidence: 'https://x.example', note: '' },
    };
    await repository.changeProject({
      projectId: id,
      expectedVersion: 1,
      set: {},
      updateCondition: { condition: met, expectedState: 'open' },
      events: [event(id, 'condition.met')],
    });
    const again = repository.changeProject({
      projectId: id,
      expectedVersion: 2,
      set: {},
      updateCondition: { condition: { ...open, state: 'waived' }, expectedState: 'open' },
      events: [event(id, 'condition.waived')],
    });

    // Assess
    await expect(again).rejects.toEqual(new WriteRejectedError(['condition-unchanged']));
    expect(await repository.getCondition(id, '1-1')).toMatchObject({ state: 'met' });
    expect((await repository.listDue('2027-01-01T00:00:00.000Z', 100)).some((i) => i.projectId === id)).toBe(
      false,
    );
  });

  it('remembers an idempotency key once', async () => {
    // Prepare
    const record = {
      owner: 'sub-1',
      key: 'retry-1',
      requestHash: 'a'.repeat(64),
      projectId: crypto.randomUUID(),
      at: new Date().toISOString(),
    };
    await repository.rememberIdempotencyKey(record);

    // Act
    const again = repository.rememberIdempotencyKey({ ...record, projectId: crypto.randomUUID() });

    // Assess
    await expect(again).rejects.toEqual(new WriteRejectedError(['new-key']));
    expect(await repository.getIdempotencyKey('sub-1', 'retry-1')).toMatchObject({
      projectId: record.projectId,
    });
  });
});
