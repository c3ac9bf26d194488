// One fresh node process per sample: the cold init (import) of a bundle, and optionally its first call.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export type Sample = { ok: true; initMs: number; firstCallMs?: number } | { ok: false; error: string };

// Runs in the child. Times only the dynamic import (and, if asked, the first handler call); node's own
// start-up is the same for every bundle and is left out. Writes one JSON line with a synchronous write,
// then exits at once so a timer or socket left open by the module cannot hold the sample up.
const CHILD = `
import { writeSync } from 'node:fs';
const [url, eventJson] = process.argv.slice(1);
const out = (value) => { writeSync(1, JSON.stringify(value) + '\\n'); process.exit(0); };
try {
  const t0 = performance.now();
  const mod = await import(url);
  const initMs = performance.now() - t0;
  if (eventJson === undefined) out({ ok: true, initMs });
  if (typeof mod.handler !== 'function') out({ ok: false, error: 'no exported handler' });
  const t1 = performance.now();
  await mod.handler(JSON.parse(eventJson), {});
  out({ ok: true, initMs, firstCallMs: performance.now() - t1 });
} catch (error) {
  out({ ok: false, error: String(error && error.stack ? error.stack.split('\\n')[0] : error) });
}
`;

export interface SampleOptions {
  /** The child's whole environment; nothing is inherited (tsx's loader must not leak in). */
  env: Record<string, string>;
  timeoutMs: number;
  /** When given, the handler is called once with it after the import. */
  event?: unknown;
}

export function sampleBundle(file: string, options: SampleOptions): Promise<Sample> {
  const args = ['--input-type=module', '-e', CHILD, pathToFileURL(file).href];
  if (options.event !== undefined) args.push(JSON.stringify(options.event));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: error.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Sample);
      } catch {
        const why =
          signal === 'SIGKILL' ? `timed out after ${options.timeoutMs} ms` : `exit ${code ?? signal}`;
        resolve({ ok: false, error: `${why}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
