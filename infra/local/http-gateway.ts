// The local stand-in for the HTTP API: a plain node:http server that builds API Gateway HTTP API
// (payload format 2.0) events and calls the same handlers in-process. Where API Gateway has a
// documented or observed behaviour (401/404/500 bodies, claim stringification, which bodies are
// base64, decoded path), this copies it, so a handler cannot pass locally and fail on AWS.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { hostAuthorities, isOwnHost, refuseForeignHost } from './loopback.ts';

/** The v2 event; `requestContext.authorizer` is present on routes behind the JWT authorizer. */
export type APIGatewayProxyEventV2WithJwt = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt: { claims: Record<string, string>; scopes: string[] | null } };
  };
};

export interface LambdaContextLite {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
}

export type HttpHandler = (
  event: APIGatewayProxyEventV2WithJwt,
  context: LambdaContextLite,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface GatewayRoute {
  /** 'GET /a/{linkId}', 'POST /proposals', 'ANY /files/{proxy+}' or '$default'. */
  routeKey: string;
  handler: HttpHandler;
  functionName: string;
  authorizer?: 'jwt';
}

export interface HttpGateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface HttpGatewayOptions {
  host: string;
  port: number;
  routes: GatewayRoute[];
  /** Returns the token's claims, or undefined when it is not acceptable. */
  verifyJwt?: (token: string) => Promise<Record<string, unknown> | undefined>;
  /** Local-only routes (sign-in page, JWKS, ...) tried first; return true if handled. */
  extra?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  log?: (m: string, f?: Record<string, unknown>) => void;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** API Gateway's maximum integration timeout; what getRemainingTimeInMillis counts down from. */
const INTEGRATION_TIMEOUT_MS = 30_000;
const ACCOUNT_ID = '000000000000';
const API_ID = 'local';

export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const log = options.log ?? (() => {});
  const routes = options.routes.map(compileRoute);
  // Known once listening (the port may be 0 until then); no request arrives before that.
  let authorities: ReadonlySet<string> = new Set();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log('gateway error', { error: describe(error) });
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Before anything, local pages included: a foreign Host is a DNS-rebinding page (or a mistake).
    if (!isOwnHost(req.headers.host, authorities)) {
      req.resume();
      refuseForeignHost(res, authorities);
      return;
    }
    if (options.extra && (await options.extra(req, res))) return;

    const requestId = randomBytes(10).toString('base64');
    res.setHeader('apigw-requestid', requestId);
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const encodedPath = q === -1 ? target : target.slice(0, q);
    const rawQueryString = q === -1 ? '' : target.slice(q + 1);

    const match = findRoute(routes, method, encodedPath);
    if (match === undefined) {
      sendJson(res, 404, { message: 'Not Found' });
      return;
    }

    // The authorizer runs before the body is read: an anonymous caller costs no upload.
    const { route, pathParameters } = match;
    let authorizer: APIGatewayProxyEventV2WithJwt['requestContext']['authorizer'];
    if (route.authorizer === 'jwt') {
      const claims = await authorize(req.headers.authorization, options.verifyJwt);
      if (claims === undefined) {
        sendJson(res, 401, { message: 'Unauthorized' });
        return;
      }
      authorizer = { jwt: { claims, scopes: scopesOf(claims) } };
    }

    const body = await readBody(req);
    if (body === 'too-large') {
      // Tell the client we will not read the rest, then drop the connection after replying.
      res.setHeader('connection', 'close');
      sendJson(res, 413, { message: 'Request Entity Too Large' });
      return;
    }

    const event = buildEvent({ req, route, requestId, encodedPath, rawQueryString, pathParameters, body });
    if (authorizer) event.requestContext.authorizer = authorizer;

    const startedAt = Date.now();
    const context: LambdaContextLite = {
      awsRequestId: randomUUID(),
      functionName: route.functionName,
      getRemainingTimeInMillis: () => Math.max(0, startedAt + INTEGRATION_TIMEOUT_MS - Date.now()),
    };

    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await route.handler(event, context);
    } catch (error) {
      // Like API Gateway: the caller never sees the error; the log does.
      log('handler failed', {
        routeKey: route.routeKey,
        functionName: route.functionName,
        requestId,
        awsRequestId: context.awsRequestId,
        error: describe(error),
      });
      sendJson(res, 500, { message: 'Internal Server Error' });
      return;
    }
    writeResult(res, result);
    // The route template, never the path: an approval path carries a link secret.
    log('request', {
      routeKey: route.routeKey,
      status: res.statusCode,
      ms: Date.now() - startedAt,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('gateway has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  authorities = hostAuthorities(options.host, address.port);

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// ---- routing ---------------------------------------------------------------------------------

interface CompiledRoute extends GatewayRoute {
  method: string | undefined; // undefined: ANY or $default
  segments: string[]; // e.g. ['a', '{linkId}']
  greedy: boolean; // last segment is {name+}
  isDefault: boolean;
}

function compileRoute(route: GatewayRoute): CompiledRoute {
  if (route.routeKey === '$default') {
    return { ...route, method: undefined, segments: [], greedy: false, isDefault: true };
  }
  const [method, path] = route.routeKey.split(' ');
  if (!method || !path?.startsWith('/')) throw new Error(`bad routeKey '${route.routeKey}'`);
  const segments = path.split('/').slice(1);
  const greedy = /^\{[^}]+\+\}$/.test(segments.at(-1) ?? '');
  return {
    ...route,
    method: method === 'ANY' ? undefined : method.toUpperCase(),
    segments,
    greedy,
    isDefault: false,
  };
}

/**
 * API Gateway picks the most specific match: literal segments beat {param}, {param} beats {proxy+},
 * a named method beats ANY, and $default comes last.
 */
function findRoute(
  routes: CompiledRoute[],
  method: string,
  encodedPath: string,
): { route: CompiledRoute; pathParameters: Record<string, string> } | undefined {
  const parts = encodedPath.split('/').slice(1);
  let best: { route: CompiledRoute; pathParameters: Record<string, string>; score: number[] } | undefined;
  for (const route of routes) {
    if (route.method !== undefined && route.method !== method) continue;
    const pathParameters = route.isDefault ? {} : matchSegments(route, parts);
    if (pathParameters === undefined) continue;
    const literal = route.segments.filter((s) => !s.startsWith('{')).length;
    const score = [
      route.isDefault ? 0 : 1,
      route.greedy ? 0 : 1,
      literal,
      route.segments.length,
      route.method ? 1 : 0,
    ];
    if (best === undefined || compareScores(score, best.score) > 0) best = { route, pathParameters, score };
  }
  return best && { route: best.route, pathParameters: best.pathParameters };
}

function matchSegments(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const { segments, greedy } = route;
  const fixed = greedy ? segments.length - 1 : segments.length;
  if (greedy ? parts.length < segments.length : parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < fixed; i++) {
    const pattern = segments[i] ?? '';
    const part = parts[i] ?? '';
    if (pattern.startsWith('{') && pattern.endsWith('}')) {
      if (part === '') return undefined;
      params[pattern.slice(1, -1)] = decode(part);
    } else if (pattern !== decode(part)) {
      return undefined;
    }
  }
  if (greedy) {
    const rest = parts.slice(fixed).join('/');
    if (rest === '') return undefined;
    params[(segments.at(-1) ?? '{proxy+}').slice(1, -2)] = decode(rest);
  }
  return params;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// ---- the event ---------------------------------------------------------------------------------

function buildEvent(input: {
  req: IncomingMessage;
  route: CompiledRoute;
  requestId: string;
  encodedPath: string;
  rawQueryString: string;
  pathParameters: Record<string, string>;
  body: Buffer | undefined;
}): APIGatewayProxyEventV2WithJwt {
  const { req, route, requestId, encodedPath, rawQueryString, pathParameters, body } = input;
  const now = new Date();
  const sourceIp = normaliseIp(req.socket.remoteAddress ?? '');
  const headers = collectHeaders(req);
  // Payload 2.0 moves cookies to their own field; the cookie header is not passed on.
  const cookies = headers.cookie
    ?.split(/;\s*/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  delete headers.cookie;
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${sourceIp}`
    : sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(req.socket.localPort ?? '');

  const domainName = headers.host ?? 'localhost';
  const rawPath = decode(encodedPath); // HTTP APIs deliver the path percent-decoded
  const query = parseQuery(rawQueryString);
  const encodeBody = body !== undefined && !isTextContentType(headers['content-type']);

  const event: APIGatewayProxyEventV2WithJwt = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0]?.split(':')[0] ?? domainName,
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: encodeBody,
  };
  if (cookies && cookies.length > 0) event.cookies = cookies;
  if (query) event.queryStringParameters = query;
  if (Object.keys(pathParameters).length > 0) event.pathParameters = pathParameters;
  if (body !== undefined) event.body = encodeBody ? body.toString('base64') : body.toString('utf8');
  return event;
}

/** Lower-cased names; repeated headers joined with ',' (API Gateway's join, not Node's ', '). */
function collectHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    // Several Cookie headers are one cookie list; other repeats are comma-joined.
    const separator = name === 'cookie' ? '; ' : ',';
    headers[name] = name in headers ? `${headers[name]}${separator}${value}` : value;
  }
  return headers;
}

/** Decoded keys and values; repeated keys joined with ','. Undefined when there is no query. */
function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const result: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    result[key] = key in result ? `${result[key]},${value}` : value;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/**
 * Measured on AWS (HTTP API, payload 2.0): only text/*, application/json, application/xml and
 * application/javascript arrive as text. Everything else, including a missing content type and
 * application/x-www-form-urlencoded (HTML form posts), arrives base64-encoded.
 */
function isTextContentType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!type) return false;
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript'
  );
}

/** undefined for an empty body; 'too-large' past the 1 MiB limit (checked before and while reading). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Not destroyed on leaving the loop early: the socket must stay up to carry the 413.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return 'too-large';
    }
    chunks.push(chunk);
  }
  return size === 0 ? undefined : Buffer.concat(chunks);
}

// ---- the JWT authorizer --------------------------------------------------------------------------

async function authorize(
  header: string | undefined,
  verifyJwt: HttpGatewayOptions['verifyJwt'],
): Promise<Record<string, string> | undefined> {
  if (!header || !verifyJwt) return undefined;
  // API Gateway accepts the token with or without the "Bearer " prefix.
  const token = header.replace(/^Bearer\s+/i, '').trim();
  if (token === '') return undefined;
  const claims = await verifyJwt(token).catch(() => undefined);
  return claims && stringifyClaims(claims);
}

/** API Gateway hands claims to the integration as strings: 7 → "7", true → "true", [a, b] → "[a b]". */
export function stringifyClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) out[name] = `[${value.map(String).join(' ')}]`;
    else if (typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

/** ID tokens carry no scope claim, so scopes are null, as on AWS; an access token's "scope" is split. */
function scopesOf(claims: Record<string, string>): string[] | null {
  const scope = claims.scope;
  return scope ? scope.split(' ').filter((s) => s !== '') : null;
}

// ---- the response ----------------------------------------------------------------------------------

function writeResult(res: ServerResponse, result: unknown): void {
  // Payload 2.0: a result without statusCode is taken as a 200 JSON body (API Gateway's inference).
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(res.req.method === 'HEAD' ? undefined : body);
    return;
  }
  const structured = result as APIGatewayProxyStructuredResultV2 & {
    multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  };
  res.statusCode = structured.statusCode ?? 200;
  for (const [name, value] of Object.entries(structured.headers ?? {})) res.setHeader(name, String(value));
  for (const [name, values] of Object.entries(structured.multiValueHeaders ?? {})) {
    res.setHeader(name, values.map(String));
  }
  if (structured.cookies && structured.cookies.length > 0) {
    const existing = res.getHeader('set-cookie');
    const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    res.setHeader('set-cookie', [...before, ...structured.cookies]);
  }
  // A HEAD answer has the headers of a GET and never a body, whatever the handler returned.
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  const body = structured.body ?? '';
  res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(res.req.method === 'HEAD' ? undefined : JSON.stringify(body));
}

// ---- small helpers ----------------------------------------------------------------------------------

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a malformed escape is passed on as sent
  }
}

/** '::ffff:127.0.0.1' → '127.0.0.1', as API Gateway reports IPv4 callers. */
function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '12/Mar/2020:19:03:58 +0000', the requestContext.time format. */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
