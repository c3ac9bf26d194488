// What keeps the local runtime's services to this machine, each started for real: DynamoDB Local's
// data behind a random access key, the gateway's Host check, HEAD without a body, the console's
// peer check, and the start refused on a network address while the sign-in is on.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLocalIssuer } from '../../infra/local/auth.ts';
import { localConsole } from '../../infra/local/console.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { type HttpGateway, type HttpHandler, startHttpGateway } from '../../infra/local/http-gateway.ts';
import { startLocalRuntime } from '../../infra/local/runtime.ts';

const projectRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-exposure-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** An IPv4 address of this machine that is not loopback, if it has one. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

function client(db: DynamoDbLocal, accessKeyId = db.credentials.accessKeyId): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: db.endpoint,
    region: db.region,
    credentials: { accessKeyId, secretAccessKey: 'anything' },
  });
}

async function createTable(db: DynamoDbLocal): Promise<void> {
  const owner = client(db);
  await owner.send(
    new CreateTableCommand({
      TableName: 'items',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  owner.destroy();
}

async function tables(db: DynamoDbLocal, accessKeyId?: string): Promise<string[]> {
  const reader = client(db, accessKeyId);
  try {
    return (await reader.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    reader.destroy();
  }
}

/** Sends exactly these bytes and returns all that comes back (fetch would set its own Host). */
function rawExchange(port: number, text: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(port, host, () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', fail);
  });
}

/** A request with the given Host header. */
function withHost(url: string, host: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((done, fail) => {
    const outgoing = request(
      { host: hostname, port, path: pathname, method, headers: { host }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    outgoing.on('error', fail);
    outgoing.end();
  });
}

describe('DynamoDB Local behind a random access key', () => {
  // One data dir through two lives (two JVM starts rather than three): the key at work, then the
  // data dir turned into what a -sharedDb version left, and adopted.
  test('another key sees no tables; the key is kept 0600, never logged; a -sharedDb data dir keeps its tables', async () => {
    // Prepare
    const dataDir = await tempDir();
    const dbDir = join(dataDir, 'dynamodb');
    const keyFile = join(dbDir, 'access-key-id');
    const messages: string[] = [];
    const first = await startDynamoDbLocal({ dataDir, log: (m) => messages.push(m) });
    let own: string[];
    let others: string[][];
    let kept: string;
    let mode: number;
    try {
      await createTable(first);

      // Act
      own = await tables(first);
      others = await Promise.all(['local', 'AKIAIOSFODNN7EXAMPLE'].map((key) => tables(first, key)));
      kept = (await readFile(keyFile, 'utf8')).trim();
      mode = (await stat(keyFile)).mode & 0o777;
    } finally {
      await first.stop();
    }
    // Prepare: the same file under the -sharedDb name (same format), and no key file yet
    await rename(
      join(dbDir, `${first.credentials.accessKeyId}_us-east-1.db`),
      join(dbDir, 'shared-local-instance.db'),
    );
    await rm(keyFile);

    // Act
    const second = await startDynamoDbLocal({ dataDir });
    let adopted: string[];
    let adoptedByOthers: string[];
    try {
      adopted = await tables(second);
      adoptedByOthers = await tables(second, 'local');
    } finally {
      await second.stop();
    }

    // Assess
    expect(own).toEqual(['items']);
    expect(others).toEqual([[], []]);
    expect(first.credentials.accessKeyId).toMatch(/^[0-9A-F]{32}$/);
    expect(kept).toBe(first.credentials.accessKeyId);
    expect(mode).toBe(0o600);
    expect(messages.join('\n')).not.toContain(first.credentials.accessKeyId);
    expect(first.endpoint).not.toContain(first.credentials.accessKeyId);
    expect(second.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(adopted).toEqual(['items']);
    expect(adoptedByOthers).toEqual([]);
    expect(existsSync(join(dbDir, 'shared-local-instance.db'))).toBe(false);
    expect(existsSync(join(dbDir, `${second.credentials.accessKeyId}_us-east-1.db`))).toBe(true);
  });
});

describe('the HTTP gateway', () => {
  let gateway: HttpGateway;
  const methods: string[] = [];
  const page: HttpHandler = async (event) => {
    methods.push(event.requestContext.http.method);
    return { statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<h1>the page</h1>' };
  };

  beforeAll(async () => {
    gateway = await startHttpGateway({
      host: '127.0.0.1',
      port: 0,
      routes: [
        { routeKey: 'GET /page', handler: page, functionName: 'page' },
        { routeKey: 'HEAD /page', handler: page, functionName: 'page' },
      ],
    });
  });
  afterAll(async () => {
    await gateway.close();
  });

  test('a request naming another host is refused with 421, whatever the route; loopback names are served', async () => {
    // Act
    const foreign = await Promise.all(
      ['/page', '/nowhere'].map((path) => withHost(`${gateway.url}${path}`, `evil.example:${gateway.port}`)),
    );
    const otherPort = await withHost(`${gateway.url}/page`, `127.0.0.1:${gateway.port + 1}`);
    const loopbackNames = await Promise.all(
      ['localhost', '[::1]', '127.0.0.1'].map((name) =>
        withHost(`${gateway.url}/page`, `${name}:${gateway.port}`),
      ),
    );

    // Assess
    for (const refused of [...foreign, otherPort]) {
      expect(refused.status).toBe(421);
      expect(JSON.parse(refused.body).message).toMatch(/answers only to the Host .*127\.0\.0\.1:\d+/);
    }
    expect(loopbackNames.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  test('HEAD reaches the handler as HEAD, and no HEAD answer carries a body, even when the handler gave one', async () => {
    // Prepare
    const head = (path: string, host = `127.0.0.1:${gateway.port}`) =>
      rawExchange(gateway.port, `HEAD ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    methods.length = 0;

    // Act
    const answers = [await head('/page'), await head('/nowhere'), await head('/page', 'evil.example')];

    // Assess
    expect(methods).toEqual(['HEAD']);
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual([
      'HTTP/1.1 200 OK',
      'HTTP/1.1 404 Not Found',
      'HTTP/1.1 421 Misdirected Request',
    ]);
    for (const answer of answers) expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe('');
  });
});

describe('the local console on a network address', () => {
  test.skipIf(networkAddress === undefined)(
    'hands out no token and no mail link to a peer that is not this machine’s loopback',
    async () => {
      // Prepare: one server on every interface, reached from loopback and from a network address
      const issuer = await createLocalIssuer({ issuer: 'http://127.0.0.1/local' });
      const mail = {
        messageId: 'm-1',
        subject: 'Decision needed',
        destination: { to: ['sam.sponsor@example.com'], cc: [], bcc: [] },
        body: { text: 'Open http://127.0.0.1:3000/a/SECRETLINKSECRETLINKSECRETLINKSECRETLINK12' },
        at: 1_800_000_000,
      };
      const gateway = await startHttpGateway({
        host: '0.0.0.0',
        port: 0,
        routes: [],
        extra: localConsole({
          appUrl: 'http://127.0.0.1:3000',
          inboxUrl: 'http://127.0.0.1:8005',
          issuer,
          outbox: async () => [mail as never],
          exportsDir: await tempDir(),
        }),
      });
      const from = (address: string) => `http://${address}:${gateway.port}`;
      const token = (address: string) =>
        fetch(`${from(address)}/local/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'pat.pmo@example.com' }),
        });
      try {
        // Act
        const remote = [
          await token(networkAddress ?? ''),
          await fetch(`${from(networkAddress ?? '')}/local/outbox`),
        ];
        const local = [await token('127.0.0.1'), await fetch(`${from('127.0.0.1')}/local/outbox`)];
        const remoteBodies = await Promise.all(remote.map((r) => r.text()));
        const localBodies = await Promise.all(local.map((r) => r.text()));

        // Assess
        expect(remote.map((r) => r.status)).toEqual([403, 403]);
        for (const body of remoteBodies) {
          expect(JSON.parse(body).message).toMatch(/only on this machine/);
          expect(body).not.toMatch(/token|SECRETLINK/);
        }
        expect(local.map((r) => r.status)).toEqual([200, 200]);
        expect(JSON.parse(localBodies[0] ?? '{}').token).toMatch(/^ey/);
        expect(localBodies[1]).toContain('SECRETLINK');
      } finally {
        await gateway.close();
      }
    },
  );
});

describe('starting on a network address', () => {
  test('is refused while the sign-in is on, before anything starts', async () => {
    // Prepare
    const dataDir = join(await tempDir(), 'never-made');

    // Act
    const refusals = await Promise.all(
      ['0.0.0.0', '192.0.2.2', '::', 'example.com'].map((host) =>
        startLocalRuntime({ dataDir, host, port: 0, inboxPort: 0 }).then(
          async (runtime) => {
            await runtime.stop();
            return 'started';
          },
          (error: Error) => error.message,
        ),
      ),
    );

    // Assess
    for (const refusal of refusals) expect(refusal).toMatch(/is not a loopback address.*--no-sign-in/s);
    expect(existsSync(dataDir)).toBe(false);
  });

  test('`npm start -- --host 0.0.0.0` exits with the reason and a way out', async () => {
    // Prepare
    const dataDir = join(await tempDir(), 'never-made');

    // Act
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'infra/local/main.ts', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('exit', done));

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('[tollgate] could not start: --host 0.0.0.0 is not a loopback address');
    expect(stderr).toContain('--no-sign-in');
    expect(existsSync(dataDir)).toBe(false);
  });
});
