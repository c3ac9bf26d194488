/**
 * The Step Functions JSON 1.0 protocol over HTTP: `POST /` with
 * `x-amz-target: AWSStepFunctions.<Operation>` and a JSON body. SigV4 headers
 * are ignored. Errors are HTTP 400 `{ "__type", "message" }`, which the AWS SDK
 * turns into its typed exceptions.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { guardServer } from './loopback.ts';

const TARGET_PREFIX = 'AWSStepFunctions.';
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** An API error: `type` is the `__type` the SDK maps to its exception, e.g. 'TaskDoesNotExist'. */
export class SfnApiError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.name = 'SfnApiError';
    this.type = type;
  }
}

class TooLarge extends Error {}

export type Handle = (operation: string, body: Record<string, unknown>) => Promise<Record<string, unknown>>;
type Log = (message: string, fields?: Record<string, unknown>) => void;

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startApiServer(
  handle: Handle,
  log: Log,
  options: { host: string; port: number },
): Promise<ApiServer> {
  const server: Server = createServer((req, res) => {
    void serve(req, res, handle, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Task tokens resume workflows: no page reaching this by a rebound DNS name may call it.
  guardServer(server, options.host);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, handle: Handle, log: Log): Promise<void> {
  try {
    if (req.method !== 'POST') {
      sendError(res, 404, 'UnknownOperationException', 'Only POST / is supported');
      return;
    }
    const raw = await readBody(req);
    let body: unknown = {};
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        throw new SfnApiError('SerializationException', 'The request body is not valid JSON');
      }
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new SfnApiError('SerializationException', 'The request body must be a JSON object');
    }
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : '';
    if (operation === '') {
      throw new SfnApiError('UnknownOperationException', 'Missing or unknown x-amz-target header');
    }
    send(res, 200, await handle(operation, body as Record<string, unknown>));
  } catch (error) {
    if (error instanceof SfnApiError) {
      sendError(res, 400, error.type, error.message);
    } else if (error instanceof TooLarge) {
      sendError(res, 413, 'ValidationException', 'The request body is too large');
    } else {
      log('step functions request failed', { error: error instanceof Error ? error.message : String(error) });
      sendError(res, 500, 'InternalFailure', 'Internal error');
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new TooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, payload: Record<string, unknown>): void {
  if (res.headersSent) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': type,
  });
  res.end(body);
}
