/**
 * A sponsor signs an e-signature gate in a real browser: headless Chromium (Debian's, driven by
 * playwright-core; `.ci/run` installs it, no browser is ever downloaded). The link comes from
 * the local SES inbox, after the sponsor enrolled on the local console; the page is filled in by keyboard and mouse with password and TOTP; the
 * receipt shows the signature. Screenshots of the mail, the page and the receipt are kept under
 * test-artifacts/ for a person to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSesStore } from '../../infra/local/ses-local.ts';
import { process as processNamed, propose, publish, trail } from '../support/flows.ts';
import { decisionLink, people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

/** Debian's chromium (apt-get install chromium); CHROMIUM_PATH points elsewhere if need be. */
const CHROMIUM = globalThis.process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const SIGNED = processNamed('signed-in-browser', (d) => {
  for (const gate of d.gates) gate.esignature = true;
});
const PASSWORD = 'sponsor-signs-in-a-browser';

let t: TestRuntime;
let browser: Browser;
let authenticator: TOTP;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium (bash .ci/run does) or set CHROMIUM_PATH`,
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestRuntime();
  await publish(t, SIGNED);
  // No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('a sponsor in a browser', () => {
  it('opens the mailed link, signs with password and authenticator code, and sees the receipt', async () => {
    // Prepare: a project whose gate 1 asks for an e-signature; its mail in the SES inbox
    const title = 'Regulated data lake';
    const projectId = await propose(t, title, { processId: SIGNED.id });
    const [mail] = await t.mailTo(people.sponsor.email, 1, `${title} — Gate 1`);
    if (!mail) throw new Error('no mail');
    const inbox = (await readSesStore(t.runtime.inboxUrl)).find((m) => m.subject === mail.subject);
    const context = await browser.newContext({ viewport: { width: 412, height: 915 }, colorScheme: 'dark' });
    const page = await context.newPage();
    // The sponsor enrols on the local console: a password, and the key for their authenticator app
    await page.goto(t.runtime.appUrl);
    await page.getByLabel('Person').selectOption({ label: 'Sam Sponsor' });
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Enrol' }).click();
    const key = ((await page.locator('p.hash').first().textContent()) ?? '').replace(/\s/g, '');
    authenticator = new TOTP({ secret: Secret.fromBase32(key) });
    await page.setContent(inbox?.body.html ?? '');
    await page.screenshot({ path: join(ARTIFACTS, 'esignature-1-mail.png'), fullPage: true });

    // Act: follow the mail's button; decide Go by keyboard and mouse, as a person would
    const link = decisionLink(mail);
    await page.goto(link);
    await page.getByRole('radio', { name: 'Yes' }).first().check();
    for (const score of await page.locator('input[type=number]').all()) await score.fill('8');
    await page.getByRole('radio', { name: /^Go\b/ }).check();
    const decision = page.locator('form').first();
    await decision.getByLabel('Password').fill(PASSWORD);
    await decision
      .getByLabel('6-digit code from your authenticator app')
      .fill(authenticator.generate({ timestamp: t.clock.now().getTime() }));
    await page.screenshot({ path: join(ARTIFACTS, 'esignature-2-decision-page.png'), fullPage: true });
    await decision.getByLabel('Password').press('Enter');
    await page.waitForSelector('h1:has-text("Decision recorded")');
    await page.screenshot({ path: join(ARTIFACTS, 'esignature-3-receipt.png'), fullPage: true });

    // Assess: the receipt shows the signature; the trail has it; the signing session is a cookie scripts cannot read
    const receipt = (await page.locator('main').textContent()) ?? '';
    expect(receipt).toContain('Sam Sponsor');
    expect(receipt).toMatch(/Approved: Gate 1 .*, Go/);
    expect(receipt).toContain('e-signature: password and authenticator code');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({
      name: 'tollgate_signing',
      httpOnly: true,
      sameSite: 'Strict',
      path: '/a/',
    });
    expect(await page.evaluate('document.cookie')).toBe('');
    const signed = (await trail(t, projectId)).find((e) => e.action === 'decision.recorded');
    expect(signed?.detail.signature).toMatchObject({ name: 'Sam Sponsor', method: 'password+code' });
    await context.close();
  });

  it('works without JavaScript and keyboard alone: every field has a label', async () => {
    // Prepare
    const title = 'Regulated data lake, no script';
    await propose(t, title, { processId: SIGNED.id });
    const [mail] = await t.mailTo(people.sponsor.email, 1, `${title} — Gate 1`);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    // Act
    await page.goto(decisionLink(mail as never));
    const unlabelled = await page
      .locator('input:not([type=hidden]):not([type=radio]):not([type=checkbox]), textarea, select')
      .evaluateAll((fields) =>
        fields
          .filter((f) => !f.id || !f.ownerDocument.querySelector(`label[for="${f.id}"]`))
          .map((f) => f.outerHTML),
      );
    // Assess
    expect(unlabelled).toEqual([]);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.tagName')).not.toBe('BODY');
    await context.close();
  });
});
