import * as z from 'zod/mini';
import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { log } from '../logger.ts';
import { recordFailure } from '../usecases/failures.ts';
import { parseTaskInput } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({ repository: repositoryFromEnv(), clock: systemClock, log }));

const input = z.object({
  workflow: z.string().check(z.maxLength(40)),
  projectId: z.uuid(),
  gate: z.optional(z.object({ gateId: z.string(), sequence: z.number() })),
  error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
});

/** A workflow's Catch, before it fails: the failure goes into the project's trail. */
export const handler = taskFunction('record-failure', async (event: unknown) => {
  await recordFailure(ports(), parseTaskInput(input, event));
  return { recorded: true };
});
