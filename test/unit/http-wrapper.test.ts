import { describe, expect, it, vi } from 'vitest';
import { GoneError, InvalidInputError } from '../../functions/domain/errors.ts';
import { errorPage } from '../../functions/http/pages.ts';
import {
  type HttpEvent,
  type HttpResult,
  httpFunction,
  type Presentation,
} from '../../functions/http/wrapper.ts';
import { log } from '../../functions/logger.ts';

function event(path: string): HttpEvent {
  return {
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'user-agent': 'test' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r1',
      routeKey: `GET ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  } as HttpEvent;
}

async function call(presentation: Presentation, failure: Error): Promise<HttpResult> {
  const handler = httpFunction(
    [
      {
        method: 'GET',
        path: '/fails',
        handler: async () => {
          throw failure;
        },
      },
    ],
    presentation,
  );
  return (await handler(event('/fails'), {} as never)) as HttpResult;
}

describe('the HTTP handler wrapper', () => {
  it('answers an internal error with a generic 5xx body and keeps the details for the log', async () => {
    // Prepare
    const logged = vi.spyOn(log, 'error').mockImplementation(() => undefined);
    const failure = new Error('ConditionalCheckFailed on table tollgate-prod pk=PROJECT#123');

    // Act
    const [asJson, asPage] = [await call('json', failure), await call(errorPage, failure)];

    // Assess
    expect(asJson.statusCode).toBe(500);
    expect(JSON.parse(asJson.body ?? '')).toEqual({ message: 'something went wrong' });
    expect(asPage.statusCode).toBe(500);
    for (const body of [asJson.body, asPage.body])
      expect(body).not.toMatch(/ConditionalCheckFailed|tollgate-prod|PROJECT#/);
    expect(JSON.stringify(logged.mock.calls)).toContain('ConditionalCheckFailed on table tollgate-prod');
    logged.mockRestore();
  });

  it('answers a caller mistake with its status and what is wrong', async () => {
    // Act
    const invalid = await call(
      'json',
      new InvalidInputError('the proposal has problems', [{ path: 'title', message: 'too short' }]),
    );
    const gone = await call(errorPage, new GoneError('this approval link has already been used'));

    // Assess
    expect(invalid.statusCode).toBe(400);
    expect(JSON.parse(invalid.body ?? '')).toEqual({
      message: 'the proposal has problems',
      problems: [{ path: 'title', message: 'too short' }],
    });
    expect(gone.statusCode).toBe(410);
    expect(gone.body).toContain('this approval link has already been used');
    expect(gone.headers).toMatchObject({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
  });

  it('answers an unknown route with 404, not 500', async () => {
    const handler = httpFunction([], 'json');
    const result = (await handler(event('/nowhere'), {} as never)) as HttpResult;
    expect(result.statusCode).toBe(404);
  });
});
