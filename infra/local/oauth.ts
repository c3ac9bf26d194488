// The PMO console's sign-in on one machine: an OAuth 2.0 authorization endpoint (a page listing the
// demo people) and a token endpoint, authorization code with PKCE (S256) as Cognito's hosted UI
// does it on AWS. The ID token is the local sign-in's own (`POST /local/token`), so the API reads
// the same claims either way. Like the rest of the local console: loopback peers only, same-origin
// posts only, and nothing at all with `--no-sign-in`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { APPROVAL_PAGE_CSP, html, page } from '../../functions/views/html.ts';
import { LOCAL_AUDIENCE, type LocalIssuer, type LocalPerson } from './auth.ts';
import { DEMO_PEOPLE } from './demo.ts';
import { isLoopback, isSameOrigin } from './loopback.ts';

const AUTHORIZE = '/local/oauth2/authorize';
const TOKEN = '/local/oauth2/token';
const LOGOUT = '/local/oauth2/logout';
/** A code is good for one exchange within this long (RFC 6749 advises at most ten minutes). */
const CODE_TTL_MS = 60_000;
/** More codes than anyone signs in with on one machine; beyond it the oldest go. */
const MAX_CODES = 1000;
const MAX_BODY_BYTES = 16 * 1024;
/** RFC 7636: 43–128 characters of [A-Z a-z 0-9 - . _ ~]; an S256 challenge is 43 base64url characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** state and nonce are the client's; kept to a sane length and to printable ASCII. */
const OPAQUE = /^[\x21-\x7e]{1,512}$/;

const PEOPLE: LocalPerson[] = Object.values(DEMO_PEOPLE);

/** What the console's handler is told on one machine (CONSOLE_* in its environment). */
export function localConsoleSignIn(appUrl: string) {
  return {
    authorizeUrl: `${appUrl}${AUTHORIZE}`,
    tokenUrl: `${appUrl}${TOKEN}`,
    logoutUrl: `${appUrl}${LOGOUT}`,
    clientId: LOCAL_AUDIENCE,
    redirectUri: `${appUrl}/console`,
  };
}

export interface LocalOAuthOptions {
  appUrl: string;
  issuer: LocalIssuer;
  /** Milliseconds since the epoch; tests move it to see a code expire. */
  now?: () => number;
}

interface Grant {
  person: LocalPerson;
  challenge: string;
  redirectUri: string;
  nonce?: string;
  expiresAt: number;
}

interface AuthorizeRequest {
  redirectUri: string;
  state: string;
  nonce?: string;
  challenge: string;
  scope: string;
}

class OAuthRefusal extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `GET /local/oauth2/authorize` (the page), `POST` the same (a person chosen: back to the console
 * with a code), `POST /local/oauth2/token` (the code and its verifier for tokens) and
 * `GET /local/oauth2/logout` (back to the console). Returns false for any other path.
 */
