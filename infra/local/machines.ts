import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalMachine } from './asl.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What the state machine definitions are synthesized from; any change here means synthesize again. */
const SOURCES = [
  'workflows',
  'infra/stack.ts',
  'infra/app.ts',
  'infra/constructs',
  'infra/local/asl.ts',
  'functions/handlers.ts',
  'package-lock.json',
];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full).flatMap((name) => files(join(path, name)));
}

/** A hash of every file the definitions depend on. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(files).sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The state machines as the CDK app synthesizes them. Synthesis takes seconds, so the
 * result is cached under `cacheDir`, keyed by a hash of its sources: a change to a
 * workflow is always picked up, an unchanged app starts fast.
 */
export async function loadLocalMachines(cacheDir: string): Promise<LocalMachine[]> {
  const file = join(cacheDir, `machines-${sourceHash()}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalMachine[];
  } catch {
    const { synthesizeLocalMachines } = await import('./asl.ts');
    const machines = synthesizeLocalMachines();
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(machines));
    renameSync(`${file}.tmp`, file);
    return machines;
  }
}
