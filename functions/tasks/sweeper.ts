import { repositoryFromEnv } from '../adapters/dynamodb/repository.ts';
import { once, settingsFromEnv, systemClock } from '../adapters/environment.ts';
import { mailerFromEnv } from '../adapters/mailer.ts';
import { workflowFromEnv } from '../adapters/workflow.ts';
import { log, metrics } from '../logger.ts';
import { sweep } from '../usecases/sweeper.ts';
import { taskFunction } from './wrapper.ts';

const ports = once(() => ({
  repository: repositoryFromEnv(),
  mailer: mailerFromEnv(),
  workflow: workflowFromEnv(),
  clock: systemClock,
  settings: settingsFromEnv(),
  log,
}));

/**
 * The scheduled sweeper (EventBridge Scheduler, every 5 minutes): acts on everything due.
 * Its counts go out as metrics; errors and overdue mails raise the operators' alarms.
 */
export const handler = taskFunction('sweeper', async () => {
  const report = await sweep(ports());
  metrics('sweep', {
    SweepErrors: report.errors,
    MailsOverdue: report.mailsOverdue,
    Deadlines: report.deadlines,
    Repaired: report.repaired,
  });
  return report;
});
