import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  TollgateError,
  TooManyAttemptsError,
} from '../domain/errors.ts';
import { log } from '../logger.ts';
import type { RequestSource } from '../usecases/model.ts';

export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims: Record<string, string | number | boolean> } };
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpRoute = Route<HttpEvent, HttpResult>;

/** An error as a page for a person (functions/http/pages.ts), for the routes a browser opens. */
export type ErrorPage = (statusCode: number, message: string) => HttpResult;

/**
 * How errors are shown: the API answers a program with JSON, approval pages a person with a page.
 * The page renderer is handed in, so a JSON function does not bundle the page templates.
 */
export type Presentation = 'json' | ErrorPage;

/**
 * Set here rather than by @middy/http-security-headers: that middleware merges its own CSP
 * defaults (report endpoints, report-sample sources) into whatever it is given, and the approval
 * pages need an exact policy. These few headers are the whole of it.
 */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

/** Records a refused request (a 4xx) in the trail; see usecases/refusals.ts. */
export type RefusalRecorder = (event: HttpEvent, error: TollgateError) => Promise<void>;

/**
 * The one HTTP handler wrapper: routes, normalised headers, security headers on every
 * response, errors turned into clear 4xx bodies or a generic 5xx (details only in logs),
 * and every refusal recorded.
 */
export function httpFunction(
  routes: HttpRoute[],
  presentation: Presentation,
  recordRefusal?: RefusalRecorder,
) {
  return middy<HttpEvent, HttpResult>()
    .use(httpHeaderNormalizer())
    .use(responses(presentation, recordRefusal))
    .handler(httpRouterHandler<HttpEvent, APIGatewayProxyResultV2>({ routes }) as never);
}

function responses(
  presentation: Presentation,
  recordRefusal?: RefusalRecorder,
): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    after: async (request) => {
      request.response = {
        ...request.response,
        headers: { ...COMMON_HEADERS, ...request.response?.headers },
      };
    },
    onError: async (request) => {
      // The router's own "no such route" (e.g. an encoded slash in a path) is a refusal like any 404.
      const error = isRouterNotFound(request.error) ? new NotFoundError('not found') : request.error;
      const known = error instanceof TollgateError;
      const statusCode = error instanceof TollgateError ? error.statusCode : 500;
      const message = error instanceof TollgateError ? error.message : 'something went wrong';
      if (!known) {
        log.error('request failed', {
          routeKey: request.event.routeKey,
          requestId: request.event.requestContext?.requestId,
          error:
            error instanceof Error
              ? { name: error.name, message: error.message, stack: error.stack }
              : String(error),
        });
      }
      if (error instanceof TollgateError && recordRefusal) await recordRefusal(request.event, error);
      const problems = error instanceof InvalidInputError ? error.problems : undefined;
      request.response =
        presentation !== 'json'
          ? presentation(statusCode, message)
          : json(statusCode, {
              ...(error instanceof ConflictError ? error.details : {}),
              message,
              ...(problems ? { problems } : {}),
            });
      request.response.headers = {
        ...COMMON_HEADERS,
        ...request.response.headers,
        ...(error instanceof TooManyAttemptsError ? { 'retry-after': String(error.retryAfterSeconds) } : {}),
      };
      // HEAD answers like GET, without a body.
      if (request.event.requestContext?.http?.method === 'HEAD') request.response.body = '';
    },
  };
}

function isRouterNotFound(error: unknown): boolean {
  return (
    !(error instanceof TollgateError) &&
    error instanceof Error &&
    (error as { statusCode?: number }).statusCode === 404
  );
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** Where the console's sign-in is: the token endpoint its script calls, the authorize page it goes to. */
export interface ConsoleOrigins {
  token?: string;
  authorize?: string;
}

/**
 * The PMO console's policy, the page variant for an app shell: like the approval pages (nothing
 * from elsewhere, no framing, no base), but with its own one script and stylesheet (no inline
 * script or style), calls to this API and to the sign-in's token endpoint only.
 */
export function consolePolicy(origins: ConsoleOrigins): string {
  const also = (origin: string | undefined) => (origin ? ` ${origin}` : '');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${also(origins.token)}`,
    `form-action 'self'${also(origins.authorize)}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The console's shell, script or stylesheet, under the console's policy (plus the common headers). */
export function consoleResponse(
  statusCode: number,
  body: string,
  contentType: string,
  policy: string,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': contentType, 'content-security-policy': policy, ...headers },
    body,
  };
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Where a request came from, for the trail. */
export function requestSource(event: HttpEvent): RequestSource {
  return {
    ip: event.requestContext?.http?.sourceIp ?? 'unknown',
    userAgent: (event.headers?.['user-agent'] ?? '').slice(0, 300),
  };
}

/** The request body as text (API Gateway base64-encodes binary bodies). */
export function bodyText(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** A JSON body, or a 400 that says what is wrong with it. */
export function jsonBody(event: HttpEvent): unknown {
  const type = event.headers?.['content-type'] ?? '';
  if (!type.startsWith('application/json')) {
    throw new InvalidInputError('send the body as JSON', [
      { path: '(headers).content-type', message: 'must be application/json' },
    ]);
  }
  try {
    return JSON.parse(bodyText(event));
  } catch {
    throw new InvalidInputError('the body is not valid JSON', [
      { path: '(body)', message: 'is not valid JSON' },
    ]);
  }
}
