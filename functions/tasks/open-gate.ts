import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, settingsFromEnv, systemClock } from '../adapters/environment.ts';
import { mailerFromEnv } from '../adapters/mailer.ts';
import { workflowFromEnv } from '../adapters/workflow.ts';
import { log } from '../logger.ts';
import { openGate } from '../usecases/gates.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({
  repository: repositoryFromEnv(),
  mailer: mailerFromEnv(),
  workflow: workflowFromEnv(),
  clock: systemClock,
  settings: settingsFromEnv(),
  log,
}));

/** The wait (.waitForTaskToken) of a gate review or a close-out sign-off: open it, keep the token server-side, mail. */
export const handler = taskFunction('open-gate', async (input: unknown) => {
  await openGate(ports(), parseTaskInput(schemas.waitingGate, input));
  return { status: 'waiting' };
});
