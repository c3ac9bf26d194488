import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT } from './errors.ts';

/**
 * Definition commands against a deployed table (AWS credentials and region from the
 * environment, as for any AWS CLI): print the demo process, check a file, publish a version.
 */
export function definitionCommands(program: Command): void {
  program
    .command('print-demo-definition')
    .description('print the three-gate demo process as JSON, to start from')
    .action(async () => {
      const { DEMO_DEFINITION } = await import('../../infra/local/demo.ts');
      console.log(JSON.stringify(DEMO_DEFINITION, null, 2));
    });

  program
    .command('check-definition')
    .description('validate a definition file; problems are named by path')
    .argument('<file>', 'the definition (JSON)')
    .action(async (file: string) => {
      const definition = await load(file);
      console.log(`${definition.id} v${definition.version}: ${definition.gates.length} gates, valid`);
    });

  program
    .command('publish-definition')
    .description('validate and publish a new version of a definition, straight to the tables')
    .argument('<file>', 'the definition (JSON)')
    .option('--table <name>', 'the main table (stack output TableName)')
    .option('--trail-table <name>', 'the trail table (stack output TrailTableName)')
    .option('--actor <id>', 'who publishes, for the trail', process.env.USER ?? 'cli')
    .action(async (file: string, options: { table?: string; trailTable?: string; actor: string }) => {
      const definition = await load(file);
      if (!options.table || !options.trailTable)
        throw new CliError(
          EXIT.failed,
          'give --table <name> and --trail-table <name> (the stack outputs TableName and TrailTableName)',
        );
      const { publishToTables } = await import('./publish.ts');
      await publishToTables(definition, { main: options.table, trail: options.trailTable }, options.actor);
      console.log(`published ${definition.id} v${definition.version}`);
    });
}

/** The definition in a file, validated (the schema loaded only when needed: zod is slow to load). */
async function load(path: string) {
  const { parseProcessDefinition } = await import('../../functions/domain/definition-schema.ts');
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(EXIT.failed, `${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parseProcessDefinition(input);
  if (!parsed.ok) throw new CliError(EXIT.failed, `${path} is not a valid definition`, parsed.problems);
  return parsed.value;
}
