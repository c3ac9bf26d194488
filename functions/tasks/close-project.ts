import { repositoryFromEnv } from '../adapters/dynamodb.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { mailerFromEnv } from '../adapters/mailer.ts';
import { closeProject } from '../usecases/close-out.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({ repository: repositoryFromEnv(), mailer: mailerFromEnv(), clock: systemClock }));

/** Close-out: mark the project closed, append the trail entry, tell requester and sponsor. */
export const handler = taskFunction('close-project', (input: unknown) =>
  closeProject(ports(), parseTaskInput(schemas.closeOut, input)),
);
