import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRepository } from '../../functions/adapters/dynamodb.ts';
import { verifyChain } from '../../functions/domain/trail.ts';
import type { Project } from '../../functions/usecases/model.ts';
import { WriteRejectedError } from '../../functions/usecases/ports.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { ensureTable } from '../../infra/local/table.ts';

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let repository: DynamoRepository;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({});
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, 'repository-test');
  repository = new DynamoRepository(client, 'repository-test');
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

const project = (projectId: string): Project => ({
  projectId,
  title: 'Repository project',
  summary: 'For the repository tests.',
  requester: { email: 'riley.requester@example.com', name: 'Riley' },
  sponsorEmail: 'sam.sponsor@example.com',
  definition: { id: 'standard', version: 1 },
  status: 'in-review',
  submittedAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
});

const event = (projectId: string, action: string) => ({
  projectId,
  at: new Date().toISOString(),
  actor: { type: 'system' as const, id: 'test' },
  action,
  definition: { id: 'standard', version: 1 },
  detail: {},
});

describe('the DynamoDB repository', () => {
  it('publishes a definition version once: a second publish of the same version is refused', async () => {
    // Prepare
    const definition = { ...DEMO_DEFINITION, id: 'once-only' };
    await repository.publishDefinition(definition, { at: '2026-11-25T10:00:00.000Z', actor: 'test' });

    // Act
    const again = repository.publishDefinition(
      { ...definition, name: 'Changed' },
      { at: '2026-11-25T11:00:00.000Z', actor: 'test' },
    );

    // Assess
    await expect(again).rejects.toEqual(new WriteRejectedError(['new-version']));
    expect((await repository.getCurrentDefinition('once-only'))?.name).toBe(DEMO_DEFINITION.name);
  });

  it('writes the trail entry in the same transaction: a refused write leaves no entry', async () => {
    // Prepare
    const id = crypto.randomUUID();
    await repository.createProject(project(id), event(id, 'proposal.submitted'));

    // Act
    const second = repository.createProject(project(id), event(id, 'proposal.submitted'));

    // Assess
    await expect(second).rejects.toEqual(new WriteRejectedError(['new-project']));
    expect((await repository.listTrail(id)).map((e) => e.action)).toEqual(['proposal.submitted']);
  });

  it('keeps one unbroken chain when many writers append to one project at once', async () => {
    // Prepare
    const id = crypto.randomUUID();
    await repository.createProject(project(id), event(id, 'proposal.submitted'));

    // Act: six concurrent status changes, each with its trail entry
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        repository.setProjectStatus(id, i % 2 ? 'on-hold' : 'in-review', event(id, `status.${i}`)),
      ),
    );

    // Assess
    const trail = await repository.listTrail(id);
    expect(trail).toHaveLength(7);
    expect(trail.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(verifyChain(trail, await repository.getTrailHead(id))).toMatchObject({ ok: true, count: 7 });
  });
});
