// The embedded services behind `npm start`, each started for real on 127.0.0.1 free ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLocalIssuer, type LocalPerson } from '../../infra/local/auth.ts';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import {
  type APIGatewayProxyEventV2WithJwt,
  type HttpGateway,
  type HttpHandler,
  startHttpGateway,
} from '../../infra/local/http-gateway.ts';
import { clearSesStore, readSesStore, type SesLocal, startSesLocal } from '../../infra/local/ses-local.ts';

const HOST = '127.0.0.1';
const projectRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const ada: LocalPerson = { email: 'ada@example.com', name: 'Ada', groups: ['admin', 'approver'] };

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-local-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function dynamo(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
}

async function createTable(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: 'items',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) counts as gone.
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return '';
    }
  })();
  return !/^\d+ \(.*\) Z/.test(stat);
}

describe('DynamoDB Local', () => {
  test('starts in memory; tables, items and a transaction with a failing condition work', async () => {
    // Prepare
    const startedAt = Date.now();
    const messages: string[] = [];
    const db = await startDynamoDbLocal({ log: (m) => messages.push(m) });
    console.info(`DynamoDB Local cold start: ${Date.now() - startedAt} ms`);
    const client = dynamo(db.endpoint);
    try {
      await createTable(client);
      await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, n: { N: '1' } } }));

      // Act
      const transaction = client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'items', Item: { pk: { S: 'b' } } } },
            {
              Put: {
                TableName: 'items',
                Item: { pk: { S: 'a' }, n: { N: '2' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );

      // Assess
      const error = await transaction.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionCanceledException);
      expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
        'None',
        'ConditionalCheckFailed',
      ]);
      const b = await client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'b' } } }));
      expect(b.Item).toBeUndefined();
      const a = await client.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' } } }));
      expect(a.Item?.n?.N).toBe('1');
      expect(db.endpoint).toBe(`http://127.0.0.1:${db.port}`);
      expect(messages.join('\n')).toContain('in memory');
    } finally {
      client.destroy();
      await db.stop();
    }
  });

  // One data dir through three lives (three JVM starts rather than four): stopped cleanly, then
  // orphaned by a SIGKILLed parent, then reaped by the next start.
  test('persistent mode keeps an item across a stop, and reaps the java a SIGKILLed parent left', async () => {
    // Prepare: write an item, stop cleanly.
    const dataDir = await tempDir();
    const pidFile = join(dataDir, 'dynamodb', 'java.pid');
    const first = await startDynamoDbLocal({ dataDir });
    const firstPid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
    const client1 = dynamo(first.endpoint);
    try {
      await createTable(client1);
      await client1.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'kept' } } }));
    } finally {
      client1.destroy();
      await first.stop();
    }
    const pidFileAfterStop = await stat(pidFile).catch((e: NodeJS.ErrnoException) => e.code);
    const firstAliveAfterStop = isAlive(firstPid);

    // Prepare: a parent process starts it on the same dir, then dies without any chance to clean up.
    const script = join(dataDir, 'parent.mts');
    const modulePath = join(projectRoot, 'infra/local/dynamodb-local.ts');
    await writeFile(
      script,
      `import { startDynamoDbLocal } from ${JSON.stringify(modulePath)};\n` +
        `await startDynamoDbLocal({ dataDir: ${JSON.stringify(dataDir)} });\n` +
        `console.log('ready');\nsetInterval(() => {}, 1000);\n`,
    );
    const parent: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((ready, fail) => {
      parent.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) ready();
      });
      parent.once('exit', (code) => fail(new Error(`parent exited early (${code})`)));
    });
    const orphan = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
    const whileParentLives = await startDynamoDbLocal({ dataDir }).then(
      (db) => db.stop().then(() => 'started'),
      (error: Error) => error.message,
    );
    parent.kill('SIGKILL');
    await new Promise((done) => parent.once('exit', done));
    await sleep(100);
    const orphanAliveAfterParentDied = isAlive(orphan);

    // Act
    const third = await startDynamoDbLocal({ dataDir });
    const client3 = dynamo(third.endpoint);
    try {
      const got = await client3.send(new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'kept' } } }));

      // Assess
      expect(pidFileAfterStop).toBe('ENOENT');
      expect(firstAliveAfterStop).toBe(false);
      expect(whileParentLives).toMatch(/is in use by DynamoDB Local \(pid \d+\) of running process \d+/);
      expect(orphanAliveAfterParentDied).toBe(true);
      expect(isAlive(orphan)).toBe(false);
      expect(Number.parseInt(await readFile(pidFile, 'utf8'), 10)).not.toBe(orphan);
      expect(got.Item?.pk?.S).toBe('kept');
    } finally {
      client3.destroy();
      await third.stop();
      if (isAlive(orphan)) process.kill(orphan, 'SIGKILL');
    }
  });
});

