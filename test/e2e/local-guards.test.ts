// The whole local runtime on loopback, as a server facing a browser: malformed input to the local
// console is a 4xx naming the problem, a request naming a host that is not ours (DNS rebinding) is
// refused on every route of every server, and DynamoDB Local's data is out of reach of other keys.

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HTTP_ROUTES } from '../../functions/handlers.ts';
import { LOCAL_TABLES, type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { MACHINE_CACHE } from '../support/global-setup.ts';

// Started directly rather than by test/support: with its own clock the console serves /local/clock
// too; and with no host given, to show the default is loopback.
let runtime: LocalRuntime;
const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-guards-'));
const messages: string[] = [];

beforeAll(async () => {
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    inboxPort: 0,
    sweepEveryMs: 0,
    anchorEveryMs: 0,
    logLevel: 'SILENT',
    cacheDir: MACHINE_CACHE,
    log: (m) => messages.push(m),
  });
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const PROJECT = '0b8f5a4e-2c1d-4e8f-9a7b-3c2d1e0f9a8b';
const EXPORT = '/local/exports/0b8f5a4e-2c1d-4e8f-9a7b-3c2d1e0f9a8b.csv';
/** Every console route that reads a form. */
const FORM_ROUTES = [
  '/local/clock',
  '/local/proposals',
  '/local/verify',
  `/local/projects/${PROJECT}/submissions`,
  `/local/projects/${PROJECT}/resume`,
  `/local/projects/${PROJECT}/export`,
  `/local/projects/${PROJECT}/conditions/1-1/met`,
];

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends exactly this: any Host, any body, optionally in chunks with no declared length. */
function send(
  url: string,
  init: {
    method?: string;
    host?: string;
    headers?: Record<string, string>;
    body?: string;
    chunked?: boolean;
  } = {},
): Promise<Answer> {
  const target = new URL(url);
  const headers: Record<string, string> = { host: init.host ?? target.host, ...init.headers };
  if (init.body !== undefined && !init.chunked)
    headers['content-length'] = String(Buffer.byteLength(init.body));
  return new Promise((done, fail) => {
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: init.method ?? 'GET',
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', fail);
    if (init.chunked && init.body !== undefined) {
      // In 16 KiB pieces, so the limit is crossed while reading, not from a declared length.
      for (let i = 0; i < init.body.length; i += 16_384) outgoing.write(init.body.slice(i, i + 16_384));
    } else if (init.body !== undefined) outgoing.write(init.body);
    outgoing.end();
  });
}

const app = (path: string) => `${runtime.appUrl}${path}`;
const json = { 'content-type': 'application/json' };
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('malformed input to the local console', () => {
  test('POST /local/token answers a clear 4xx for every malformed body, and a token for a good one', async () => {
    // Prepare
    const cases: [string, Parameters<typeof send>[1], number, RegExp][] = [
      ['broken JSON', { body: '{"email":', headers: json }, 400, /not JSON/],
      ['JSON null', { body: 'null', headers: json }, 400, /JSON object, not null/],
      ['a number', { body: '42', headers: json }, 400, /JSON object, not a number/],
      ['a string', { body: '"pat.pmo@example.com"', headers: json }, 400, /JSON object, not a string/],
      ['an array', { body: '[{"email":"pat.pmo@example.com"}]', headers: json }, 400, /not an array/],
      ['no email', { body: '{}', headers: json }, 400, /email must be a string/],
      ['email not a string', { body: '{"email":["pat.pmo@example.com"]}', headers: json }, 400, /email must/],
      ['an empty body', { headers: json }, 400, /the body is empty/],
      ['a form', { body: 'email=pat.pmo%40example.com', headers: form }, 415, /takes application\/json/],
      [
        'multipart',
        { body: '--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' } },
        415,
        /not multipart\/form-data/,
      ],
      [
        'text/plain',
        { body: '{"email":"pat.pmo@example.com"}', headers: { 'content-type': 'text/plain' } },
        415,
        /not text\/plain/,
      ],
      [
        '65 KiB declared',
        { body: `{"email":"${'a'.repeat(65 * 1024)}"}`, headers: json },
        413,
        /over the 64 KiB/,
      ],
      [
        '65 KiB chunked',
        { body: `{"email":"${'a'.repeat(65 * 1024)}"}`, headers: json, chunked: true },
        413,
        /over the 64 KiB/,
      ],
      ['a stranger', { body: '{"email":"mallory@example.com"}', headers: json }, 404, /not a demo person/],
    ];

    // Act
    const answers: (Answer & { name: string })[] = [];
    for (const [name, init] of cases)
      answers.push({ name, ...(await send(app('/local/token'), { method: 'POST', ...init })) });
    const good = await send(app('/local/token'), {
      method: 'POST',
      body: '{"email":"pat.pmo@example.com"}',
      headers: json,
    });
    const curlStyle = await send(app('/local/token'), {
      method: 'POST',
      body: '{"email":"pat.pmo@example.com"}',
    });

    // Assess
    expect(answers.map((a) => [a.name, a.status])).toEqual(cases.map(([name, , status]) => [name, status]));
    cases.forEach(([name, , , message], i) => {
      const answer = answers[i];
      expect(answer?.headers['content-type'], name).toBe('application/json');
      expect(JSON.parse(answer?.body ?? '{}').message, name).toMatch(message);
    });
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body).token).toMatch(/^ey/);
    expect(curlStyle.status).toBe(200);
  });

  test('every form route refuses a JSON body with 415 and an oversized form with 413, naming the problem', async () => {
    // Act
    const wrongType: Answer[] = [];
    const tooLarge: Answer[] = [];
    for (const path of FORM_ROUTES) {
      wrongType.push(await send(app(path), { method: 'POST', headers: json, body: '{"hours":1}' }));
      tooLarge.push(
        await send(app(path), { method: 'POST', headers: form, body: `note=${'x'.repeat(65 * 1024)}` }),
      );
    }

    // Assess
    expect(wrongType.map((a) => a.status)).toEqual(FORM_ROUTES.map(() => 415));
    expect(tooLarge.map((a) => a.status)).toEqual(FORM_ROUTES.map(() => 413));
    for (const answer of wrongType)
      expect(answer.body).toContain('this takes application/x-www-form-urlencoded, not application/json');
    for (const answer of tooLarge) expect(answer.body).toContain('the body is over the 64 KiB this takes');
  });

  test('bad fields, unknown projects and odd targets get 4xx pages, never a 500', async () => {
    // Act
    const answers = await Promise.all([
      send(app('/local/clock'), { method: 'POST', headers: form, body: 'hours=abc' }),
      send(app('/local/clock'), { method: 'POST', headers: form, body: 'hours=100000' }),
      send(app('/local/proposals'), { method: 'POST', headers: form, body: 'title=&estimatedCost=lots' }),
      send(app(`/local/projects/${PROJECT}`)),
      send(app(`/local/projects/${PROJECT}/record`)),
      send(app(`/local/projects/${PROJECT}/resume`), { method: 'POST', headers: form, body: 'reason=why' }),
      send(app(EXPORT)),
      send(app('/local/projects/not-a-project')),
      send(app('/local/nothing'), { method: 'POST', headers: json, body: 'null' }),
    ]);
    const absoluteTarget = await rawExchange(
      `GET http://[ HTTP/1.1\r\nHost: ${new URL(runtime.appUrl).host}\r\nConnection: close\r\n\r\n`,
    );

    // Assess
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 404, 404, 404, 404, 404, 404]);
    expect(answers[0]?.body).toContain('hours must be a whole number from 1 to 720');
    expect(absoluteTarget.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 4\d\d /);
  });

  test('a cross-site form post is refused; the same site’s own post is not', async () => {
    // Act
    const crossSite = await send(app('/local/proposals'), {
      method: 'POST',
      headers: { ...form, origin: 'http://evil.example' },
      body: 'title=Free+money',
    });
    const sameSite = await send(app('/local/token'), {
      method: 'POST',
      headers: { ...json, origin: runtime.appUrl },
      body: '{"email":"pat.pmo@example.com"}',
    });

    // Assess
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body).message).toMatch(/cross-site form posts are refused/);
    expect(sameSite.status).toBe(200);
  });
});

