import { repositoryFromEnv } from '../adapters/dynamodb.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { recordProposal } from '../usecases/intake.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({ repository: repositoryFromEnv(), clock: systemClock }));

/** Intake: validate, pin the current definition version, record the project and its first trail entry. */
export const handler = taskFunction('record-proposal', (input: unknown) =>
  recordProposal(ports(), parseTaskInput(schemas.intake, input)),
);
