import { type Command, Option } from 'commander';
import { request } from './api.ts';
import { CliError, EXIT, usageError } from './errors.ts';

export interface Connection {
  /** The API's base URL, without a trailing slash. */
  url: string;
  token: string;
}

export interface ConnectionOptions {
  url: string;
  token?: string;
  as?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The options every command that talks to the API takes. */
export function withConnection(command: Command): Command {
  return command
    .addOption(
      new Option('--url <url>', 'the API base URL').env('TOLLGATE_URL').default('http://127.0.0.1:3000'),
    )
    .addOption(
      new Option(
        '--token <token>',
        'bearer token (a Cognito ID token of a compliance or PMO admin user)',
      ).env('TOLLGATE_TOKEN'),
    )
    .addOption(
      new Option(
        '--as <email>',
        'local runtime only: sign in as a demo person (fetches a token from <url>/local/token; refused unless --url is loopback)',
      ),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 ok; 1 refused by the API (problems printed) or verification failed; 2 usage error;\n3 cannot reach the API, token refused (401), or the API or its job failed.',
    );
}

/** The URL and a token: the one given, or (locally) one the local console issues for a demo person. */
export async function connect(options: ConnectionOptions, command: Command): Promise<Connection> {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw usageError(`--url ${options.url} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw usageError(`--url ${options.url} must be http or https`);
  const url = options.url.replace(/\/+$/, '');
  if (options.as) {
    if (command.getOptionValueSource('token') === 'cli') throw usageError('give --token or --as, not both');
    if (!LOOPBACK.has(base.hostname) && !base.hostname.startsWith('127.'))
      throw usageError(`--as works only against a local runtime (a loopback --url), not ${base.host}`);
    const response = await request('POST', `${url}/local/token`, { body: { email: options.as } }).catch(
      (error: unknown) => {
        // Signing in failed (not a demo person, or no local console there): an auth failure.
        if (error instanceof CliError && error.exitCode === EXIT.failed)
          throw new CliError(EXIT.unreachable, `--as ${options.as}: ${error.message}`);
        throw error;
      },
    );
    const { token } = (await response.json()) as { token?: string };
    if (!token) throw new CliError(EXIT.unreachable, `${url}/local/token gave no token for ${options.as}`);
    return { url, token };
  }
  if (!options.token)
    throw usageError('give --token <token> or set TOLLGATE_TOKEN (locally: --as <demo person email>)');
  return { url, token: options.token };
}
