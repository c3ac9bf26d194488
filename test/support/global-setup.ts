import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLocalMachines } from '../../infra/local/machines.ts';

/** Synthesizes the state machines once per test run; every runtime a test starts reuses them. */
export const MACHINE_CACHE = join(tmpdir(), 'tollgate-test-machines');

export default async function setup(): Promise<void> {
  await loadLocalMachines(MACHINE_CACHE);
}
