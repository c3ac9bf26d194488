import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { settingsFromEnv, systemClock } from '../adapters/environment.ts';
import { workflowFromEnv } from '../adapters/workflow.ts';
import { log } from '../logger.ts';
import type { Ports } from '../usecases/ports.ts';

/** What the HTTP functions use: DynamoDB and Step Functions, never mail (ADR 0009). */
export type HttpPorts = Pick<Ports, 'repository' | 'workflow' | 'clock' | 'settings' | 'log'>;

/**
 * Builds them; each entry module keeps its own with `once` (a shared module-level instance
 * would outlive the local runtime's fresh "containers" after a restart, ADR 0004).
 */
export function httpPortsFromEnv(): HttpPorts {
  return {
    repository: repositoryFromEnv(),
    workflow: workflowFromEnv(),
    clock: systemClock,
    settings: settingsFromEnv(),
    log,
  };
}
