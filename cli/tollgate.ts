import { Command, CommanderError } from 'commander';
import { definitionCommands } from './commands/definitions.ts';
import { CliError, EXIT, reportError, setJsonMode } from './commands/errors.ts';
import { trailCommands } from './commands/trail.ts';

/**
 * `npm run tollgate -- <command>`: operator commands. `defs validate` checks a definition file
 * on this machine; the other definition commands work on a deployed table (AWS credentials from
 * the environment); `trail …` talks to the API by URL with a bearer token. Exit codes are the
 * same for every command (see `--help`).
 */
const program = new Command('tollgate')
  .description('tollgate operator commands')
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

Trail commands take --url (env TOLLGATE_URL, default http://127.0.0.1:3000) and --token
(env TOLLGATE_TOKEN); against a local runtime (loopback URL only) --as <demo email> signs in.`,
  )
  .hook('preAction', (_program, command) => setJsonMode(Boolean(command.opts().json)));
definitionCommands(program);
trailCommands(program);

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
