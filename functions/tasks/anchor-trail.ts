import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, systemClock } from '../adapters/environment.ts';
import { anchorStoreFromEnv, signerFromEnv } from '../adapters/trail/from-env.ts';
import { log, metrics } from '../logger.ts';
import { anchorTrail } from '../usecases/anchoring.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({
  repository: repositoryFromEnv(),
  anchors: anchorStoreFromEnv(),
  signer: signerFromEnv(),
  clock: systemClock,
  log,
}));

/**
 * Anchors the trail outside the table (hourly, and after every close-out's seal). A chain that
 * no longer agrees with its anchor raises the operators' integrity alarm.
 */
export const handler = taskFunction('anchor-trail', async () => {
  const report = await anchorTrail(ports());
  metrics('anchor', { IntegrityProblems: report.problems.length, Anchored: report.anchored ? 1 : 0 });
  return report;
});
