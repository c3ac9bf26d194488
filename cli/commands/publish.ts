import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoRepository } from '../../functions/adapters/dynamodb/repository.ts';
import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import { CHAINS } from '../../functions/domain/trail.ts';
import { WriteRejectedError } from '../../functions/usecases/ports.ts';
import { CliError, EXIT } from './errors.ts';

/** Publishes a definition version straight to the tables, trailed as the actor's. */
export async function publishToTables(
  definition: ProcessDefinition,
  tables: { main: string; trail: string },
  actor: string,
): Promise<void> {
  const repository = dynamoRepository(new DynamoDBClient({}), tables);
  await repository
    .publishDefinition(definition, {
      chain: CHAINS.definition(definition.id),
      subject: { definitionId: definition.id },
      at: new Date().toISOString(),
      actor: { type: 'person', id: actor },
      action: 'definition.published',
      definition: { id: definition.id, version: definition.version },
      detail: { name: definition.name, gates: definition.gates.map((g) => g.id) },
    })
    .catch((error: unknown) => {
      if (error instanceof WriteRejectedError)
        throw new CliError(EXIT.failed, `${definition.id} v${definition.version} is already published`);
      throw error;
    });
}
