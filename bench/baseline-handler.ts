// The baseline every handler is measured against (docs: DESIGN.md "Budgets"): only the DynamoDB
// client, built at module scope as a real Lambda would, and one GetItem per invocation.
// The endpoint, region and credentials come from the standard AWS_* environment variables.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});

export const handler = async (event: { pk?: string; sk?: string } = {}) => {
  const result = await client.send(
    new GetItemCommand({
      TableName: process.env.TABLE_NAME ?? 'bench',
      Key: { pk: { S: event.pk ?? 'BENCH' }, sk: { S: event.sk ?? 'ITEM' } },
    }),
  );
  return { found: result.Item !== undefined };
};