describe('SES local', () => {
  let ses: SesLocal;
  beforeAll(async () => {
    ses = await startSesLocal({ host: HOST });
  });
  afterAll(async () => {
    await ses.stop();
  });

  test('SendEmail with text and html lands in the store; clear empties it', async () => {
    // Prepare
    const client = new SESClient({ endpoint: ses.url, region: 'us-east-1', credentials });

    // Act
    await client.send(
      new SendEmailCommand({
        Source: 'tollgate@example.com',
        Destination: { ToAddresses: ['ada@example.com'] },
        Message: {
          Subject: { Data: 'Gate 2 review: decide' },
          Body: { Text: { Data: 'Open http://x/a/1' }, Html: { Data: '<a href="http://x/a/1">open</a>' } },
        },
      }),
    );
    const emails = await readSesStore(ses.url);
    await clearSesStore(ses.url);
    const afterClear = await readSesStore(ses.url);
    client.destroy();

    // Assess
    expect(ses.url).toBe(`http://127.0.0.1:${ses.port}`);
    const email = emails.find((e) => e.subject === 'Gate 2 review: decide');
    expect(email).toMatchObject({
      from: 'tollgate@example.com',
      destination: { to: ['ada@example.com'] },
      body: { text: 'Open http://x/a/1', html: '<a href="http://x/a/1">open</a>' },
    });
    expect(email?.at).toBeGreaterThan(1_700_000_000);
    expect(afterClear).toEqual([]);
  });
});

