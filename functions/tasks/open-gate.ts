import { repositoryFromEnv } from '../adapters/dynamodb.ts';
import { once, settingsFromEnv, systemClock } from '../adapters/environment.ts';
import { mailerFromEnv } from '../adapters/mailer.ts';
import { workflowFromEnv } from '../adapters/workflow.ts';
import { openGate } from '../usecases/gates.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({
  repository: repositoryFromEnv(),
  mailer: mailerFromEnv(),
  workflow: workflowFromEnv(),
  clock: systemClock,
  settings: settingsFromEnv(),
}));

/** Gate review wait (.waitForTaskToken): open the gate, keep the token server-side, e-mail the approvers. */
export const handler = taskFunction('open-gate', async (input: unknown) => {
  await openGate(ports(), parseTaskInput(schemas.waitingGate, input));
  return { status: 'waiting' };
});
