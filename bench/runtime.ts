// The local runtime as every bench part starts it: a temp data dir, free loopback ports, no sweeper
// timer, silent logs, the shared machine cache; metered on request (infra/local/dynamodb-meter.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalRuntime, startLocalRuntime } from '../infra/local/runtime.ts';

export interface BenchRuntime {
  runtime: LocalRuntime;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startBenchRuntime(
  name: string,
  options: { meter?: boolean } = {},
): Promise<BenchRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), `tollgate-bench-${name}-`));
  try {
    const runtime = await startLocalRuntime({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      inboxPort: 0,
      sweepEveryMs: 0,
      logLevel: 'SILENT',
      ...(options.meter ? { dynamoMeter: true } : {}),
      cacheDir: join(tmpdir(), 'tollgate-bench-machines'),
    });
    return {
      runtime,
      dataDir,
      async stop() {
        await runtime.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
