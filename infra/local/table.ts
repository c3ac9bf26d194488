import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS, TRAIL_TABLE_KEYS } from '../../functions/adapters/keys.ts';

type KeySpec = {
  partitionKey: string;
  sortKey: string;
  indexes: readonly { name: string; partitionKey: string; sortKey: string }[];
};

/** Creates a table as the CDK stack defines it (same keys, same indexes), if missing. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  spec: KeySpec = TABLE_KEYS,
): Promise<'created' | 'exists'> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    await addMissingIndexes(client, tableName, spec, Table?.GlobalSecondaryIndexes ?? []);
    return 'exists';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const attributes = new Set<string>([spec.partitionKey, spec.sortKey]);
  for (const index of spec.indexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: spec.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  return 'created';
}

/**
 * A data dir from before an index was added gets it (as a CDK deploy adds it on AWS). Items
 * written before are not in it until they change: `npm start` says so once.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  tableName: string,
  spec: KeySpec,
  existing: { IndexName?: string | undefined }[],
): Promise<void> {
  for (const index of spec.indexes) {
    if (existing.some((e) => e.IndexName === index.name)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' },
                { AttributeName: index.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          },
        ],
      }),
    );
  }
}

/** Both tables: the main one and the trail's own. */
export async function ensureTables(
  client: DynamoDBClient,
  names: { main: string; trail: string },
): Promise<('created' | 'exists')[]> {
  return Promise.all([ensureTable(client, names.main), ensureTable(client, names.trail, TRAIL_TABLE_KEYS)]);
}
