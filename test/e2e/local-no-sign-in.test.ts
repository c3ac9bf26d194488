// The local runtime on a network address, which it accepts only with the sign-in off: the API and
// the approval links are served there; no token, console page or mail link is, and the inbox stays
// on loopback.
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

/** An IPv4 address of this machine that is not loopback, if it has one. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

let t: TestRuntime;

beforeAll(async () => {
  if (networkAddress === undefined) return;
  t = await startTestRuntime(undefined, { host: networkAddress, signIn: false });
});
afterAll(async () => {
  await t?.stop();
});

function withHost(url: string, host: string): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((done, fail) => {
    const outgoing = request(
      { host: hostname, port, path: pathname, headers: { host }, agent: false },
      (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      },
    );
    outgoing.on('error', fail);
    outgoing.end();
  });
}

describe.skipIf(networkAddress === undefined)('the runtime on a network address with --no-sign-in', () => {
  test('serves no token, no console page and no outbox there', async () => {
    // Act
    const token = await t.api('POST', '/local/token', { body: { email: 'pat.pmo@example.com' } });
    const pages = await Promise.all(['/', '/local/outbox'].map((path) => t.api('GET', path)));
    const exportFile = await t.api('GET', '/local/exports/0b8f5a4e-2c1d-4e8f-9a7b-3c2d1e0f9a8b.csv');

    // Assess
    expect(t.runtime.appUrl).toMatch(new RegExp(`^http://${networkAddress?.replaceAll('.', '\\.')}:\\d+$`));
    expect(token.status).toBe(404);
    expect(await token.json()).toEqual({ message: 'Not Found' });
    expect(pages.map((p) => p.status)).toEqual([404, 404]);
    // Export downloads stay (a presigned link's stand-in): this is their own 404, not the gateway's.
    expect(exportFile.status).toBe(404);
    expect(await exportFile.json()).toEqual({ message: 'no such export file' });
  });

  test('serves the PMO console without a sign-in, and no authorize or token endpoint', async () => {
    // Act
    const shell = await t.api('GET', '/console');
    const body = await shell.text();
    const oauth = await Promise.all([
      t.api('GET', '/local/oauth2/authorize?response_type=code&client_id=tollgate-local'),
      t.api('POST', '/local/oauth2/token', {
        body: 'grant_type=authorization_code',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ]);

    // Assess: the page is the API's (as on AWS), it only has nobody to sign in with
    expect(shell.status).toBe(200);
    expect(body).toContain('data-sign-in="off"');
    expect(body).not.toContain('data-token-url');
    expect(shell.headers.get('content-security-policy')).toContain("connect-src 'self';");
    expect(oauth.map((r) => r.status)).toEqual([404, 404]);
  });

  test('serves the API to a token and the approval link from the mail, on the network address', async () => {
    // Act
    const { link } = await t.submit('Reachable from a phone');
    const page = await fetch(link);

    // Assess
    expect(link.startsWith(`${t.runtime.appUrl}/a/`)).toBe(true);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Reachable from a phone');
  });

  test('keeps the inbox and Step Functions on loopback, and answers to no loopback name on the network address', async () => {
    // Act
    const inboxPort = new URL(t.runtime.inboxUrl).port;
    const inboxFromNetwork = await fetch(`http://${networkAddress}:${inboxPort}/store`).then(
      (r) => r.status,
      () => 'unreachable',
    );
    const asLocalhost = await withHost(t.runtime.appUrl, `localhost:${new URL(t.runtime.appUrl).port}`);

    // Assess
    expect(t.runtime.inboxUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.runtime.stepFunctionsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(inboxFromNetwork).toBe('unreachable');
    expect(asLocalhost).toBe(421);
  });
});
