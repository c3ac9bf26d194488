import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoRepository } from '../functions/adapters/dynamodb/repository.ts';
import { parseProcessDefinition } from '../functions/domain/definition-schema.ts';
import { CHAINS } from '../functions/domain/trail.ts';
import { WriteRejectedError } from '../functions/usecases/ports.ts';
import { DEMO_DEFINITION } from '../infra/local/demo.ts';

/**
 * `npm run tollgate -- <command>` — operator commands against a deployed table (AWS
 * credentials and region from the environment, as for any AWS CLI).
 *   print-demo-definition          the three-gate demo process as JSON, to start from
 *   check-definition <file>        validate a definition file; problems are named by path
 *   publish-definition <file> --table <name> --trail-table <name>   validate and publish a new version
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    table: { type: 'string' },
    'trail-table': { type: 'string' },
    actor: { type: 'string', default: process.env.USER ?? 'cli' },
  },
});
const [command, file] = positionals;

function load(path: string | undefined) {
  if (!path) throw new Error('give the definition file');
  const parsed = parseProcessDefinition(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.ok) {
    for (const p of parsed.problems) console.error(`  ${p.path}: ${p.message}`);
    throw new Error(`${path} is not a valid definition`);
  }
  return parsed.value;
}

try {
  if (command === 'print-demo-definition') {
    console.log(JSON.stringify(DEMO_DEFINITION, null, 2));
  } else if (command === 'check-definition') {
    const definition = load(file);
    console.log(`${definition.id} v${definition.version}: ${definition.gates.length} gates, valid`);
  } else if (command === 'publish-definition') {
    const definition = load(file);
    if (!values.table || !values['trail-table'])
      throw new Error(
        'give --table <name> and --trail-table <name> (the stack outputs TableName and TrailTableName)',
      );
    const repository = dynamoRepository(new DynamoDBClient({}), {
      main: values.table,
      trail: values['trail-table'],
    });
    await repository
      .publishDefinition(definition, {
        chain: CHAINS.definition(definition.id),
        subject: { definitionId: definition.id },
        at: new Date().toISOString(),
        actor: { type: 'person', id: values.actor ?? 'cli' },
        action: 'definition.published',
        definition: { id: definition.id, version: definition.version },
        detail: { name: definition.name, gates: definition.gates.map((g) => g.id) },
      })
      .catch((error: unknown) => {
        if (error instanceof WriteRejectedError)
          throw new Error(`${definition.id} v${definition.version} is already published`);
        throw error;
      });
    console.log(`published ${definition.id} v${definition.version}`);
  } else {
    console.log(
      'usage: npm run tollgate -- print-demo-definition | check-definition <file> | publish-definition <file> --table <name>',
    );
    process.exitCode = command ? 2 : 0;
  }
} catch (error) {
  console.error(`tollgate: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
