/*
 * Sign-in: OAuth 2.0 authorization code with PKCE (S256), OpenID Connect scopes. The verifier,
 * state and nonce live in session storage for the round trip to the authorize page; the ID token
 * (what the API accepts) lives there until the tab closes or the person signs out. Nothing in
 * local storage or cookies: another tab or a later visitor finds nothing.
 */

export interface SignInConfig {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  redirectUri: string;
  logoutUrl?: string;
}

export interface Session {
  idToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  email: string;
  name: string;
  roles: string[];
}

const PENDING = 'tollgate.console.pending';
const SESSION = 'tollgate.console.session';

/** The shell's data attributes; undefined when this deployment has no console sign-in. */
export function signInConfig(root: HTMLElement = document.documentElement): SignInConfig | undefined {
  const d = root.dataset;
  if (!d.authorizeUrl || !d.tokenUrl || !d.clientId || !d.redirectUri) return undefined;
  return {
    authorizeUrl: d.authorizeUrl,
    tokenUrl: d.tokenUrl,
    clientId: d.clientId,
    redirectUri: d.redirectUri,
    ...(d.logoutUrl ? { logoutUrl: d.logoutUrl } : {}),
  };
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Goes to the authorize page; `returnTo` (a hash route) is where the console opens afterwards. */
export async function signIn(config: SignInConfig, returnTo: string): Promise<void> {
  const verifier = randomText(32);
  const state = randomText(16);
  const nonce = randomText(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, returnTo }));
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

export class SignInError extends Error {}

/**
 * Back from the authorize page (`?code=&state=` or `?error=&state=`): checks the state, trades the code
 * and verifier for tokens, checks the ID token's nonce, audience and expiry, and keeps it.
 * Returns the hash route to open; undefined when this page load is not a sign-in's return.
 */
export async function completeSignIn(config: SignInConfig): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (code === null && error === null) return undefined;
  // The code and state leave the address bar (and the history) whatever happens next.
  history.replaceState(null, '', location.pathname);
  const pending = readPending();
  // Anyone can link to `?error=…&error_description=<their text>` or `?code=…`: without this sign-in's
  // state it is not an answer to it, so nothing of it is shown or traded, and a sign-in in progress goes on.
  if (!pending || params.get('state') !== pending.state) return undefined;
  sessionStorage.removeItem(PENDING);
  if (error !== null)
    throw new SignInError(`the sign-in was not completed: ${params.get('error_description') ?? error}`);
  const response = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      code_verifier: pending.verifier,
      redirect_uri: config.redirectUri,
      client_id: config.clientId,
    }).toString(),
    credentials: 'omit',
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok || typeof answer.id_token !== 'string')
    throw new SignInError(
      `the sign-in was refused: ${String(answer.error_description ?? answer.error ?? response.status)}`,
    );
  const claims = claimsOf(answer.id_token);
  const audience = [claims.aud].flat();
  if (claims.nonce !== pending.nonce)
    throw new SignInError('the sign-in answer was not for this sign-in (nonce): sign in again');
  if (!audience.includes(config.clientId))
    throw new SignInError('the token was issued to another application: sign in again');
  const expiresAt = Number(claims.exp) * 1000;
  if (!(expiresAt > Date.now())) throw new SignInError('the token has expired: sign in again');
  const session: Session = {
    idToken: answer.id_token,
    expiresAt,
    email: String(claims.email ?? ''),
    name: String(claims.name ?? claims.email ?? ''),
    roles: [claims['cognito:groups'] ?? []].flat().map(String),
  };
  sessionStorage.setItem(SESSION, JSON.stringify(session));
  return pending.returnTo;
}

function readPending(): { verifier: string; state: string; nonce: string; returnTo: string } | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
    return value && typeof value.verifier === 'string' && typeof value.state === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A JWT's claims, read (not verified: it came straight from the token endpoint over TLS, as OIDC allows). */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  try {
    const text = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    throw new SignInError('the token endpoint answered something that is not a token');
  }
}

/** The signed-in session, while its token is valid. */
export function currentSession(): Session | undefined {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION) ?? 'null') as Session | null;
    if (!session || typeof session.idToken !== 'string') return undefined;
    // A minute early: a call should not start with a token that ends on the way.
    if (session.expiresAt - 60_000 < Date.now()) {
      sessionStorage.removeItem(SESSION);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
}

/** Forgets the tokens; with a logout URL, also ends the hosted UI's session and comes back here. */
export function signOut(config: SignInConfig | undefined): void {
  sessionStorage.removeItem(SESSION);
  sessionStorage.removeItem(PENDING);
  if (config?.logoutUrl) {
    const url = new URL(config.logoutUrl);
    url.search = new URLSearchParams({
      client_id: config.clientId,
      logout_uri: config.redirectUri,
    }).toString();
    location.assign(url.toString());
  }
}

export function forgetSession(): void {
  sessionStorage.removeItem(SESSION);
}
