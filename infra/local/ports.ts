// Small helpers shared by the embedded services: free loopback ports and bounded readiness waits.
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Asks the OS for a free TCP port on `host` (bind to port 0, read it back, release it).
 * Why: tests and a running `npm start` must never collide on fixed ports.
 * There is a small race between release and reuse; callers retry by restarting if a bind fails.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not read a free port on ${host}`));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

export interface WaitForOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Named in the error, e.g. "DynamoDB Local on :8000". */
  what: string;
  /** Optional: stop polling early (e.g. the process being waited for has exited). */
  signal?: AbortSignal;
}

/**
 * Polls `check` until it resolves true. A check that throws counts as "not yet".
 * Why bounded: a service that never comes up must fail loudly, not hang a test or `npm start`.
 */
export async function waitFor(check: () => Promise<boolean>, options: WaitForOptions): Promise<void> {
  const { timeoutMs, intervalMs, what, signal } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    try {
      if (await check()) return;
    } catch {
      // Not ready yet (connection refused, etc.); keep polling until the deadline.
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await sleep(Math.min(intervalMs, left), undefined, signal ? { signal } : undefined);
  }
}
