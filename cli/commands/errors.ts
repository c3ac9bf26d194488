/** Exit codes, the same for every command (also listed in `tollgate --help`). */
export const EXIT = {
  ok: 0,
  /** Verification failed, or the API refused the request (4xx other than 401). */
  failed: 1,
  /** The command line is wrong (unknown flag, missing argument, a file that is not there). */
  usage: 2,
  /** The API cannot be reached, the token is refused (401), or the API itself failed (5xx, a failed or stuck job). */
  unreachable: 3,
} as const;

export interface Problem {
  path: string;
  message: string;
}

/** An error the CLI explains and exits with: its message, the API's problems if any, and the exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly problems: Problem[] = [],
    readonly status?: number,
    /** The API's whole answer, when it says more than a message (a 409's `current` and `changes`). */
    readonly answer?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);

let jsonMode = false;

/** Set once the command is known: whether `--json` asked for machine-readable output. */
export function setJsonMode(on: boolean): void {
  jsonMode = on;
}

export function isJsonMode(): boolean {
  return jsonMode;
}

/** Says what went wrong: on stderr for people, plus one JSON object on stdout with `--json`. */
export function reportError(error: CliError): void {
  console.error(`tollgate: ${error.message}`);
  for (const p of error.problems) console.error(`  ${p.path}: ${p.message}`);
  if (jsonMode)
    console.log(
      JSON.stringify({
        ok: false,
        exitCode: error.exitCode,
        ...(error.status ? { status: error.status } : {}),
        message: error.message,
        ...(error.problems.length ? { problems: error.problems } : {}),
        ...(error.answer ? { answer: error.answer } : {}),
      }),
    );
}
