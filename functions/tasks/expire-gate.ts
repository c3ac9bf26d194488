import { repositoryFromEnv } from '../adapters/dynamodb.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { expireGate } from '../usecases/gates.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({ repository: repositoryFromEnv(), clock: systemClock }));

/** The Catch on the gate wait's timeout: take the definition's deadline outcome (or a decision that beat it). */
export const handler = taskFunction('expire-gate', (input: unknown) =>
  expireGate(ports(), parseTaskInput(schemas.gate, input)),
);
