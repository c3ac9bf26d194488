import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalRuntimeOptions, startLocalRuntime } from './runtime.ts';
import { Driver, PATHS, SmokeClock, SmokeError, type SmokePath } from './smoke-paths.ts';

/**
 * `npm run smoke`: a fresh local runtime in a temporary directory and the first engine path (a
 * project through every gate, its stage submissions and the close-out sign-off) walked over HTTP
 * as its users would. `npm run smoke -- --all` walks every path of infra/local/smoke-paths.ts:
 * one shared runtime for most, a data dir of their own for those that restart. One line per
 * path (`ok  <path>  <s>s` or `FAIL <path> <reason>`); last line `smoke ok: <n> paths, <s>s`
 * (exit 0), or exit 1 on any failure. `--verbose` shows the runtime's and handlers' logs.
 */
const PATH_TIMEOUT_MS = 60_000;
const argv = process.argv.slice(2);
const all = argv.includes('--all');
const verbose = argv.includes('--verbose');
const unknown = argv.filter((a) => a !== '--all' && a !== '--verbose');
if (unknown.length > 0) {
  console.error(`usage: npm run smoke [-- --all] [--verbose]   (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}

// From the process start: loading the runtime's modules is part of what a smoke costs.
const started = Date.now() - performance.now();
const tag = `#${Date.now().toString(36)}`;
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const dataDirs: string[] = [];
const drivers = new Set<Driver>();

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-smoke-'));
  dataDirs.push(dir);
  return dir;
}

async function launch(dataDir: string, what: string): Promise<Driver> {
  const t0 = Date.now();
  const clock = new SmokeClock();
  const options: LocalRuntimeOptions = {
    dataDir,
    host: '127.0.0.1',
    port: 0,
    inboxPort: 0,
    clock,
    sweepEveryMs: 0,
    logLevel: verbose ? 'INFO' : 'SILENT',
    cacheDir: join(tmpdir(), 'tollgate-smoke-machines'),
    ...(verbose ? { log: (m: string) => console.log(`  [runtime] ${m}`) } : {}),
  };
  const runtime = await startLocalRuntime(options);
  const driver = new Driver(runtime, clock, dataDir, tag, restart);
  drivers.add(driver);
  console.log(`runtime up in ${seconds(t0)}s (${what})`);
  return driver;
}

/** Stops a runtime keeping its data and starts a new one on the same data dir. */
async function restart(driver: Driver): Promise<Driver> {
  await stop(driver);
  return launch(driver.dataDir, 'restarted on the same data');
}

async function stop(driver: Driver): Promise<void> {
  drivers.delete(driver);
  driver.close();
  await driver.runtime.stop();
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SmokeError(`${what} did not finish within ${ms / 1000}s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function runPath(path: SmokePath, driver: Driver): Promise<boolean> {
  const t0 = Date.now();
  try {
    await withTimeout(path.run(driver), PATH_TIMEOUT_MS, 'the path');
    console.log(`ok  ${path.name}  ${seconds(t0)}s`);
    return true;
  } catch (error) {
    const reason =
      error instanceof Error
        ? error instanceof SmokeError
          ? error.message
          : `${error.name}: ${error.message}`
        : String(error);
    console.log(`FAIL ${path.name} ${reason.replace(/\s+/g, ' ')}`);
    return false;
  }
}

const selected = all ? PATHS : PATHS.slice(0, 1);
let failed = 0;
try {
  // The shared runtime first (its paths in order), then each path that needs its own data dir.
  const shared = selected.filter((p) => !p.ownRuntime);
  if (shared.length > 0) {
    const driver = await launch(
      newDataDir(),
      shared.length > 1 ? `shared by ${shared.length} paths` : 'fresh',
    );
    for (const path of shared) if (!(await runPath(path, driver))) failed++;
    await stop(driver);
  }
  for (const path of selected.filter((p) => p.ownRuntime)) {
    const driver = await launch(newDataDir(), `own data dir for "${path.name}"`);
    if (!(await runPath(path, driver))) failed++;
    for (const left of [...drivers]) await stop(left);
  }
} catch (error) {
  failed = Math.max(failed, 1);
  console.log(`FAIL runtime ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
} finally {
  for (const left of [...drivers]) await stop(left).catch(() => undefined);
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}

if (failed > 0) {
  console.log(`smoke failed: ${failed} of ${selected.length} paths, ${seconds(started)}s`);
  process.exitCode = 1;
} else {
  console.log(`smoke ok: ${selected.length} paths, ${seconds(started)}s`);
}
