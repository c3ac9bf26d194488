import { once } from '../adapters/environment.ts';
import { identityVerifierFromEnv } from '../adapters/identity/from-env.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { hashLinkSecret, looksLikeLinkSecret } from '../domain/links.ts';
import { CHAINS } from '../domain/trail.ts';
import { decide, PackageChangedError, viewDecision } from '../usecases/decisions.ts';
import { delegate } from '../usecases/delegation.ts';
import {
  SIGNING_COOKIE,
  type SignatureProof,
  SignatureRefusedError,
  signingSessionFor,
} from '../usecases/esignature.ts';
import type { IdentityVerifier } from '../usecases/ports.ts';
import { decisionFromForm, decisionPage, delegatedPage, receiptPage } from '../views/decision-page.ts';
import { type HttpPorts, httpPortsFromEnv } from './ports.ts';
import { refusalsOf } from './refusals.ts';
import { bodyText, type HttpEvent, type HttpResult, httpFunction, page, requestSource } from './wrapper.ts';

export type ApprovalPorts = HttpPorts & { identity: IdentityVerifier };

/** Public approval routes: the link secret in the path is the credential (see docs/decisions). */
export function approvalRoutes(ports: () => ApprovalPorts) {
  /** The decision page. Reads only: mail scanners pre-fetch links (GET, HEAD, previews). */
  const show = async (event: HttpEvent): Promise<HttpResult> => {
    const view = await viewDecision(ports(), secretOf(event), requestSource(event));
    const earlier = (await ports().repository.listGates(view.project.projectId)).filter(
      (g) => g.sequence < view.gate.sequence && g.status !== 'open',
    );
    return page(200, decisionPage(view, { signing: await signingOf(event, view), earlier }));
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
              return page(409, decisionPage(error.view, { notice: error.message }));
            }
            const shown =
              error instanceof SignatureRefusedError
                ? [{ path: 'esignature', message: error.message }]
                : error instanceof InvalidInputError && error.problems.length > 0
                  ? error.problems
                  : undefined;
            if (shown && (error instanceof SignatureRefusedError || error instanceof InvalidInputError)) {
              await recordRefusal(event, error);
              const problems = delegating
                ? shown.map((p) => ({ ...p, path: `delegation.${p.path}` }))
                : shown;
              const view = await viewDecision(ports(), secret);
              return page(
                error.statusCode,
                decisionPage(view, { problems, signing: await signingOf(event, view) }),
              );
            }
            throw error;
          }
        },
      },
    ],
    'html',
    (event, error) => recordRefusal(event, error),
  );

  /** What the page asks of an e-signature: both components, or the password within a session. */
  async function signingOf(event: HttpEvent, view: Awaited<ReturnType<typeof viewDecision>>) {
    if (!view.gate.package.gate.esignature) return undefined;
    const session = await signingSessionFor(ports(), view.approver, cookieOf(event, SIGNING_COOKIE));
    return { inSession: session !== undefined };
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
