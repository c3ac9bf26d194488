import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { workflowFromEnv } from '../adapters/workflow.ts';
import { expireGate } from '../usecases/transitions.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({
  repository: repositoryFromEnv(),
  workflow: workflowFromEnv(),
  clock: systemClock,
}));

/** The wait's backstop timeout: take the deadline outcome if the deadline passed (the sweeper usually has). */
export const handler = taskFunction('expire-gate', async (input: unknown) => {
  await expireGate(ports(), parseTaskInput(schemas.gate, input));
  return { status: 'checked' };
});
