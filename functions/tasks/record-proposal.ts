import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, settingsFromEnv, systemClock } from '../adapters/environment.ts';
import { recordProposal } from '../usecases/intake.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({
  repository: repositoryFromEnv(),
  clock: systemClock,
  settings: settingsFromEnv(),
}));

/** Intake: validate, pin the current definition version, record the project and where it starts. */
export const handler = taskFunction('record-proposal', (input: unknown) =>
  recordProposal(ports(), parseTaskInput(schemas.intake, input)),
);
