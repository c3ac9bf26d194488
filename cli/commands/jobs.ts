import { InvalidArgumentError } from 'commander';
import type { TrailJob } from '../../functions/usecases/model.ts';
import { api } from './api.ts';
import type { Connection } from './connection.ts';
import { CliError, EXIT } from './errors.ts';
import type { Progress } from './progress.ts';

export type JobView = TrailJob & { links?: { data: string; manifest: string } };

/** Starts a trail job (POST → 202) and polls it until done; a failed or stuck job exits 3. */
export async function runJob(
  connection: Connection,
  path: '/trail/exports' | '/trail/verifications',
  body: unknown,
  options: { timeoutSeconds: number; progress: Progress | undefined },
): Promise<JobView> {
  const started = await api<JobView>(connection, 'POST', path, body);
  const stop = options.progress?.spin(`${started.kind} job ${started.jobId} running`);
  try {
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let job = started;
    for (let delay = 100; job.status === 'running'; delay = Math.min(delay * 1.5, 2000)) {
      if (Date.now() + delay > deadline)
        throw new CliError(
          EXIT.unreachable,
          `job ${job.jobId} is still running after ${options.timeoutSeconds} s (--timeout to wait longer; GET /trail/jobs/${job.jobId} to look later)`,
        );
      await new Promise((resolve) => setTimeout(resolve, delay));
      job = await api<JobView>(connection, 'GET', `/trail/jobs/${started.jobId}`);
    }
    if (job.status === 'failed')
      throw new CliError(EXIT.unreachable, `job ${job.jobId} failed: ${job.error ?? 'no reason given'}`);
    return job;
  } finally {
    stop?.();
  }
}

/** `--timeout <seconds>`: a positive whole number. */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${value} is not a whole number of seconds`);
  return n;
}
