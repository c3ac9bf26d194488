import { repositoryFromEnv } from '../adapters/dynamodb.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { parkOnHold } from '../usecases/gates.ts';
import { parseTaskInput, schemas } from './inputs.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({ repository: repositoryFromEnv(), clock: systemClock }));

/** Hold (.waitForTaskToken): mark the project on hold and keep the token for the PMO's resume. */
export const handler = taskFunction('park-on-hold', async (input: unknown) => {
  await parkOnHold(ports(), parseTaskInput(schemas.hold, input));
  return { status: 'on-hold' };
});
