import * as z from 'zod/mini';
import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { anchorStoreFromEnv, exportStoreFromEnv, signerFromEnv } from '../adapters/trail/from-env.ts';
import { log } from '../logger.ts';
import { failTrailJob, runTrailJob } from '../usecases/trail-jobs.ts';
import { parseTaskInput } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({
  repository: repositoryFromEnv(),
  anchors: anchorStoreFromEnv(),
  exports: exportStoreFromEnv(),
  signer: signerFromEnv(),
  clock: systemClock,
  log,
}));

const input = z.object({
  jobId: z.uuid(),
  /** Set by the workflow's Catch: the job failed with this error. */
  failed: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
});

/** The trail-job workflow's task: an export or a verification (or, from its Catch, the failure). */
export const handler = taskFunction('trail-job', async (event: unknown) => {
  const { jobId, failed } = parseTaskInput(input, event);
  if (failed) {
    await failTrailJob(ports(), { jobId, error: describeFailure(failed) });
    return { jobId, status: 'failed' };
  }
  return runTrailJob(ports(), jobId);
});

/** The error's name and message as Step Functions caught them (never the stack trace). */
function describeFailure(failed: { Error?: string | undefined; Cause?: string | undefined }): string {
  let message = '';
  try {
    message = String((JSON.parse(failed.Cause ?? '{}') as { errorMessage?: unknown }).errorMessage ?? '');
  } catch {
    message = '';
  }
  return [failed.Error ?? 'the job failed', message].filter(Boolean).join(': ');
}
