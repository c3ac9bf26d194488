import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { Connection } from './connection.ts';
import { CliError, EXIT, type Problem } from './errors.ts';
import type { Progress } from './progress.ts';

/**
 * One HTTP call; any answer but 2xx becomes a CliError naming the call, the status, the API's
 * message and problems. 401 and 5xx (and no answer at all) exit 3; other refusals exit 1.
 */
export async function request(
  method: string,
  url: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(
      EXIT.unreachable,
      `cannot reach ${new URL(url).origin} (${cause?.code ?? cause?.message ?? String(error)})`,
    );
  }
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  let body: { message?: string; problems?: Problem[] } & Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as typeof body;
  } catch {
    // not JSON: the text itself (a proxy's page, say) is the message
  }
  const what = `${method} ${shown(url)} answered ${response.status}: ${body.message ?? (text.trim().slice(0, 200) || response.statusText)}`;
  if (response.status === 401)
    throw new CliError(EXIT.unreachable, `${what} (the token is missing, malformed or expired)`, [], 401);
  throw new CliError(
    response.status >= 500 ? EXIT.unreachable : EXIT.failed,
    what,
    Array.isArray(body.problems) ? body.problems : [],
    response.status,
    Object.keys(body).length > 0 ? body : undefined,
  );
}

/** A call to the API with the connection's token; the JSON answer. */
export async function api<T>(
  connection: Connection,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await request(method, `${connection.url}${path}`, {
    token: connection.token,
    ...(body === undefined ? {} : { body }),
  });
  return (await response.json()) as T;
}

/**
 * Streams a download (an export link: presigned on AWS, so sent without the token) to
 * `path`, through `<path>.part` so a broken download never leaves a whole-looking file.
 */
export async function download(
  url: string,
  path: string,
  progress?: Progress,
  expectedBytes?: number,
): Promise<number> {
  const response = await request('GET', url);
  if (!response.body) throw new CliError(EXIT.unreachable, `GET ${shown(url)} answered with no body`);
  const length = Number(response.headers.get('content-length'));
  const bar = progress?.bar(Number.isFinite(length) && length > 0 ? length : expectedBytes);
  let bytes = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      bar?.update(bytes);
      done(null, chunk);
    },
  });
  await mkdir(dirname(path), { recursive: true });
  const part = `${path}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream), counting, createWriteStream(part));
    await rename(part, path);
  } catch (error) {
    await rm(part, { force: true });
    throw new CliError(
      EXIT.unreachable,
      `downloading ${shown(url)} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    bar?.stop();
  }
  return bytes;
}

/** A URL as it may be printed: without its query (a presigned link's signature). */
function shown(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
