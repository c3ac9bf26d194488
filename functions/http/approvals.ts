import { once } from '../adapters/environment.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { hashLinkSecret, looksLikeLinkSecret } from '../domain/links.ts';
import { CHAINS } from '../domain/trail.ts';
import { decide, PackageChangedError, viewDecision } from '../usecases/decisions.ts';
import { delegate } from '../usecases/delegation.ts';
import { decisionFromForm, decisionPage, delegatedPage, receiptPage } from '../views/decision-page.ts';
import { type HttpPorts, httpPortsFromEnv } from './ports.ts';
import { refusalsOf } from './refusals.ts';
import { bodyText, type HttpEvent, httpFunction, page, requestSource } from './wrapper.ts';

/** Public approval routes: the link secret in the path is the credential (see docs/decisions). */
export function approvalRoutes(ports: () => HttpPorts) {
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
        // One form target: the decision, or (intent=delegate) handing it to someone else.
        handler: async (event: HttpEvent) => {
          const secret = secretOf(event);
          const form = formFields(event);
          const delegating = form.get('intent') === 'delegate';
          try {
            if (delegating) {
              const handed = await delegate(ports(), {
                secret,
                body: { to: form.get('delegateTo') ?? '', reason: form.get('delegateReason') ?? '' },
                source: requestSource(event),
              });
              return page(200, delegatedPage(handed));
            }
            const receipt = await decide(ports(), {
              secret,
              body: decisionFromForm(form),
              source: requestSource(event),
            });
            return page(200, receiptPage(receipt));
          } catch (error) {
            if (error instanceof PackageChangedError) {
              await recordRefusal(event, error);
              return page(409, decisionPage(error.view, { notice: error.message }));
            }
            if (error instanceof InvalidInputError && error.problems.length > 0) {
              await recordRefusal(event, error);
              const problems = delegating
                ? error.problems.map((p) => ({ ...p, path: `delegation.${p.path}` }))
                : error.problems;
              return page(400, decisionPage(await viewDecision(ports(), secret), { problems }));
            }
            throw error;
          }
        },
      },
    ],
    'html',
    (event, error) => recordRefusal(event, error),
  );

  /** Refusals on a link are recorded on its project's chain (looked up by the link's hash). */
  function recordRefusal(event: HttpEvent, error: Parameters<ReturnType<typeof refusalsOf>>[1]) {
    return refusalsOf(ports, { fallbackChain: CHAINS.access, projectOf: linkProject })(event, error);
  }

  async function linkProject(event: HttpEvent): Promise<string | undefined> {
    const secret = secretOf(event);
    if (!looksLikeLinkSecret(secret)) return undefined;
    return (await ports().repository.getLink(hashLinkSecret(secret)))?.projectId;
  }
}

function secretOf(event: HttpEvent): string {
  return event.pathParameters?.secret ?? '';
}

function formFields(event: HttpEvent): URLSearchParams {
  const type = event.headers?.['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new InvalidInputError('post this from the decision page', [
      { path: '(headers).content-type', message: 'must be application/x-www-form-urlencoded' },
    ]);
  }
  return new URLSearchParams(bodyText(event));
}

export const handler = approvalRoutes(once(httpPortsFromEnv));
