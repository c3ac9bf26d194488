import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import { CliError, EXIT, usageError } from './errors.ts';

/**
 * Definition commands that need no API: check a definition file (YAML or JSON, as kept in
 * `definitions/`) and print the demo process. The `defs` commands that talk to the API are in
 * definitions-admin.ts; this returns `defs` for them.
 */
export function definitionCommands(program: Command): Command {
  const defs = program
    .command('defs')
    .description(
      'process definitions: check a file; list, show, diff, dry-run, draft, publish, migrate (API)',
    );
  defs
    .command('validate')
    .description('validate a definition file: OK with its process and gates, or each problem at its line')
    .argument('<file>', 'the definition (YAML or JSON)')
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      '\nPrints each problem as file:line:col path: message.\nExit codes: 0 valid; 1 it has problems; 2 usage error (the file cannot be read).',
    )
    .action(validate);
  // The command's earlier name, kept for scripts that use it.
  program.command('check-definition', { hidden: true }).argument('<file>').option('--json').action(validate);

  program
    .command('print-demo-definition')
    .description('print the three-gate demo process as JSON, to start from')
    .action(async () => {
      const { DEMO_DEFINITION } = await import('../../infra/local/demo.ts');
      console.log(JSON.stringify(DEMO_DEFINITION, null, 2));
    });

  // Wrote the tables directly, trailed under an unverified `--actor` (no identity behind it).
  // Publishing goes through the API now, as the signed-in PMO admin; kept hidden so that old
  // scripts learn where it went instead of "unknown command".
  program
    .command('publish-definition', { hidden: true })
    .argument('[args...]')
    .allowUnknownOption()
    .action(() => {
      throw usageError(
        'publish-definition is gone: it wrote the tables under an --actor nobody checked. Publish through the API as a signed-in PMO admin: tollgate defs publish <file> --reason "…" (see tollgate defs publish --help)',
      );
    });
  return defs;
}

async function validate(file: string, options: { json?: boolean }): Promise<void> {
  const { formatFileProblem, parseDefinitionFile } = await import(
    '../../functions/domain/definition-file.ts'
  );
  const parsed = parseDefinitionFile(await read(file));
  if (options.json)
    console.log(
      JSON.stringify(
        parsed.ok
          ? { ok: true, file, ...summary(parsed.value) }
          : { ok: false, file, problems: parsed.problems },
      ),
    );
  else if (parsed.ok) {
    const { id, version, name, gates } = summary(parsed.value);
    console.log(`OK: ${file}: ${id} v${version} "${name}", ${gates.length} gates: ${gates.join(', ')}`);
  } else for (const p of parsed.problems) console.log(formatFileProblem(file, p));
  if (!parsed.ok) process.exitCode = EXIT.failed;
}

function summary({ id, version, name, gates }: ProcessDefinition) {
  return { id, version, name, gates: gates.map((g) => g.id) };
}

/** The definition in a file, validated (the schema loaded only when needed: zod is slow to load). */
export async function load(file: string): Promise<ProcessDefinition> {
  const { parseDefinitionFile } = await import('../../functions/domain/definition-file.ts');
  const parsed = parseDefinitionFile(await read(file));
  if (!parsed.ok) {
    // Printed as `file:line:col path: message`, the same lines as `defs validate`.
    const problems = parsed.problems.map((p) => ({
      path: `${file}:${p.line}:${p.col} ${p.path}`,
      message: p.message,
    }));
    throw new CliError(EXIT.failed, `${file} is not a valid definition`, problems);
  }
  return parsed.value;
}

export async function read(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    const why = { ENOENT: 'no such file', EISDIR: 'it is a folder' }[error.code ?? ''] ?? error.message;
    throw usageError(`cannot read ${file}: ${why}`);
  });
}
