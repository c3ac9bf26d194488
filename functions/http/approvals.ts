import { repositoryFromEnv } from '../adapters/dynamodb.ts';
import { once, settingsFromEnv, systemClock } from '../adapters/environment.ts';
import { mailerFromEnv } from '../adapters/mailer.ts';
import { workflowFromEnv } from '../adapters/workflow.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { log } from '../logger.ts';
import { decide, PackageChangedError, viewDecision } from '../usecases/decisions.ts';
import type { Ports } from '../usecases/ports.ts';
import { decisionFromForm, decisionPage, receiptPage } from '../views/decision-page.ts';
import { bodyText, type HttpEvent, httpFunction, page, requestSource } from './wrapper.ts';

type ApprovalPorts = Pick<Ports, 'repository' | 'workflow' | 'mailer' | 'clock' | 'settings' | 'log'>;

/** Public approval routes: the link secret in the path is the credential (see docs/decisions). */
export function approvalRoutes(ports: () => ApprovalPorts) {
  return httpFunction(
    [
      {
        method: 'GET',
        path: '/a/{secret}',
        // Reads only: mail scanners pre-fetch links.
        handler: async (event: HttpEvent) =>
          page(200, decisionPage(await viewDecision(ports(), secretOf(event)))),
      },
      {
        method: 'POST',
        path: '/a/{secret}',
        handler: async (event: HttpEvent) => {
          const secret = secretOf(event);
          try {
            const receipt = await decide(ports(), {
              secret,
              body: formBody(event),
              source: requestSource(event),
            });
            return page(200, receiptPage(receipt));
          } catch (error) {
            if (error instanceof PackageChangedError) {
              return page(409, decisionPage(error.view, { notice: error.message }));
            }
            if (error instanceof InvalidInputError && error.problems.length > 0) {
              return page(
                400,
                decisionPage(await viewDecision(ports(), secret), { problems: error.problems }),
              );
            }
            throw error;
          }
        },
      },
    ],
    'html',
  );
}

function secretOf(event: HttpEvent): string {
  return event.pathParameters?.secret ?? '';
}

function formBody(event: HttpEvent): Record<string, unknown> {
  const type = event.headers?.['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new InvalidInputError('the decision must be posted from the decision page', [
      { path: '(headers).content-type', message: 'must be application/x-www-form-urlencoded' },
    ]);
  }
  return decisionFromForm(new URLSearchParams(bodyText(event)));
}

export const handler = approvalRoutes(
  once(() => ({
    repository: repositoryFromEnv(),
    workflow: workflowFromEnv(),
    mailer: mailerFromEnv(),
    clock: systemClock,
    settings: settingsFromEnv(),
    log,
  })),
);
