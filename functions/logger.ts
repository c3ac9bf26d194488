import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from './usecases/ports.ts';

/**
 * One structured logger per container. Callers pass ids and names only: never an approval
 * link, its secret, a task token or a request body.
 */
export const logger = new Logger({ serviceName: 'tollgate' });

export const log: Log = {
  info: (message, fields) => logger.info(message, fields ?? {}),
  warn: (message, fields) => logger.warn(message, fields ?? {}),
  error: (message, fields) => logger.error(message, fields ?? {}),
};
