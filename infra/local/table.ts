import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
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
    await client.send(new DescribeTableCommand({ TableName: tableName }));
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

/** Both tables: the main one and the trail's own. */
export async function ensureTables(
  client: DynamoDBClient,
  names: { main: string; trail: string },
): Promise<('created' | 'exists')[]> {
  return Promise.all([ensureTable(client, names.main), ensureTable(client, names.trail, TRAIL_TABLE_KEYS)]);
}