describe('a request naming a host that is not this runtime (DNS rebinding)', () => {
  test('with no host given, the app, the inbox and Step Functions are on loopback', () => {
    // Assess (DynamoDB Local listens on every interface whatever the host: see its own test below)
    for (const url of [runtime.appUrl, runtime.inboxUrl, runtime.stepFunctionsUrl])
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('is refused with 421 on every API route, every console route, the inbox, its proxy and Step Functions', async () => {
    // Prepare
    const apiRoutes = HTTP_ROUTES.map((r) => {
      const [method = 'GET', path = '/'] = r.routeKey.split(' ');
      return { method, url: app(path.replace(/\{[^}]+\}/g, 'x')) };
    });
    const consoleRoutes = [
      { method: 'GET', url: app('/') },
      { method: 'GET', url: app('/local/outbox') },
      { method: 'POST', url: app('/local/token') },
      { method: 'GET', url: app(`/local/projects/${PROJECT}`) },
      { method: 'GET', url: app(`/local/projects/${PROJECT}/record`) },
      { method: 'GET', url: app(EXPORT) },
      { method: 'GET', url: app('/nowhere') },
      ...FORM_ROUTES.map((path) => ({ method: 'POST', url: app(path) })),
    ];
    const mailProxy = process.env.AWS_ENDPOINT_URL_SES ?? '';
    const services = [
      { method: 'GET', url: `${runtime.inboxUrl}/` },
      { method: 'GET', url: `${runtime.inboxUrl}/store` },
      { method: 'POST', url: `${runtime.inboxUrl}/clear-store` },
      { method: 'GET', url: `${mailProxy}/store` },
      { method: 'POST', url: `${runtime.stepFunctionsUrl}/` },
    ];
    const all = [...apiRoutes, ...consoleRoutes, ...services];

    // Act
    const refused = await Promise.all(
      all.map(({ method, url }) => send(url, { method, host: `rebound.evil.example:${new URL(url).port}` })),
    );
    const servedAsLocalhost = await Promise.all(
      [app('/'), `${runtime.inboxUrl}/store`, `${mailProxy}/store`].map((url) =>
        send(url, { host: `localhost:${new URL(url).port}` }),
      ),
    );

    // Assess
    expect(mailProxy).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(refused.map((a) => a.status)).toEqual(all.map(() => 421));
    refused.forEach((answer, i) => {
      // A HEAD answer is headers only; every other one names the problem.
      if (all[i]?.method === 'HEAD') expect(answer.body).toBe('');
      else expect(JSON.parse(answer.body).message).toMatch(/answers only to the Host/);
      expect(answer.body).not.toMatch(/\/a\/|token/);
    });
    expect(servedAsLocalhost.map((a) => a.status)).toEqual([200, 200, 200]);
  });

  test('HEAD gets no body from the runtime, whatever the route answers', async () => {
    // Act
    const answers = [
      await rawExchange(
        `HEAD /a/${'A'.repeat(43)} HTTP/1.1\r\nHost: ${new URL(runtime.appUrl).host}\r\nConnection: close\r\n\r\n`,
      ),
      await rawExchange(
        `HEAD / HTTP/1.1\r\nHost: ${new URL(runtime.appUrl).host}\r\nConnection: close\r\n\r\n`,
      ),
    ];

    // Assess
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
      expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe('');
    }
  });
});

describe('DynamoDB Local under the runtime', () => {
  test('a client with another access key sees none of the runtime’s tables; the key is in no log line', async () => {
    // Prepare
    const stranger = new DynamoDBClient({
      endpoint: runtime.dynamoDbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    // Act
    const theirs = (await stranger.send(new ListTablesCommand({}))).TableNames;
    const owner = new DynamoDBClient({
      endpoint: runtime.dynamoDbEndpoint,
      region: 'us-east-1',
      credentials: runtime.dynamoDbCredentials,
    });
    const ours = (await owner.send(new ListTablesCommand({}))).TableNames;
    stranger.destroy();
    owner.destroy();

    // Assess
    expect(theirs).toEqual([]);
    expect(ours).toEqual(expect.arrayContaining([LOCAL_TABLES.main, LOCAL_TABLES.trail]));
    expect(process.env.AWS_ACCESS_KEY_ID).toBe(runtime.dynamoDbCredentials.accessKeyId);
    expect(messages.join('\n')).not.toContain(runtime.dynamoDbCredentials.accessKeyId);
  });
});

function rawExchange(text: string): Promise<string> {
  const { hostname, port } = new URL(runtime.appUrl);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', fail);
  });
}
