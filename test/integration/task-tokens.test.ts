import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRepository } from '../../functions/adapters/dynamodb/repository.ts';
import { keys } from '../../functions/adapters/keys.ts';
import type { GateDefinition } from '../../functions/domain/definition.ts';
import { buildGatePackage, gatePackageHash } from '../../functions/domain/gate-package.ts';
import { CHAINS, type TrailEvent } from '../../functions/domain/trail.ts';
import type { ApprovalRequest, GateInstance, Project } from '../../functions/usecases/model.ts';
import type { Repository } from '../../functions/usecases/ports.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { ensureTables } from '../../infra/local/table.ts';

// Task tokens live in a partition of their own (TOKEN#<project>#<seq>), never on the gate item,
// so IAM can deny them to every function that does not resume a workflow (ADR 0012).

const TABLES = { main: 'task-tokens-test', trail: 'task-tokens-test-trail' };
const OPENED_AT = '2026-11-25T10:00:00.000Z';
const DUE_AT = '2026-12-02T10:00:00.000Z';

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

/** The raw item under a key, as stored (undefined when there is none). */
const rawItem = async (key: { pk: string; sk: string }) => {
  const out = await client.send(
    new GetItemCommand({ TableName: TABLES.main, Key: marshall(key), ConsistentRead: true }),
  );
  return out.Item ? unmarshall(out.Item) : undefined;
};

const project = (projectId: string): Project => ({
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

const event = (projectId: string, action: string): TrailEvent => ({
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
    project: project(projectId),
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
  await repository.createProject(project(projectId), [event(projectId, 'proposal.submitted')]);
  const { gate, requests } = gateOf(projectId);
  await repository.openGate({
    gate,
    requests,
    taskToken,
    agendaAt: undefined,
    events: [event(projectId, 'gate.opened')],
  });
  return gate;
}

describe('task tokens in the DynamoDB repository', () => {
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
    expect(await repository.readTaskToken(projectId, 1)).toBe('token-opened');
    // A gate's other readers never meet it.
    expect(await repository.getGate(projectId, 1)).not.toHaveProperty('taskToken');
    expect((await repository.listGates(projectId)).map((g) => g.sequence)).toEqual([1]);
  });

  it('replaces the token in its own item when a wait is redelivered, the gate item untouched by it', async () => {
    // Prepare
    const projectId = crypto.randomUUID();
    await openedGate(projectId, 'token-first');

    // Act
    await repository.storeTaskToken(projectId, 1, 'token-second');

    // Assess
    expect(await repository.readTaskToken(projectId, 1)).toBe('token-second');
    expect(await rawItem(keys.taskToken(projectId, 1))).toMatchObject({ taskToken: 'token-second' });
    expect(await rawItem(keys.gate(projectId, 1))).not.toHaveProperty('taskToken');
  });

  it('stores a token only beside an existing gate instance', async () => {
    // Prepare
    const projectId = crypto.randomUUID();

    // Act
    const stored = repository.storeTaskToken(projectId, 1, 'token-stray');

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
        TableName: TABLES.main,
        Item: marshall(
          { ...keys.gate(projectId, 1), type: 'gate', ...gate, taskToken: 'token-legacy' },
          { removeUndefinedValues: true },
        ),
      }),
    );

    // Act
    const legacy = await repository.readTaskToken(projectId, 1);
    await repository.storeTaskToken(projectId, 1, 'token-moved');

    // Assess
    expect(legacy).toBe('token-legacy');
    expect(await repository.getGate(projectId, 1)).not.toHaveProperty('taskToken');
    expect(await repository.readTaskToken(projectId, 1)).toBe('token-moved');
    expect(await rawItem(keys.gate(projectId, 1))).not.toHaveProperty('taskToken');
    expect(await rawItem(keys.taskToken(projectId, 1))).toMatchObject({ taskToken: 'token-moved' });
  });

  it('reads no token where no wait ever kept one', async () => {
    expect(await repository.readTaskToken(crypto.randomUUID(), 1)).toBeUndefined();
  });
});
