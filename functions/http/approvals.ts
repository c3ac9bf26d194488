import { once } from '../adapters/environment.ts';
import { identityVerifierFromEnv } from '../adapters/identity/from-env.ts';
import { InvalidInputError, TollgateError } from '../domain/errors.ts';
import { hashLinkSecret, looksLikeLinkSecret } from '../domain/links.ts';
import { CHAINS } from '../domain/trail.ts';
import type { Problem } from '../domain/validation.ts';
import { type DecisionView, decide, PackageChangedError, viewDecision } from '../usecases/decisions.ts';
import { delegate } from '../usecases/delegation.ts';
import {
  SIGNING_COOKIE,
  type SignatureProof,
  SignatureRefusedError,
  signingSessionFor,
} from '../usecases/esignature.ts';
import type { IdentityVerifier } from '../usecases/ports.ts';
import { decisionFromForm, decisionPage, delegatedPage, receiptPage } from '../views/decision-page.ts';
import { errorPage, page } from './pages.ts';
import { type HttpPorts, httpPortsFromEnv } from './ports.ts';
import { refusalsOf } from './refusals.ts';
import { bodyText, type HttpEvent, type HttpResult, httpFunction, requestSource } from './wrapper.ts';

export type ApprovalPorts = HttpPorts & { identity: IdentityVerifier };

/** Public approval routes: the link secret in the path is the credential (see docs/decisions). */
export function approvalRoutes(ports: () => ApprovalPorts) {
  /** The decision page. Reads only: mail scanners pre-fetch links (GET, HEAD, previews). */
  const show = async (event: HttpEvent): Promise<HttpResult> => {
    const view = await viewDecision(ports(), secretOf(event), requestSource(event));
    return page(200, await decisionPageFor(event, view));
  };
  return httpFunction(
    [
      { method: 'GET', path: '/a/{secret}', handler: show },
      // Link checkers ask with HEAD: the same answer as GET, without the body.
      {
        method: 'HEAD',
        path: '/a/{secret}',
        handler: async (event: HttpEvent) => ({ ...(await show(event)), body: '' }),
      },
      {
        method: 'POST',
        path: '/a/{secret}',
        // One form target: the decision, or (intent=delegate) handing it to someone else.
        handler: async (event: HttpEvent) => {
          const secret = secretOf(event);
          const form = formFields(event);
          const delegating = form.get('intent') === 'delegate';
          const signature: SignatureProof = {
            ...(form.get('password') ? { password: form.get('password') as string } : {}),
            ...(form.get('code') ? { code: (form.get('code') as string).replace(/\s/g, '') } : {}),
            ...(cookieOf(event, SIGNING_COOKIE) ? { session: cookieOf(event, SIGNING_COOKIE) } : {}),
          };
          try {
            if (delegating) {
              const handed = await delegate(ports(), {
                secret,
                body: { to: form.get('delegateTo') ?? '', reason: form.get('delegateReason') ?? '' },
                source: requestSource(event),
                signature,
              });
              return page(200, delegatedPage(handed));
            }
            const receipt = await decide(ports(), {
              secret,
              body: decisionFromForm(form),
              source: requestSource(event),
              signature,
            });
            const result = page(200, receiptPage(receipt));
            return receipt.newSigningSession
              ? { ...result, cookies: [sessionCookie(receipt.newSigningSession, ports().settings.appUrl)] }
              : result;
          } catch (error) {
            if (error instanceof PackageChangedError) {
              await recordRefusal(event, error);
              return page(409, await decisionPageFor(event, error.view, { notice: error.message }));
            }
            const shown =
              error instanceof SignatureRefusedError
                ? [{ path: 'esignature', message: error.message }]
                : error instanceof InvalidInputError
                  ? error.problems
                  : [];
            if (shown.length > 0 && error instanceof TollgateError) {
              await recordRefusal(event, error);
              const problems = delegating
                ? shown.map((p) => ({ ...p, path: `delegation.${p.path}` }))
                : shown;
              const view = await viewDecision(ports(), secret);
              return page(error.statusCode, await decisionPageFor(event, view, { problems }));
            }
            throw error;
          }
        },
      },
    ],
    errorPage,
    (event, error) => recordRefusal(event, error),
  );

  /**
   * The decision page, the same whether first shown or shown again after a refusal: the
   * project's earlier gate decisions, and what an e-signature asks (both components, or the
   * password within a session).
   */
  async function decisionPageFor(
    event: HttpEvent,
    view: DecisionView,
    options: { problems?: Problem[]; notice?: string } = {},
  ): Promise<string> {
    const [gates, session] = await Promise.all([
      ports().repository.listGates(view.project.projectId),
      view.gate.package.gate.esignature
        ? signingSessionFor(ports(), view.approver, cookieOf(event, SIGNING_COOKIE))
        : undefined,
    ]);
    const earlier = gates.filter((g) => g.sequence < view.gate.sequence && g.status !== 'open');
    return decisionPage(view, {
      ...options,
      earlier,
      ...(view.gate.package.gate.esignature ? { signing: { inSession: session !== undefined } } : {}),
    });
  }

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

/** A cookie's value (payload 2.0 passes cookies apart from the headers). */
function cookieOf(event: HttpEvent, name: string): string | undefined {
  const all = event.cookies ?? (event.headers?.cookie ?? '').split(';');
  for (const cookie of all) {
    const [key, ...value] = cookie.trim().split('=');
    if (key === name) return value.join('=').slice(0, 100);
  }
  return undefined;
}

/** The signing session's cookie: the decision pages only, never script-readable, never cross-site. */
function sessionCookie(session: { secret: string; expiresAt: string }, appUrl: string): string {
  const maxAge = Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
  const secure = appUrl.startsWith('https:') ? '; Secure' : '';
  return `${SIGNING_COOKIE}=${session.secret}; Path=/a/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
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

export const handler = approvalRoutes(
  once(() => ({ ...httpPortsFromEnv(), identity: identityVerifierFromEnv() })),
);
