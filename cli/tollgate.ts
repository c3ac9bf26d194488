import { Command, CommanderError } from 'commander';
import { actionCommands } from './commands/actions.ts';
import { definitionCommands } from './commands/definitions.ts';
import { definitionAdminCommands } from './commands/definitions-admin.ts';
import { CliError, EXIT, reportError, setJsonMode } from './commands/errors.ts';
import { pendingCommand } from './commands/pending.ts';
import { peopleCommands } from './commands/people.ts';
import { trailCommands } from './commands/trail.ts';

/**
 * `tollgate <command>` (or `npm run tollgate -- <command>`): the PMO admin's and compliance's
 * commands. Everything but `defs validate` (and `defs diff --file`, `defs dry-run --offline`)
 * talks to the HTTP API by URL with a bearer token, never to the tables: what it changes is
 * trailed as the signed-in person's. Exit codes are the same for every command (see `--help`).
 */
const program = new Command('tollgate')
  .description('tollgate: process definitions, pending reviews, PMO actions, people, and the audit trail')
  .exitOverride()
  .showHelpAfterError('(add --help for usage)')
  .configureHelp({ sortSubcommands: false })
  .addHelpText(
    'after',
    `
Exit codes:
  0  done (and verified, where something is verified)
  1  verification failed, or the API refused the request (400, 403, 404, 409…; its problems are printed)
  2  usage error: unknown command or flag, missing argument, an input file that is not there
  3  cannot reach the API, the token is refused (401), or the API failed (5xx, a failed or stuck job)

Commands that talk to the API take --url (env TOLLGATE_URL, default http://127.0.0.1:3000) and
--token (env TOLLGATE_TOKEN, a Cognito ID token of a PMO admin or compliance user); against a local
runtime (loopback URL only) --as <demo email> signs in. --json prints one JSON document on stdout.
Every change takes --reason "…", kept in the audit trail with who made it.

Examples:
  $ tollgate defs validate definitions/standard.yaml
  $ tollgate defs draft standard.yaml --reason "small projects skip launch" --as pat.pmo@example.com
  $ tollgate defs publish standard --reason "approved by the PMO board" --as pat.pmo@example.com
  $ tollgate pending --overdue --as pat.pmo@example.com
  $ tollgate remind <projectId> <sequence> --reason "board meets tomorrow" --as pat.pmo@example.com
  $ tollgate trail verify --as casey.compliance@example.com`,
  )
  .hook('preAction', (_program, command) => setJsonMode(Boolean(command.opts().json)));
definitionAdminCommands(definitionCommands(program));
pendingCommand(program);
actionCommands(program);
peopleCommands(program);
trailCommands(program);

// `tollgate pending | head`: the reader left; stop quietly rather than with an EPIPE stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw error;
});

try {
  if (process.argv.length <= 2) program.outputHelp();
  else await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end here too (exit 0); anything else commander refuses is a usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof CliError) {
    reportError(error);
    process.exitCode = error.exitCode;
  } else {
    reportError(new CliError(EXIT.failed, error instanceof Error ? error.message : String(error)));
  }
}
