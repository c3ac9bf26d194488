// The PMO console as the API serves it (its page, script and stylesheet under one exact policy)
// and its local sign-in: authorization code with PKCE, as Cognito's hosted UI does it on AWS,
// on this machine only.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSOLE_CSS,
  CONSOLE_CSS_SHA256,
  CONSOLE_JS,
  CONSOLE_JS_SHA256,
} from '../../functions/console/assets.generated.ts';
import { createLocalIssuer } from '../../infra/local/auth.ts';
import { startHttpGateway } from '../../infra/local/http-gateway.ts';
import { localOAuth } from '../../infra/local/oauth.ts';
import { freePort } from '../../infra/local/ports.ts';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let t: TestRuntime;
let appUrl: string;

beforeAll(async () => {
  t = await startTestRuntime();
  appUrl = t.runtime.appUrl;
}, 90_000);
afterAll(async () => {
  await t?.stop();
});

/** Sends exactly this path (fetch would fold `..` before sending). */
function rawGet(url: string, path: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const outgoing = request({ host: hostname, port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    outgoing.on('error', fail);
    outgoing.end();
  });
}

const COMMON = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};
const policyFor = (origin: string) =>
  `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${origin}; form-action 'self' ${origin}; frame-ancestors 'none'; base-uri 'none'`;

describe('the console page and its files', () => {
  it('serves the shell under the console policy and the common headers, naming its sign-in and its files by digest', async () => {
    // Act
    const response = await fetch(`${appUrl}/console`);
    const body = await response.text();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(policyFor(appUrl));
    for (const [name, value] of Object.entries(COMMON)) expect(response.headers.get(name), name).toBe(value);
    expect(body).toContain(`data-authorize-url="${appUrl}/local/oauth2/authorize"`);
    expect(body).toContain(`data-token-url="${appUrl}/local/oauth2/token"`);
    expect(body).toContain(`data-redirect-uri="${appUrl}/console"`);
    expect(body).toContain('data-client-id="tollgate-local"');
    expect(body).toContain(`integrity="sha256-${CONSOLE_JS_SHA256}"`);
    expect(body).toContain(`integrity="sha256-${CONSOLE_CSS_SHA256}"`);
    // No inline script or style, no handler attributes: the policy would block them anyway
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\son[a-z]+=|style=/i);
  });

  it('serves console.js and console.css with their types and the same policy; cached only when asked for by digest', async () => {
    // Prepare: the shell's own links
    const shell = await (await fetch(`${appUrl}/console`)).text();
    const [script, style] = ['console.js', 'console.css'].map((name) => {
      const href = shell.match(new RegExp(`"(console/${name.replace('.', '\\.')}\\?v=[^"]+)"`))?.[1];
      if (!href) throw new Error(`the shell does not link ${name}`);
      return new URL(href.replace(/&amp;/g, '&'), `${appUrl}/console`).href;
    });

    // Act
    const [js, css, unversioned] = await Promise.all([
      fetch(script as string),
      fetch(style as string),
      fetch(`${appUrl}/console/console.js`),
    ]);

    // Assess
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe(CONSOLE_JS);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toBe(CONSOLE_CSS);
    for (const response of [js, css, unversioned]) {
      expect(response.headers.get('content-security-policy')).toBe(policyFor(appUrl));
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(unversioned.headers.get('cache-control')).toBe('no-store');
    expect(await unversioned.text()).toBe(CONSOLE_JS);
  });

  it('answers 404 for anything else under /console: dot segments, encoded slashes, unknown files', async () => {
    // Act
    const answers = await Promise.all(
      [
        '/console/../x',
        '/console/..%2Fhandlers.ts',
        '/console/%2e%2e%2fpackage.json',
        '/console/console.js.map',
        '/console/x.js',
        '/console/Console.js',
        '/console/console.js/more',
        `/console/${'a'.repeat(200)}.js`,
      ].map(async (path) => ({ path, ...(await rawGet(appUrl, path)) })),
    );

    // Assess
    for (const answer of answers) expect(answer.status, answer.path).toBe(404);
  });
});

/** A PKCE pair: the verifier the console keeps, the S256 challenge it sends. */
function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

interface Flow {
  verifier: string;
  state: string;
  nonce: string;
  params: Record<string, string>;
}

function newFlow(overrides: Record<string, string | undefined> = {}, base = appUrl): Flow {
  const { verifier, challenge } = pkce();
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: 'tollgate-local',
    redirect_uri: `${base}/console`,
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  }))
    if (value !== undefined) params[key] = value;
  return { verifier, state, nonce, params };
}

const authorizePage = (flow: Flow, base = appUrl) =>
  fetch(`${base}/local/oauth2/authorize?${new URLSearchParams(flow.params)}`, { redirect: 'manual' });