export function localOAuth(options: LocalOAuthOptions) {
  const now = options.now ?? Date.now;
  const settings = localConsoleSignIn(options.appUrl);
  const codes = new Map<string, Grant>();

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== AUTHORIZE && path !== TOKEN && path !== LOGOUT) return false;
    const method = req.method ?? 'GET';
    try {
      if (!isLoopback(req.socket.remoteAddress))
        throw new OAuthRefusal(
          403,
          'access_denied',
          'the local sign-in answers only on this machine (loopback)',
        );
      if (method === 'POST' && !isSameOrigin(req))
        throw new OAuthRefusal(
          403,
          'access_denied',
          'cross-site posts are refused: the Origin is not this server',
        );
      if (path === AUTHORIZE && method === 'GET') {
        const request = authorizeRequest(queryOf(req), settings);
        return sendPage(res, 200, authorizePage(request));
      }
      if (path === AUTHORIZE && method === 'POST') {
        const form = single(new URLSearchParams(await readBody(req)));
        const request = authorizeRequest(form, settings);
        const back = new URL(request.redirectUri);
        if (form.get('decision') === 'deny') {
          back.search = new URLSearchParams({ error: 'access_denied', state: request.state }).toString();
          return redirect(res, back.toString());
        }
        const person = PEOPLE.find((p) => p.email === form.get('email'));
        if (!person) throw new OAuthRefusal(400, 'invalid_request', 'choose one of the demo people');
        const code = randomBytes(32).toString('base64url');
        forgetExpired(codes, now());
        codes.set(code, {
          person,
          challenge: request.challenge,
          redirectUri: request.redirectUri,
          ...(request.nonce ? { nonce: request.nonce } : {}),
          expiresAt: now() + CODE_TTL_MS,
        });
        back.search = new URLSearchParams({ code, state: request.state }).toString();
        return redirect(res, back.toString());
      }
      if (path === TOKEN && method === 'POST') {
        const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
        if (type !== 'application/x-www-form-urlencoded')
          throw new OAuthRefusal(
            400,
            'invalid_request',
            'send the request as application/x-www-form-urlencoded',
          );
        const form = single(new URLSearchParams(await readBody(req)));
        if (form.get('grant_type') !== 'authorization_code')
          throw new OAuthRefusal(
            400,
            'unsupported_grant_type',
            'only grant_type=authorization_code is served',
          );
        if (form.get('client_id') !== settings.clientId)
          throw new OAuthRefusal(401, 'invalid_client', 'client_id is not the console’s');
        const code = form.get('code') ?? '';
        const grant = codes.get(code);
        // Single use: spent by any attempt, a failed one included (a guessed verifier gets one try).
        codes.delete(code);
        if (!grant || grant.expiresAt <= now())
          throw new OAuthRefusal(400, 'invalid_grant', 'the code is unknown, used or expired');
        if (form.get('redirect_uri') !== grant.redirectUri)
          throw new OAuthRefusal(400, 'invalid_grant', 'redirect_uri is not the one the code was issued for');
        const verifier = form.get('code_verifier') ?? '';
        if (!VERIFIER.test(verifier) || !sameText(s256(verifier), grant.challenge))
          throw new OAuthRefusal(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
        const idToken = await options.issuer.sign(grant.person, undefined, {
          ...(grant.nonce ? { nonce: grant.nonce } : {}),
        });
        return sendJson(res, 200, {
          id_token: idToken,
          // Opaque: the API takes ID tokens only (as on AWS, where an access token has no e-mail).
          access_token: randomBytes(32).toString('base64url'),
          token_type: 'Bearer',
          expires_in: 3600,
        });
      }
      if (path === LOGOUT && method === 'GET') {
        const query = single(queryOf(req));
        if (query.get('client_id') !== settings.clientId || query.get('logout_uri') !== settings.redirectUri)
          throw new OAuthRefusal(400, 'invalid_request', 'client_id and logout_uri must be the console’s');
        return redirect(res, settings.redirectUri);
      }
      throw new OAuthRefusal(405, 'invalid_request', `${method} is not served here`);
    } catch (error) {
      if (!(error instanceof OAuthRefusal)) throw error;
      req.resume();
      if (path === TOKEN || error.status === 403)
        return sendJson(res, error.status, { error: error.error, error_description: error.message });
      return sendPage(
        res,
        error.status,
        page(
          'Sign-in refused',
          html`<div class="card problems"><h1>Sign-in refused</h1><p>${error.message}.</p></div>`,
        ),
      );
    }
  };
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

/** RFC 6749: a parameter sent twice is an invalid request (which one would count?). */
function single(params: URLSearchParams): URLSearchParams {
  for (const key of new Set(params.keys()))
    if (params.getAll(key).length > 1)
      throw new OAuthRefusal(400, 'invalid_request', `${key.slice(0, 40)} is given more than once`);
  return params;
}