describe('HTTP gateway', () => {
  let gateway: HttpGateway;
  const logs: { m: string; f?: Record<string, unknown> }[] = [];
  let protectedCalls = 0;
  let token = '';
  const echo: HttpHandler = async (event, context) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      event,
      functionName: context.functionName,
      remaining: context.getRemainingTimeInMillis(),
    }),
  });

  beforeAll(async () => {
    const issuer = await createLocalIssuer({ issuer: 'http://127.0.0.1/local-auth' });
    token = await issuer.sign(ada);
    gateway = await startHttpGateway({
      host: HOST,
      port: 0,
      verifyJwt: (t) => issuer.verify(t),
      log: (m, f) => logs.push({ m, f }),
      routes: [
        { routeKey: 'GET /items/{itemId}', handler: echo, functionName: 'getItem' },
        { routeKey: 'GET /items/special', handler: echo, functionName: 'special' },
        { routeKey: 'POST /items', handler: echo, functionName: 'postItem' },
        { routeKey: 'ANY /files/{proxy+}', handler: echo, functionName: 'files' },
        {
          routeKey: 'GET /me',
          functionName: 'me',
          authorizer: 'jwt',
          handler: async (event, context) => {
            protectedCalls++;
            return echo(event, context);
          },
        },
        {
          routeKey: 'GET /boom',
          functionName: 'boom',
          handler: async () => {
            throw new Error('secret detail: table tollgate-prod');
          },
        },
        {
          routeKey: 'GET /bin',
          functionName: 'bin',
          handler: async () => ({
            statusCode: 201,
            cookies: ['a=1; HttpOnly', 'b=2'],
            headers: { 'x-n': 7 },
            isBase64Encoded: true,
            body: Buffer.from([0, 1, 2, 255]).toString('base64'),
          }),
        },
      ],
    });
  });
  afterAll(async () => {
    await gateway.close();
  });

  /** What `echo` answers, or API Gateway's own `{ message }` errors. */
  interface Echoed {
    event: APIGatewayProxyEventV2WithJwt;
    functionName: string;
    remaining: number;
    message?: string;
  }
  async function call(path: string, init?: RequestInit): Promise<{ status: number; json: Echoed }> {
    const response = await fetch(`${gateway.url}${path}`, init);
    return { status: response.status, json: (await response.json()) as Echoed };
  }

  test('path parameters, query string, cookies and request context are filled like API Gateway', async () => {
    // Act
    const { status, json } = await call('/items/a%20b?x=1&x=2&y=z%26', {
      headers: { cookie: 'c1=v1; c2=v2' },
    });

    // Assess
    expect(status).toBe(200);
    const { event } = json;
    expect(json.functionName).toBe('getItem');
    expect(json.remaining).toBeGreaterThan(29_000);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{itemId}',
      rawPath: '/items/a b',
      rawQueryString: 'x=1&x=2&y=z%26',
      cookies: ['c1=v1', 'c2=v2'],
      pathParameters: { itemId: 'a b' },
      queryStringParameters: { x: '1,2', y: 'z&' },
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.any(String),
        apiId: expect.any(String),
        routeKey: 'GET /items/{itemId}',
        stage: '$default',
        http: { method: 'GET', path: '/items/a b', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      },
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers.host).toBe(`127.0.0.1:${gateway.port}`);
    expect(event.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(event.body).toBeUndefined();
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  test('a literal route beats a path parameter; a greedy route takes the rest of the path', async () => {
    // Act
    const special = await call('/items/special');
    const files = await call('/files/a/b/c.txt', { method: 'DELETE' });

    // Assess
    expect(special.json.functionName).toBe('special');
    expect(files.json.event.pathParameters).toEqual({ proxy: 'a/b/c.txt' });
    expect(files.json.event.routeKey).toBe('ANY /files/{proxy+}');
  });

  test('JSON bodies arrive as text; form and binary bodies arrive base64-encoded', async () => {
    // Act
    const asJson = await call('/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Gate ✓"}',
    });
    const asForm = await call('/items', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve',
    });

    // Assess
    expect(asJson.json.event).toMatchObject({ body: '{"name":"Gate ✓"}', isBase64Encoded: false });
    expect(asForm.json.event.isBase64Encoded).toBe(true);
    expect(Buffer.from(asForm.json.event.body ?? '', 'base64').toString()).toBe('decision=approve');
  });

  test('the JWT route answers 401 without calling the handler when the token is missing or bad', async () => {
    // Prepare
    const before = protectedCalls;

    // Act
    const missing = await call('/me');
    const bad = await call('/me', { headers: { authorization: 'Bearer not.a.jwt' } });

    // Assess
    expect(missing).toEqual({ status: 401, json: { message: 'Unauthorized' } });
    expect(bad).toEqual({ status: 401, json: { message: 'Unauthorized' } });
    expect(protectedCalls).toBe(before);
  });

  test('the JWT route hands the claims on, stringified the way API Gateway does', async () => {
    // Act
    const { status, json } = await call('/me', { headers: { authorization: `Bearer ${token}` } });

    // Assess
    expect(status).toBe(200);
    const { claims, scopes } = json.event.requestContext.authorizer?.jwt ?? {};
    expect(scopes).toBeNull();
    expect(claims).toMatchObject({
      email: 'ada@example.com',
      name: 'Ada',
      'cognito:groups': '[admin approver]',
      token_use: 'id',
      aud: 'tollgate-local',
    });
    expect(claims?.exp).toMatch(/^\d+$/);
    expect(claims?.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('a handler that throws gives a generic 500; the error reaches the log only', async () => {
    // Act
    const response = await fetch(`${gateway.url}/boom`);
    const text = await response.text();

    // Assess
    expect(response.status).toBe(500);
    expect(text).toBe('{"message":"Internal Server Error"}');
    expect(logs.some((l) => l.m === 'handler failed' && String(l.f?.error).includes('secret detail'))).toBe(
      true,
    );
  });

  test('unknown routes give 404 and bodies over 1 MiB give 413', async () => {
    // Act
    const unknown = await call('/nowhere');
    const wrongMethod = await call('/items/x', { method: 'PUT' });
    const tooBig = await fetch(`${gateway.url}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(1024 * 1024 + 1),
    });

    // Assess
    expect(unknown).toEqual({ status: 404, json: { message: 'Not Found' } });
    expect(wrongMethod.status).toBe(404);
    expect(tooBig.status).toBe(413);
  });

  test('the response carries status, headers, cookies and a base64-decoded body', async () => {
    // Act
    const response = await fetch(`${gateway.url}/bin`);
    const bytes = Buffer.from(await response.arrayBuffer());

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('x-n')).toBe('7');
    expect(response.headers.getSetCookie()).toEqual(['a=1; HttpOnly', 'b=2']);
    expect([...bytes]).toEqual([0, 1, 2, 255]);
  });
});

describe('local issuer', () => {
  test('expired tokens and tokens from another key fail verification', async () => {
    // Prepare
    const issuer = await createLocalIssuer({ issuer: 'http://127.0.0.1/auth' });
    const stranger = await createLocalIssuer({ issuer: 'http://127.0.0.1/auth' });

    // Act
    const expired = await issuer.verify(await issuer.sign(ada, -60));
    const foreign = await issuer.verify(await stranger.sign(ada));
    const fine = await issuer.verify(await issuer.sign(ada));

    // Assess
    expect(expired).toBeUndefined();
    expect(foreign).toBeUndefined();
    expect(fine).toMatchObject({
      email: ada.email,
      'cognito:groups': ['admin', 'approver'],
      iss: issuer.issuer,
    });
    expect((fine?.exp as number) - (fine?.iat as number)).toBe(3600);
  });

  test('a persisted key survives a new issuer on the same dir; the key file is private', async () => {
    // Prepare
    const dataDir = await tempDir();
    const first = await createLocalIssuer({ dataDir, issuer: 'http://127.0.0.1/auth' });
    const token = await first.sign(ada);

    // Act
    const second = await createLocalIssuer({ dataDir, issuer: 'http://127.0.0.1/auth' });
    const otherIssuer = await createLocalIssuer({ dataDir, issuer: 'http://elsewhere/auth' });

    // Assess
    expect(await second.verify(token)).toMatchObject({ email: ada.email });
    expect(await otherIssuer.verify(token)).toBeUndefined();
    const keyFile = join(dataDir, 'auth', 'signing-key.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const { keys } = await second.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toHaveProperty('d');
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });
});
