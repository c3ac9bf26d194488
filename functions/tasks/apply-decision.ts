import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, settingsFromEnv, systemClock } from '../adapters/environment.ts';
import { mailerFromEnv } from '../adapters/mailer.ts';
import { log } from '../logger.ts';
import { applyDecision } from '../usecases/transitions.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({
  repository: repositoryFromEnv(),
  mailer: mailerFromEnv(),
  clock: systemClock,
  settings: settingsFromEnv(),
  log,
}));

/**
 * After a wait: re-read the gate's recorded result and move the project on (stage, next gate,
 * hold, close-out; or close the project after its sign-off). Routes only on what DynamoDB holds.
 */
export const handler = taskFunction('apply-decision', (input: unknown) =>
  applyDecision(ports(), parseTaskInput(schemas.gate, input)),
);
