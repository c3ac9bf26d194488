// The DynamoDB adapters against DynamoDB Local: one in-memory instance for the file (a JVM start
// costs seconds of CPU), each describe on tables of its own. The repository; task tokens in a
// partition of their own; the local sign-in behind e-signatures.
import { randomUUID } from 'node:crypto';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRepository } from '../../functions/adapters/dynamodb/repository.ts';
import { Table } from '../../functions/adapters/dynamodb/table.ts';
import { agendaShard, keys, LISTINGS_INDEX, TABLE_KEYS } from '../../functions/adapters/keys.ts';
import type { GateDefinition } from '../../functions/domain/definition.ts';
import { buildGatePackage, gatePackageHash } from '../../functions/domain/gate-package.ts';
import { CHAINS, type TrailEvent, verifyChain } from '../../functions/domain/trail.ts';
import type {
  ApprovalRequest,
  ConditionRecord,
  GateInstance,
  Project,
} from '../../functions/usecases/model.ts';
import { type Repository, WriteRejectedError } from '../../functions/usecases/ports.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { enrolLocalSigner, LocalIdentityVerifier } from '../../infra/local/signers.ts';
import { ensureTable, ensureTables } from '../../infra/local/table.ts';

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

  it('lists the directory a page at a time, and refuses a cursor it did not give out', async () => {
    // Prepare
    const at = '2026-11-25T10:00:00.000Z';
    const emails = ['lena.list@example.com', 'liam.list@example.com', 'lou.list@example.com'];
    for (const email of emails)
      await repository.putPerson(
        { email, name: email.split('.')[0] ?? email, roles: ['requester'], updatedAt: at },
        {
          chain: CHAINS.people,
          subject: { person: email },
          at,
          actor: { type: 'system', id: 'test' },
          action: 'person.added',
          detail: {},
        },
      );

    // Act
    const first = await repository.listPeople({ limit: 2 });
    const rest = await repository.listPeople({ limit: 2, ...(first.cursor ? { cursor: first.cursor } : {}) });
    const forged = Buffer.from(JSON.stringify(['ACTIVE#in-stage', 'x', 'y', 'z'])).toString('base64url');
    const refused = await Promise.all(
      [forged, 'not a cursor', `${first.cursor}x`].map((cursor) =>
        repository.listPeople({ cursor }).catch((error: unknown) => error),
      ),
    );

    // Assess
    const listed = [...first.items, ...rest.items].map((p) => p.email).filter((e) => emails.includes(e));
    expect(listed).toEqual(emails);
    expect(first.items).toHaveLength(2);
    expect(first.items[0]).not.toHaveProperty('gsi3pk');
    for (const error of refused)
      expect(error).toMatchObject({ statusCode: 400, problems: [{ path: '(query).cursor' }] });
  });

  it("refuses a cursor outside the page's range (another listing's), and a key longer than DynamoDB takes", async () => {
    // Prepare: one approver's requests on the pending index, two overdue and two due later
    const table = new Table(client, TABLES.main, TABLES.trail);
    const index = TABLE_KEYS.indexes[0];
    const approver = keys.approverPending('cora.cursor@example.com');
    const now = '2026-11-25T10:00:00.000Z';
    const dues = ['2026-11-20', '2026-11-21', '2026-11-30', '2026-12-01'];
    for (const [i, due] of dues.entries())
      await client.send(
        new PutItemCommand({
          TableName: TABLES.main,
          Item: marshall({
            pk: `CURSOR#${i}`,
            sk: 'REQUEST',
            gsi1pk: approver,
            gsi1sk: `${due}T10:00:00.000Z#p`,
          }),
        }),
      );
    const everything = await table.indexPage(index, approver, { limit: 3 });
    const overdue = await table.indexPage(index, approver, { limit: 1, before: now });
    const longKey = Buffer.from(JSON.stringify([approver, 'é'.repeat(700), 'CURSOR#0', 'REQUEST'])).toString(
      'base64url',
    );

    // Act: the page of everything ends on a request due later; sent to the overdue listing
    const crossed = await table
      .indexPage(index, approver, {
        before: now,
        ...(everything.cursor ? { cursor: everything.cursor } : {}),
      })
      .catch((error: unknown) => error);
    const next = await table.indexPage(index, approver, {
      before: now,
      ...(overdue.cursor ? { cursor: overdue.cursor } : {}),
    });
    const tooLong = await table
      .indexPage(index, approver, { cursor: longKey })
      .catch((error: unknown) => error);

    // Assess
    expect(everything.items.at(-1)?.pk).toBe('CURSOR#2');
    expect(crossed).toMatchObject({ statusCode: 400, problems: [{ path: '(query).cursor' }] });
    expect(next.items.map((i) => i.pk)).toEqual(['CURSOR#1']);
    expect(longKey.length).toBeLessThanOrEqual(2048);
    expect(tooLong).toMatchObject({ statusCode: 400, problems: [{ path: '(query).cursor' }] });
  });

  it('lists active projects by status as they move, and a closed project no more', async () => {
    // Prepare
    const projectId = randomUUID();
    await repository.createProject(project(projectId), [event(projectId, 'project.created')]);
    const listed = async (status: 'in-stage' | 'on-hold') => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await repository.listActiveProjects(status, {
          limit: 100,
          ...(cursor ? { cursor } : {}),
        });
        ids.push(...page.items.map((p) => p.projectId));
        cursor = page.cursor;
      } while (cursor);
      return ids;
    };
    const inStage = await listed('in-stage');

    // Act
    await repository.changeProject({
      projectId,
      expectedVersion: 0,
      set: { status: 'on-hold', updatedAt: '2026-11-26T10:00:00.000Z' },
      events: [event(projectId, 'project.held')],
    });
    const afterHold = { inStage: await listed('in-stage'), onHold: await listed('on-hold') };
    await repository.changeProject({
      projectId,
      expectedVersion: 1,
      set: { status: 'closed', closedAt: '2026-11-26T11:00:00.000Z', updatedAt: '2026-11-26T11:00:00.000Z' },
      events: [event(projectId, 'project.closed')],
    });
    const afterClose = await listed('on-hold');

    // Assess
    expect(inStage).toContain(projectId);
    expect(afterHold.inStage).not.toContain(projectId);
    expect(afterHold.onHold).toContain(projectId);
    expect(afterClose).not.toContain(projectId);
  });

  it('adds an index a table from an earlier version lacks, as a deploy would', async () => {
    // Prepare: the table as it was before the listings index.
    const older = { ...TABLE_KEYS, indexes: TABLE_KEYS.indexes.filter((i) => i.name !== LISTINGS_INDEX) };
    await ensureTable(client, 'repository-test-older', older);

    // Act
    const again = await ensureTable(client, 'repository-test-older');

    // Assess
    const { Table: described } = await client.send(
      new DescribeTableCommand({ TableName: 'repository-test-older' }),
    );
    expect(again).toBe('exists');
    expect(described?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(
      TABLE_KEYS.indexes.map((i) => i.name).sort(),
    );
  });

  it('lists every process at its current version, and each version published', async () => {
    // Prepare
    const published = { ...event('x', 'definition.published'), chain: CHAINS.definition('listed') };
    const definition = { ...DEMO_DEFINITION, id: 'listed' };

    // Act
    await repository.publishDefinition({ ...definition, version: 1 }, published);
    await repository.publishDefinition({ ...definition, version: 2, name: 'Listed, second' }, published);

    // Assess
    const processes = await repository.listDefinitions();
    expect(processes.find((d) => d.id === 'listed')).toMatchObject({ version: 2, name: 'Listed, second' });
    expect((await repository.listDefinitionVersions('listed')).map((v) => [v.version, v.name])).toEqual([
      [1, DEMO_DEFINITION.name],
      [2, 'Listed, second'],
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

// Task tokens live in a partition of their own (TOKEN#<project>#<seq>), never on the gate item,
// so IAM can deny them to every function that does not resume a workflow (ADR 0012).
describe('task tokens in the DynamoDB repository', () => {
  const TOKEN_TABLES = { main: 'task-tokens-test', trail: 'task-tokens-test-trail' };
  const OPENED_AT = '2026-11-25T10:00:00.000Z';
  const DUE_AT = '2026-12-02T10:00:00.000Z';

  /** The repository on this describe's own tables. */
  let tokens: Repository;

  beforeAll(async () => {
    await ensureTables(client, TOKEN_TABLES);
    tokens = dynamoRepository(client, TOKEN_TABLES);
  });

  /** The raw item under a key, as stored (undefined when there is none). */
  const rawItem = async (key: { pk: string; sk: string }) => {
    const out = await client.send(
      new GetItemCommand({ TableName: TOKEN_TABLES.main, Key: marshall(key), ConsistentRead: true }),
    );
    return out.Item ? unmarshall(out.Item) : undefined;
  };

  const projectInReview = (projectId: string): Project => ({
    projectId,
    title: 'Token project',
    summary: 'For the task token tests.',
    fields: { estimatedCost: 1000, risk: 'low' },
    requester: { email: 'riley.requester@example.com', name: 'Riley' },
    sponsorEmail: 'sam.sponsor@example.com',
    definition: { id: DEMO_DEFINITION.id, version: DEMO_DEFINITION.version },
    status: 'in-review',
    lastSequence: 1,
    submittedAt: OPENED_AT,
    updatedAt: OPENED_AT,
    version: 0,
  });

  const demoEvent = (projectId: string, action: string): TrailEvent => ({
    chain: CHAINS.project(projectId),
    subject: { projectId },
    at: new Date().toISOString(),
    actor: { type: 'system', id: 'test' },
    action,
    definition: { id: DEMO_DEFINITION.id, version: DEMO_DEFINITION.version },
    detail: {},
  });

  /** Gate instance 1 of a project, open, awaiting one approver. */
  function gateOf(projectId: string): { gate: GateInstance; requests: ApprovalRequest[] } {
    const definition = DEMO_DEFINITION;
    const gateDefinition = definition.gates[0] as GateDefinition;
    const pkg = buildGatePackage({
      project: projectInReview(projectId),
      definition,
      gate: gateDefinition,
      sequence: 1,
      openedAt: OPENED_AT,
      dueAt: DUE_AT,
    });
    const approver = 'sam.sponsor@example.com';
    return {
      gate: {
        projectId,
        sequence: 1,
        gateId: gateDefinition.id,
        kind: pkg.kind,
        status: 'open',
        package: pkg,
        packageHash: gatePackageHash(pkg),
        approvers: [approver],
        rule: gateDefinition.rule,
        sla: {},
        openedAt: OPENED_AT,
        dueAt: DUE_AT,
        version: 0,
      },
      requests: [{ projectId, sequence: 1, approver, name: 'Sam', status: 'pending', dueAt: DUE_AT }],
    };
  }

  async function openedGate(projectId: string, taskToken: string): Promise<GateInstance> {
    await tokens.createProject(projectInReview(projectId), [demoEvent(projectId, 'proposal.submitted')]);
    const { gate, requests } = gateOf(projectId);
    await tokens.openGate({
      gate,
      requests,
      taskToken,
      agendaAt: undefined,
      events: [demoEvent(projectId, 'gate.opened')],
    });
    return gate;
  }

  it('keeps the token of a new gate in an item of its own partition, never on the gate item', async () => {
    // Prepare
    const projectId = crypto.randomUUID();

    // Act
    await openedGate(projectId, 'token-opened');

    // Assess: the token item holds it; the gate item (read raw, all attributes) does not.
    const tokenKey = keys.taskToken(projectId, 1);
    expect(tokenKey.pk.startsWith('TOKEN#')).toBe(true);
    expect(tokenKey.pk).not.toBe(keys.gate(projectId, 1).pk);
    expect(await rawItem(tokenKey)).toMatchObject({ taskToken: 'token-opened' });
    const gateItem = await rawItem(keys.gate(projectId, 1));
    expect(gateItem).toMatchObject({ type: 'gate', status: 'open' });
    expect(gateItem).not.toHaveProperty('taskToken');
    expect(await tokens.readTaskToken(projectId, 1)).toBe('token-opened');
    // A gate's other readers never meet it.
    expect(await tokens.getGate(projectId, 1)).not.toHaveProperty('taskToken');
    expect((await tokens.listGates(projectId)).map((g) => g.sequence)).toEqual([1]);
  });

  it('replaces the token in its own item when a wait is redelivered, the gate item untouched by it', async () => {
    // Prepare
    const projectId = crypto.randomUUID();
    await openedGate(projectId, 'token-first');

    // Act
    await tokens.storeTaskToken(projectId, 1, 'token-second');

    // Assess
    expect(await tokens.readTaskToken(projectId, 1)).toBe('token-second');
    expect(await rawItem(keys.taskToken(projectId, 1))).toMatchObject({ taskToken: 'token-second' });
    expect(await rawItem(keys.gate(projectId, 1))).not.toHaveProperty('taskToken');
  });

  it('stores a token only beside an existing gate instance', async () => {
    // Prepare
    const projectId = crypto.randomUUID();

    // Act
    const stored = tokens.storeTaskToken(projectId, 1, 'token-stray');

    // Assess: refused, and nothing written.
    await expect(stored).rejects.toThrow();
    expect(await rawItem(keys.taskToken(projectId, 1))).toBeUndefined();
  });

  it('still reads a token an older version kept on the gate item, and moves it at the next store', async () => {
    // Prepare: a gate item as written before tokens had their own item (a data dir from then).
    const projectId = crypto.randomUUID();
    const { gate } = gateOf(projectId);
    await client.send(
      new PutItemCommand({
        TableName: TOKEN_TABLES.main,
        Item: marshall(
          { ...keys.gate(projectId, 1), type: 'gate', ...gate, taskToken: 'token-legacy' },
          { removeUndefinedValues: true },
        ),
      }),
    );

    // Act
    const legacy = await tokens.readTaskToken(projectId, 1);
    await tokens.storeTaskToken(projectId, 1, 'token-moved');

    // Assess
    expect(legacy).toBe('token-legacy');
    expect(await tokens.getGate(projectId, 1)).not.toHaveProperty('taskToken');
    expect(await tokens.readTaskToken(projectId, 1)).toBe('token-moved');
    expect(await rawItem(keys.gate(projectId, 1))).not.toHaveProperty('taskToken');
    expect(await rawItem(keys.taskToken(projectId, 1))).toMatchObject({ taskToken: 'token-moved' });
  });

  it('reads no token where no wait ever kept one', async () => {
    expect(await tokens.readTaskToken(crypto.randomUUID(), 1)).toBeUndefined();
  });
});

// The local sign-in (password + TOTP) stands in for Cognito with MFA on one machine; Cognito's
// adapter is test/integration/identity.test.ts's business.
describe('the local sign-in', () => {
  const APPROVER = 'sam.sponsor@example.com';
  let table: Table;
  let now = new Date('2030-01-01T10:00:00Z');

  beforeAll(async () => {
    await ensureTables(client, { main: 'identity-main', trail: 'identity-trail' });
    table = new Table(client, 'identity-main', 'identity-trail');
  });

  it('checks the password and a TOTP code, each code once, and refuses who is not enrolled', async () => {
    // Prepare
    const enrolled = await enrolLocalSigner(table, { email: APPROVER, password: 'a-long-password', now });
    const verifier = new LocalIdentityVerifier(table, () => now);
    const authenticator = new TOTP({ secret: Secret.fromBase32(enrolled.secret) });
    const code = authenticator.generate({ timestamp: now.getTime() });
    // Act / Assess
    expect(enrolled.otpauthUri).toMatch(/^otpauth:\/\/totp\/tollgate:sam\.sponsor%40example\.com\?/);
    expect(await verifier.verify(APPROVER, { password: 'wrong-password' })).toEqual({
      ok: false,
      refused: 'password',
    });
    expect(await verifier.verify(APPROVER, { password: 'a-long-password' })).toEqual({ ok: true });
    expect(await verifier.verify(APPROVER, { password: 'a-long-password', code: '000000' })).toMatchObject({
      ok: false,
    });
    expect(await verifier.verify(APPROVER, { password: 'a-long-password', code })).toEqual({
      ok: true,
      sub: enrolled.sub,
    });
    expect(await verifier.verify(APPROVER, { password: 'a-long-password', code })).toEqual({
      ok: false,
      refused: 'code',
    });
    now = new Date(now.getTime() + 30_000);
    const next = authenticator.generate({ timestamp: now.getTime() });
    expect(await verifier.verify(APPROVER, { password: 'a-long-password', code: next })).toMatchObject({
      ok: true,
    });
    expect(await verifier.verify('nobody@example.com', { password: 'a-long-password' })).toEqual({
      ok: false,
      refused: 'not-enrolled',
    });
  });

  it('records each enrolment in the people chain, without the password or the secret', async () => {
    // Prepare
    const email = 'ada.architect@example.com';
    // Act
    const first = await enrolLocalSigner(table, { email, password: 'first-long-password', now });
    await enrolLocalSigner(table, { email, password: 'second-long-password', now });
    // Assess
    const entries = (
      await dynamoRepository(client, { main: 'identity-main', trail: 'identity-trail' }).listTrail(
        CHAINS.people,
      )
    ).filter((e) => e.subject?.person === email);
    expect(entries.map((e) => e.action)).toEqual(['signer.enrolled', 'signer.re-enrolled']);
    expect(entries[0]?.detail).toEqual({ method: 'password+totp', sub: first.sub });
    expect(JSON.stringify(entries)).not.toMatch(/long-password|scrypt/);
    expect(JSON.stringify(entries)).not.toContain(first.secret);
  });

  it('refuses a password shorter than 12 characters at enrolment', async () => {
    await expect(enrolLocalSigner(table, { email: APPROVER, password: 'short' })).rejects.toThrow(
      /12 to 200/,
    );
  });
});