/** A person chosen on the authorize page: the form post a browser sends (same origin). */
const choose = (flow: Flow, email: string, base = appUrl) =>
  fetch(`${base}/local/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams({ ...flow.params, email }).toString(),
  });

/** The code the authorize page sent back to the console, with its state. */
async function codeFor(flow: Flow, email = people.pmoAdmin.email, base = appUrl): Promise<string> {
  const answer = await choose(flow, email, base);
  if (answer.status !== 303) throw new Error(`the authorize page answered ${answer.status}`);
  const back = new URL(answer.headers.get('location') ?? '');
  expect(`${back.origin}${back.pathname}`).toBe(`${base}/console`);
  expect(back.searchParams.get('state')).toBe(flow.state);
  return back.searchParams.get('code') ?? '';
}

const exchange = (fields: Record<string, string>, base = appUrl, headers: Record<string, string> = {}) =>
  fetch(`${base}/local/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

const tokenRequest = (flow: Flow, code: string, overrides: Record<string, string> = {}) => ({
  grant_type: 'authorization_code',
  code,
  code_verifier: flow.verifier,
  redirect_uri: flow.params.redirect_uri ?? '',
  client_id: 'tollgate-local',
  ...overrides,
});

describe('the local sign-in of the console (authorization code + PKCE)', () => {
  it('signs the PMO admin in: a page of the demo people, a code back to the console, an ID token the API takes', async () => {
    // Prepare
    const flow = newFlow();

    // Act
    const page = await authorizePage(flow);
    const pageBody = await page.text();
    const code = await codeFor(flow);
    const answer = await exchange(tokenRequest(flow, code));
    const tokens = (await answer.json()) as Record<string, string | number>;
    const idToken = String(tokens.id_token);
    const withId = await fetch(`${appUrl}/definitions`, { headers: { authorization: `Bearer ${idToken}` } });
    const withAccess = await fetch(`${appUrl}/definitions`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    expect(pageBody).toContain('Pat PMO');
    expect(pageBody).toContain('Riley Requester');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(decodeJwt(idToken)).toMatchObject({
      email: people.pmoAdmin.email,
      'cognito:groups': ['pmo-admin'],
      token_use: 'id',
      aud: 'tollgate-local',
      nonce: flow.nonce,
    });
    expect(withId.status).toBe(200);
    // The access token is opaque here, as an access token has no e-mail for the API on AWS
    expect(withAccess.status).toBe(401);
  });

  it('requires PKCE with S256: no challenge, a plain one or a malformed one is refused at the authorize page', async () => {
    // Act
    const answers = await Promise.all(
      [
        newFlow({ code_challenge: undefined, code_challenge_method: undefined }),
        newFlow({ code_challenge_method: undefined }),
        newFlow({ code_challenge_method: 'plain' }),
        newFlow({ code_challenge: 'too-short' }),
      ].map(async (flow) => {
        const shown = await authorizePage(flow);
        const chosen = await choose(flow, people.pmoAdmin.email);
        return {
          shown: shown.status,
          chosen: chosen.status,
          location: chosen.headers.get('location'),
          text: await shown.text(),
        };
      }),
    );

    // Assess
    for (const answer of answers) {
      expect(answer).toMatchObject({ shown: 400, chosen: 400, location: null });
      expect(answer.text).toMatch(/PKCE/);
    }
    expect(answers[2]?.text).toContain('plain is refused');
  });

  it('refuses a wrong verifier, and a code a second time (a failed attempt spends it too)', async () => {
    // Prepare: two sign-ins, two codes
    const [first, second] = [newFlow(), newFlow()];
    const firstCode = await codeFor(first);
    const secondCode = await codeFor(second);

    // Act
    const wrongVerifier = await exchange(tokenRequest(first, firstCode, { code_verifier: pkce().verifier }));
    const rightAfterWrong = await exchange(tokenRequest(first, firstCode));
    const once = await exchange(tokenRequest(second, secondCode));
    const twice = await exchange(tokenRequest(second, secondCode));
    const otherFlowsVerifier = await exchange(tokenRequest(second, await codeFor(newFlow())));

    // Assess
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: /code_verifier/,
    });
    expect(rightAfterWrong.status).toBe(400);
    expect(once.status).toBe(200);
    expect(twice.status).toBe(400);
    expect(await twice.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: /unknown, used or expired/,
    });
    expect(otherFlowsVerifier.status).toBe(400);
  });

  it('sends codes only to the console: another redirect_uri is refused without a redirect, and checked again at the token endpoint', async () => {
    // Prepare
    const elsewhere = newFlow({ redirect_uri: 'https://evil.example/console' });
    const lookalike = newFlow({ redirect_uri: `${appUrl}/console/../a/x` });
    const flow = newFlow();
    const code = await codeFor(flow);

    // Act
    const shown = await Promise.all([authorizePage(elsewhere), authorizePage(lookalike)]);
    const chosen = await choose(elsewhere, people.pmoAdmin.email);
    const otherClient = await authorizePage(newFlow({ client_id: 'someone-else' }));
    const exchanged = await exchange(tokenRequest(flow, code, { redirect_uri: `${appUrl}/console/` }));

    // Assess
    expect(shown.map((r) => r.status)).toEqual([400, 400]);
    expect(await shown[0]?.text()).toContain('redirect_uri must be the console');
    expect(chosen.status).toBe(400);
    expect(chosen.headers.get('location')).toBeNull();
    expect(otherClient.status).toBe(400);
    expect(exchanged.status).toBe(400);
    expect(await exchanged.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses cross-site posts, other grant types and clients, and parameters given twice', async () => {
    // Prepare
    const flow = newFlow();
    const code = await codeFor(flow);

    // Act
    const crossSite = await exchange(tokenRequest(flow, code), appUrl, { origin: 'https://evil.example' });
    const crossSiteChoice = await fetch(`${appUrl}/local/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ ...newFlow().params, email: people.pmoAdmin.email }).toString(),
    });
    const implicit = await authorizePage(newFlow({ response_type: 'token' }));
    const password = await exchange({ ...tokenRequest(flow, code), grant_type: 'password' });
    const twice = await fetch(
      `${appUrl}/local/oauth2/authorize?${new URLSearchParams(flow.params)}&state=another`,
    );
    const stillGood = await exchange(tokenRequest(flow, code));

    // Assess
    expect(crossSite.status).toBe(403);
    expect(crossSiteChoice.status).toBe(403);
    expect(crossSiteChoice.headers.get('location')).toBeNull();
    expect(implicit.status).toBe(400);
    expect(password.status).toBe(400);
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
    expect(twice.status).toBe(400);
    // The refused cross-site post never reached the code: it still works once
    expect(stillGood.status).toBe(200);
  });
});

describe('the local sign-in on its own server', () => {
  /** An IPv4 address of this machine that is not loopback. */
  const networkAddress = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

  it('answers only peers on this machine’s loopback', async () => {
    // Prepare: one server on every interface, reached from loopback and from a network address
    expect(networkAddress, 'this test needs a network address besides loopback').toBeDefined();
    const port = await freePort('0.0.0.0');
    const base = `http://127.0.0.1:${port}`;
    const issuer = await createLocalIssuer({ issuer: `${base}/local` });
    const gateway = await startHttpGateway({
      host: '0.0.0.0',
      port,
      routes: [],
      extra: localOAuth({ appUrl: base, issuer }),
    });
    const remote = `http://${networkAddress}:${port}`;
    try {
      // Act
      const flow = newFlow({}, base);
      const fromNetwork = [
        await fetch(`${remote}/local/oauth2/authorize?${new URLSearchParams(flow.params)}`),
        await exchange(tokenRequest(flow, 'any-code'), remote),
      ];
      const bodies = await Promise.all(fromNetwork.map((r) => r.text()));
      const fromLoopback = await fetch(`${base}/local/oauth2/authorize?${new URLSearchParams(flow.params)}`);

      // Assess
      expect(fromNetwork.map((r) => r.status)).toEqual([403, 403]);
      for (const body of bodies) expect(body).toMatch(/only on this machine/);
      expect(bodies[0]).not.toContain('Pat PMO');
      expect(fromLoopback.status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('lets a code expire after 60 seconds', async () => {
    // Prepare: the endpoint's clock, moved by the test
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const issuer = await createLocalIssuer({ issuer: `${base}/local` });
    let now = Date.now();
    const gateway = await startHttpGateway({
      host: '127.0.0.1',
      port,
      routes: [],
      extra: localOAuth({ appUrl: base, issuer, now: () => now }),
    });
    try {
      const [late, inTime] = [newFlow({}, base), newFlow({}, base)];
      const lateCode = await codeFor(late, people.pmoAdmin.email, base);
      const inTimeCode = await codeFor(inTime, people.pmoAdmin.email, base);

      // Act
      now += 59_000;
      const within = await exchange(tokenRequest(inTime, inTimeCode), base);
      now += 2_000;
      const after = await exchange(tokenRequest(late, lateCode), base);

      // Assess
      expect(within.status).toBe(200);
      expect(after.status).toBe(400);
      expect(await after.json()).toMatchObject({ error: 'invalid_grant' });
    } finally {
      await gateway.close();
    }
  });
});