/** The authorize request, checked as Cognito checks it, and PKCE with S256 required. */
function authorizeRequest(
  params: URLSearchParams,
  settings: ReturnType<typeof localConsoleSignIn>,
): AuthorizeRequest {
  single(params);
  // Who to send back to is checked first: nothing is sent to a redirect_uri that is not the console.
  if (params.get('client_id') !== settings.clientId)
    throw new OAuthRefusal(400, 'invalid_client', 'client_id is not the console’s');
  const redirectUri = params.get('redirect_uri') ?? '';
  if (redirectUri !== settings.redirectUri)
    throw new OAuthRefusal(
      400,
      'invalid_request',
      `redirect_uri must be the console’s own URL, ${settings.redirectUri}`,
    );
  if (params.get('response_type') !== 'code')
    throw new OAuthRefusal(400, 'unsupported_response_type', 'only response_type=code is served');
  const method = params.get('code_challenge_method');
  const challenge = params.get('code_challenge') ?? '';
  if (method !== 'S256' || !CHALLENGE.test(challenge))
    throw new OAuthRefusal(
      400,
      'invalid_request',
      method === 'plain'
        ? 'PKCE with code_challenge_method=plain is refused: use S256'
        : 'PKCE is required: code_challenge (43 base64url characters) with code_challenge_method=S256',
    );
  const state = params.get('state') ?? '';
  if (!OPAQUE.test(state))
    throw new OAuthRefusal(400, 'invalid_request', 'state is required (1–512 characters)');
  const nonce = params.get('nonce');
  if (nonce !== null && !OPAQUE.test(nonce))
    throw new OAuthRefusal(400, 'invalid_request', 'nonce must be 1–512 printable characters');
  const scope = params.get('scope') ?? '';
  if (!scope.split(' ').includes('openid'))
    throw new OAuthRefusal(400, 'invalid_scope', 'scope must include openid');
  return { redirectUri, state, challenge, scope, ...(nonce ? { nonce } : {}) };
}

function authorizePage(request: AuthorizeRequest): string {
  const hidden = {
    response_type: 'code',
    client_id: LOCAL_AUDIENCE,
    redirect_uri: request.redirectUri,
    scope: request.scope,
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
    ...(request.nonce ? { nonce: request.nonce } : {}),
  };
  return page(
    'Sign in (local)',
    html`<form class="card" method="post" action="${AUTHORIZE}"><h1>Sign in to the PMO console</h1>
<p class="muted">On this machine only: choose who to be. On AWS, Cognito's sign-in page asks for a password and an authenticator code.</p>
${Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<ul class="people">${PEOPLE.map((p) => html`<li><button type="submit" name="email" value="${p.email}">${p.name}</button> <span class="muted">${p.email} — ${p.groups.join(', ') || 'no role'}</span></li>`)}</ul>
<button type="submit" name="decision" value="deny">Cancel</button></form>`,
  );
}

function forgetExpired(codes: Map<string, Grant>, at: number): void {
  for (const [code, grant] of codes) if (grant.expiresAt <= at) codes.delete(code);
  // A Map iterates in insertion order: the first are the oldest.
  while (codes.size >= MAX_CODES) {
    const oldest = codes.keys().next().value;
    if (oldest === undefined) break;
    codes.delete(oldest);
  }
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers['content-length'] ?? '0') > MAX_BODY_BYTES)
    throw new OAuthRefusal(413, 'invalid_request', 'the body is too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new OAuthRefusal(413, 'invalid_request', 'the body is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache', 'x-content-type-options': 'nosniff' };

function sendJson(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { ...NO_STORE, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

function sendPage(res: ServerResponse, status: number, body: string): true {
  res.writeHead(status, {
    ...NO_STORE,
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': APPROVAL_PAGE_CSP,
    'x-frame-options': 'DENY',
    // The address carries the state and the PKCE challenge: no Referer takes them elsewhere.
    // (Not no-referrer: then the browser posts the page's form with `Origin: null`, a cross-site post.)
    'referrer-policy': 'same-origin',
  });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
  return true;
}

function redirect(res: ServerResponse, location: string): true {
  res.writeHead(303, { ...NO_STORE, location, 'referrer-policy': 'no-referrer' });
  res.end();
  return true;
}
