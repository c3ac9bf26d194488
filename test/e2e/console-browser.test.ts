/**
 * A PMO admin changes a process in the PMO console, in a real browser: headless Chromium (Debian's,
 * driven by playwright-core; `.ci/run` installs it). Signed in through the local authorize page
 * (authorization code + PKCE), they start a draft of `standard` from v1, type a mistake and see it
 * placed by line, fix it, watch the dry run follow the definition as typed, lose a save to another
 * PMO admin and take theirs, compare side by side, and publish with a reason. Projects submitted
 * afterwards follow v2; one submitted before stays on v1. Screenshots of each step go to
 * test-artifacts/console-*.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CHAINS } from '../../functions/domain/trail.ts';
import type { LocalPerson } from '../../infra/local/auth.ts';
import { propose, until } from '../support/flows.ts';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

// The page callbacks below run in Chromium, not in Node: the few browser names they use, declared for
// this file only (the project compiles without the DOM library; the console's script has its own
// tsconfig.console.json).
declare const document: {
  cookie: string;
  body: unknown;
  activeElement: { textContent: string | null; tagName: string } | null;
  querySelector(selector: string): { textContent: string | null } | null;
};
declare function getComputedStyle(element: unknown): { backgroundColor: string };
type HTMLTextAreaElement = {
  value: string;
  selectionStart: number;
  focus(): void;
  setSelectionRange(start: number, end: number): void;
};
type HTMLInputElement = { labels: { length: number } | null };

/** Debian's chromium (apt-get install chromium); CHROMIUM_PATH points elsewhere if need be. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
/** A second PMO admin, saving the same draft through the API while the first edits it. */
const quinn: LocalPerson = { email: 'quinn.pmo@example.com', name: 'Quinn PMO', groups: ['pmo-admin'] };

let t: TestRuntime;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium (bash .ci/run does) or set CHROMIUM_PATH`,
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestRuntime();
  // No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const shot = (page: Page, name: string, fullPage = true) =>
  page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage });

/** What the page reports that a person would not see: policy violations and script errors. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content[ -]Security[ -]Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`${error.name}: ${error.message}`));
  return problems;
}

/** Signs in on the console through the local authorize page, as `who` (a button of the page). */
async function signIn(page: Page, who: string): Promise<void> {
  await page.goto(`${t.runtime.appUrl}/console`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/local\/oauth2\/authorize\?/);
  await page.getByRole('button', { name: who }).click();
  await page.getByRole('heading', { name: 'Process definitions', level: 1 }).waitFor();
}

/** The 1-based line of the editor's text that contains `text` (the first one). */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`no line contains ${needle}`);
  return index + 1;
}

describe('the PMO console in a browser', () => {
  it('changes the standard process: a draft from v1, a mistake placed by line, a live dry run, a lost save, a diff, a publication', async () => {
    // Prepare: a project that started on v1, and the PMO admin's browser
    const before = await propose(t, 'Submitted before the change');
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems = watch(page);

    // Act 1: sign in as the PMO admin, open the standard process, start a draft from v1
    await signIn(page, 'Pat PMO');
    const session = await page.evaluate(() => Object.keys(sessionStorage));
    const stored = await page.evaluate(() => ({ local: localStorage.length, cookies: document.cookie }));
    await shot(page, '1-definitions');
    await page.getByRole('link', { name: 'Standard project lifecycle' }).click();
    await page.getByRole('heading', { name: /Standard project lifecycle/, level: 1 }).waitFor();
    await page.getByLabel('Start from').selectOption('1');
    await shot(page, '2-process');
    await page.getByRole('button', { name: 'Start a draft' }).click();
    await page
      .getByLabel('Why (optional)')
      .fill('Finance alone may fund small steps; launches get a skip rule');
    await page.getByRole('button', { name: 'Start the draft' }).click();
    const editor = page.getByLabel('Draft of Standard project lifecycle (YAML)');
    await editor.waitFor();
    await page.getByRole('heading', { name: 'No problems' }).waitFor();

    // Assess 1: signed in with session storage only; the draft is v1 as v2
    expect(session).toEqual(['tollgate.console.session']);
    expect(stored).toEqual({ local: 0, cookies: '' });
    const original = await editor.inputValue();
    expect(parse(original)).toMatchObject({ id: 'standard', version: 2 });

    // Act 2: type a mistake at the end of the business case's skip rule (a field the process has not)
    const ruleLine = lineOf(original, 'skipWhen:');
    await editor.evaluate((element, line) => {
      const area = element as HTMLTextAreaElement;
      const lines = area.value.split('\n');
      const end = lines.slice(0, line).join('\n').length;
      area.focus();
      area.setSelectionRange(end, end);
    }, ruleLine);
    await page.keyboard.type(' or budget > 5');
    const problem = page.locator('button.problem', { hasText: `Line ${ruleLine},` });
    await problem.waitFor();
    await shot(page, '3-mistake');
    await problem.click();

    // Assess 2: the problem names its line and the rule; the line is marked in the gutter and behind the text
    expect(await problem.textContent()).toMatch(/gates\.1\.skipWhen.*budget/);
    await page.locator(`.gutter li.bad[data-line="${ruleLine}"]`).waitFor();
    await page.locator(`.mark-line[data-line="${ruleLine}"]`).waitFor();
    expect(await page.locator('.gutter li.bad').count()).toBe(1);
    const caretLine = await editor.evaluate((element) => {
      const area = element as HTMLTextAreaElement;
      return area.value.slice(0, area.selectionStart).split('\n').length;
    });
    expect(caretLine).toBe(ruleLine);
    expect(await page.getByRole('button', { name: 'Publish…' }).isDisabled()).toBe(true);

    // Act 3: fix it — a criterion for launch, business case decided by a quorum of 1, launch skipped when tiny
    const fixed = parse(original);
    const gate = (id: string) => fixed.gates.find((g: { id: string }) => g.id === id);
    gate('launch').criteria.mustMeet.push({
      id: 'support-ready',
      text: 'Support is staffed for launch week',
    });
    gate('business-case').rule = { kind: 'quorum', count: 1 };
    gate('launch').skipWhen = 'estimatedCost < 10000 and risk = "low"';
    await editor.fill(stringify(fixed, { lineWidth: 0 }));
    await page.getByRole('heading', { name: 'No problems' }).waitFor();
    // The dry run: a small, low-risk proposal skips the business case
    await page.getByLabel('Sponsor e-mail').fill(people.sponsor.email);
    await page.getByLabel('Estimated cost (EUR)').fill('20000');
    await page.getByLabel('Risk').selectOption('low');
    await page.locator('[data-gate="business-case"][data-outcome="skipped"]').waitFor();
    await shot(page, '4-dry-run-small');
    const small = await page.locator('#dry-run-result').textContent();
    // …and a large one opens it, asking the sponsor and finance, one of whom suffices
    await page.getByLabel('Estimated cost (EUR)').fill('250000');
    await page.getByLabel('Risk').selectOption('high');
    const opened = page.locator('[data-gate="business-case"][data-outcome="opens"]');
    await opened.waitFor();
    await shot(page, '5-dry-run-large');

    // Assess 3
    expect(small).toContain('estimatedCost < 50000 and risk = "low"');
    expect(await page.locator('[data-gate="launch"]').getAttribute('data-outcome')).toBe('opens');
    const business = (await opened.textContent()) ?? '';
    expect(business).toContain(people.finance.email);
    expect(business).toContain('1 of 2 (quorum)');
    expect(business).toMatch(/\+96 h .*Escalation: pat\.pmo@example\.com is told/);
    expect(await page.locator('[data-gate="business-case"] [data-what="deadline"]').textContent()).toContain(
      '+120 h',
    );

    // Act 4: save; another PMO admin saves over it through the API; our next save loses, and we take theirs
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Saved as revision 2.').waitFor();
    await shot(page, '6-saved');
    const theirs = (await (await t.api('GET', '/definitions/standard/draft', { as: quinn })).json()) as {
      definition: { closeOut: { checklist: string[] } };
    };
    theirs.definition.closeOut.checklist.push('Support handover signed');
    const quinnSaved = await t.api('PUT', '/definitions/standard/draft', {
      as: quinn,
      body: { definition: theirs.definition, revision: 2, reason: 'Close-out checks the support handover' },
    });
    const text = await editor.inputValue();
    await editor.fill(
      text.replace('name: Standard project lifecycle', 'name: Standard project lifecycle (2)'),
    );
    await page.getByRole('button', { name: 'Save draft' }).click();
    const conflict = page.locator('.conflict');
    await conflict.waitFor();
    await shot(page, '7-conflict');
    const conflictText = (await conflict.textContent()) ?? '';
    await page.getByRole('button', { name: 'Load their version (drops my changes)' }).click();
    await page.getByText('Loaded revision 3').waitFor();

    // Assess 4: who saved and what they changed; their version (with our fix in it) is in the editor
    expect(quinnSaved.status).toBe(200);
    expect(conflictText).toContain('Quinn PMO <quinn.pmo@example.com>');
    expect(conflictText).toContain('Support handover signed');
    const loaded = parse(await editor.inputValue());
    expect(loaded.name).toBe('Standard project lifecycle');
    expect(loaded.closeOut.checklist).toContain('Support handover signed');
    expect(loaded.gates[1].rule).toEqual({ kind: 'quorum', count: 1 });

    // Act 5: the draft beside v1
    await page.getByRole('link', { name: 'Compare with v1' }).click();
    const diff = page.locator('table.diff');
    await diff.waitFor();
    await page.locator('table.diff tr.changed').first().scrollIntoViewIfNeeded();
    await shot(page, '8-diff', false);
    const changeList = (await page.locator('.changes').textContent()) ?? '';
    const marked = await page.locator('table.diff tr:not(.same)').allTextContents();
    const columns = await page.locator('table.diff thead th').allTextContents();

    // Assess 5: two columns; the changed lines are marked; the API's readable changes are listed
    expect(columns).toEqual(['v1', 'the draft']);
    expect(changeList).toMatch(/quorum of 1/);
    expect(changeList).toMatch(/support-ready|Support is staffed/);
    expect(marked.some((row) => row.includes('kind: all') && row.includes('kind: quorum'))).toBe(true);
    expect(marked.some((row) => row.includes('Support handover signed'))).toBe(true);
    expect(await page.locator('table.diff tr.same').count()).toBeGreaterThan(50);

    // Act 6: publish with a reason (refused without one)
    await page.getByRole('link', { name: 'Back to the draft' }).click();
    await editor.waitFor();
    await page.getByRole('heading', { name: 'No problems' }).waitFor();
    await page.getByRole('button', { name: 'Publish…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish Standard project lifecycle v2' });
    await dialog.getByRole('button', { name: 'Publish' }).click();
    const stillOpen = await dialog.isVisible();
    await dialog
      .getByLabel('Reason')
      .fill('Finance alone funds development; tiny low-risk launches skip the launch gate');
    await shot(page, '9-publish');
    await dialog.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published Standard project lifecycle v2.').waitFor();
    await shot(page, '10-published');
    const current = await page.getByText(/^Current version: v\d+\.$/).textContent();

    // Assess 6
    expect(stillOpen).toBe(true);
    expect(current).toBe('Current version: v2.');
    const published = (await t.repository.listTrail(CHAINS.definition('standard'))).filter(
      (e) => e.action === 'definition.published',
    );
    expect(published.at(-1)).toMatchObject({
      actor: { id: people.pmoAdmin.email },
      detail: { reason: 'Finance alone funds development; tiny low-risk launches skip the launch gate' },
    });

    // Act 7: a proposal submitted now; the pending view shows both projects and their versions
    const after = await propose(t, 'Submitted after publishing');
    const inReview = (id: string) => until(t, id, (s) => s.status === 'in-review', 'its first gate open');
    const [was, is] = await Promise.all([inReview(before), inReview(after)]);
    await page.getByRole('link', { name: 'Pending' }).click();
    await page.getByRole('heading', { name: 'Pending', level: 1 }).waitFor();
    const rowOf = (title: string) => page.locator('tbody tr', { hasText: title });
    await rowOf('Submitted after publishing').waitFor();
    await shot(page, '11-pending');
    const rows = {
      before: (await rowOf('Submitted before the change').textContent()) ?? '',
      after: (await rowOf('Submitted after publishing').textContent()) ?? '',
    };

    // Assess 7: the new project follows v2, the earlier one stays on v1
    expect(was.definition).toMatchObject({ id: 'standard', version: 1 });
    expect(is.definition).toMatchObject({ id: 'standard', version: 2 });
    expect(rows.before).toContain('standard v1');
    expect(rows.after).toContain('standard v2');

    // Act 8: put the new project on hold from its row, with a reason, in the dialog
    await page.getByRole('button', { name: 'Hold: Submitted after publishing' }).click();
    const hold = page.getByRole('dialog', { name: 'Hold: Submitted after publishing' });
    await hold.getByLabel('Reason').fill('Waiting for the budget round');
    await hold.getByRole('button', { name: 'Put on hold' }).click();
    await hold.waitFor({ state: 'detached' });
    await rowOf('Submitted after publishing')
      .getByRole('button', { name: /^Resume/ })
      .waitFor();
    await shot(page, '12-held');

    // Assess 8
    expect((await until(t, after, (s) => s.status === 'on-hold', 'a hold')).hold).toMatchObject({
      cause: 'pmo',
    });
    expect(problems).toEqual([]);

    // Act 9: sign out
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    // Assess 9: nothing kept
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();
  }, 240_000);

  it('labels every field, opens by keyboard, and follows a dark colour scheme', async () => {
    // Prepare
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const problems = watch(page);
    await signIn(page, 'Pat PMO');
    /** Every form field of the page, with no label (for=, wrapping, aria-label, aria-labelledby). */
    const unlabelled = () =>
      page
        .locator('input:not([type=hidden]), textarea, select')
        .evaluateAll((fields) =>
          fields
            .filter(
              (f) =>
                ((f as HTMLInputElement).labels?.length ?? 0) === 0 &&
                !f.getAttribute('aria-label') &&
                !f.getAttribute('aria-labelledby'),
            )
            .map((f) => f.outerHTML.slice(0, 200)),
        );
    const found: Record<string, string[]> = {};

    // Act: each page, and a dialog of each kind
    await page.goto(`${t.runtime.appUrl}/console#/definitions/standard`);
    await page.getByRole('heading', { name: /Standard project lifecycle/, level: 1 }).waitFor();
    found.process = await unlabelled();
    await page.getByRole('button', { name: 'Start a draft' }).click();
    found.startDialog = await unlabelled();
    await page.keyboard.press('Escape');
    await page.goto(`${t.runtime.appUrl}/console#/pending`);
    await page.getByRole('heading', { name: 'Pending', level: 1 }).waitFor();
    found.pending = await unlabelled();
    await page.goto(`${t.runtime.appUrl}/console#/people`);
    await page.getByRole('heading', { name: 'People', level: 1 }).waitFor();
    found.people = await unlabelled();
    await page.getByRole('button', { name: 'Add a person' }).click();
    found.personDialog = await unlabelled();
    const adding = page.getByRole('dialog', { name: 'Add a person' });
    await adding.getByLabel('E-mail').fill('ada.architect@example.com');
    await adding.getByLabel('Name').fill('Ada Architect');
    await adding.getByLabel('Requester').check();
    await adding.getByLabel('Reason').fill('Joins the architecture board');
    await adding.getByRole('button', { name: 'Add' }).click();
    await page.locator('tbody tr', { hasText: 'Ada Architect' }).waitFor();
    await page.getByRole('button', { name: `Away: ${people.finance.name}` }).click();
    found.awayDialog = await unlabelled();
    const away = page.getByRole('dialog', { name: `${people.finance.name} is away` });
    await away.getByLabel('From (date)').fill('2030-01-06');
    await away.getByLabel('Until (date, inclusive)').fill('2030-01-10');
    await away.getByLabel('Delegate (e-mail)').fill(people.operations.email);
    await away.getByLabel('Reason').fill('Winter holiday');
    await away.getByRole('button', { name: 'Set away' }).click();
    const finance = page.locator('tbody tr', { hasText: people.finance.email });
    await finance.getByText(`2030-01-06 to 2030-01-10, delegate ${people.operations.email}`).waitFor();
    await shot(page, '13-people-dark');
    const ada = (await (
      await t.api('GET', '/people/ada.architect@example.com', { as: people.pmoAdmin })
    ).json()) as {
      roles: string[];
    };
    // A draft to edit, for the editor and its dry run
    await t.api('POST', '/definitions/regulated/draft', { as: people.pmoAdmin, body: { fromVersion: 1 } });
    await page.goto(`${t.runtime.appUrl}/console#/definitions/regulated/draft`);
    await page.getByLabel(/^Draft of .* \(YAML\)$/).waitFor();
    await page.getByRole('heading', { name: 'No problems' }).waitFor();
    found.editor = await unlabelled();
    await shot(page, '14-editor-dark');
    // By keyboard: a page's heading takes the focus; Tab reaches its first link, Enter follows it
    await page.goto(`${t.runtime.appUrl}/console#/definitions`);
    await page.getByRole('heading', { name: 'Process definitions', level: 1 }).waitFor();
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    const firstStop = await page.evaluate(
      () => document.querySelector('a[href], button, input, select, textarea')?.textContent,
    );
    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => document.activeElement?.textContent);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Regulated project lifecycle/, level: 1 }).waitFor();
    const opened = await page.evaluate(() => document.activeElement?.tagName);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);

    // Assess
    expect(found).toEqual({
      process: [],
      startDialog: [],
      pending: [],
      people: [],
      personDialog: [],
      awayDialog: [],
      editor: [],
    });
    expect(focused).toBe('Process definitions');
    expect(firstStop).toBe('Skip to content');
    expect(next).toBe('Regulated project lifecycle');
    expect(opened).toBe('H1');
    expect(ada.roles).toEqual(['requester']);
    expect(background).toBe('rgb(17, 20, 24)');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('names no page for a fragment whose id is `..` or out of shape, and calls nothing for it', async () => {
    // Prepare: a PMO admin on a process's page; every call the page makes from here is recorded
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    await signIn(page, 'Pat PMO');
    const root = new URL(`${t.runtime.appUrl}/`);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'fetch' && new URL(request.url()).origin === root.origin)
        sent.push(new URL(request.url()).pathname);
    });
    // The browser resolves `..` before it sends: `/definitions/..` goes out as the API's root, `…/../draft` as /draft
    const fragments = [
      '#/definitions/%2E%2E/draft',
      '#/definitions/%2E%2E',
      '#/definitions/%2e/versions/1',
      '#/definitions/..%2F..%2Fdraft/draft',
      '#/definitions/Standard',
      `#/definitions/${'a'.repeat(64)}`,
      '#/definitions/standard/versions/%2E%2E',
      '#/definitions/standard/draft/extra',
    ];
    const seen: Record<string, { heading: string | null; said: string | null; sent: string[] }> = {};

    // Act: from the process's page, each fragment in turn, by a hash change and by a fresh load
    for (const fragment of fragments)
      for (const how of ['hash change', 'fresh load'] as const) {
        await page.goto(`${t.runtime.appUrl}/console#/definitions/standard`);
        await page.getByRole('heading', { name: /Standard project lifecycle/, level: 1 }).waitFor();
        if (how === 'fresh load') await page.goto('about:blank');
        sent.length = 0;
        await page.goto(`${t.runtime.appUrl}/console${fragment}`);
        // Whatever the page comes to (the not-found view, or an error from a call that went out)
        const heading = page.locator('#main h1').filter({ hasNotText: /^Standard project lifecycle/ });
        await heading.waitFor();
        seen[`${fragment} (${how})`] = {
          heading: await heading.textContent(),
          said: await page.locator('#main p').last().textContent(),
          sent: [...sent],
        };
      }

    // Assess: the console's own not-found view, and no call at all (so none to /definitions/.., / or /draft)
    for (const [where, found] of Object.entries(seen))
      expect(found, where).toEqual({
        heading: 'Not found',
        said: 'The console has no such page. Definitions',
        sent: [],
      });
    expect(Object.keys(seen)).toHaveLength(fragments.length * 2);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows no text from a crafted sign-in error link, trades no crafted code, and a sign-in in progress goes on', async () => {
    // Prepare: someone starts signing in and is on the authorize page
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    const planted = 'Your account is locked: call +1 555 0100 to unlock it';
    const consoleUrl = `${t.runtime.appUrl}/console`;
    const pendingOf = () => page.evaluate(() => sessionStorage.getItem('tollgate.console.pending'));
    await page.goto(consoleUrl);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/local\/oauth2\/authorize\?/);
    const authorize = page.url();
    const pending = await pendingOf();

    const tokenCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/oauth2/token')) tokenCalls.push(request.url());
    });

    // Act 1: they follow crafted error and code links, with no state and with a forged one
    const crafted: Record<string, { text: string; alerts: number; url: string; pending: string | null }> = {};
    const answers: Record<string, string>[] = [
      { error: 'access_denied', error_description: planted },
      { code: 'crafted-code' },
    ];
    for (const answer of answers)
      for (const state of [undefined, 'forged-state']) {
        const search = new URLSearchParams({ ...answer, ...(state ? { state } : {}) });
        await page.goto(`${consoleUrl}?${search}`);
        await page.getByRole('button', { name: 'Sign in' }).waitFor();
        crafted[`${Object.keys(answer)[0]}, ${state ?? 'no state'}`] = {
          text: (await page.locator('body').textContent()) ?? '',
          alerts: await page.getByRole('alert').count(),
          url: page.url(),
          pending: await pendingOf(),
        };
      }

    // Assess 1: nothing of the link is shown or traded, the address is clean, the sign-in in progress is kept
    expect(pending).toMatch(/"state":/);
    expect(Object.keys(crafted)).toHaveLength(4);
    expect(tokenCalls).toEqual([]);
    for (const [which, seen] of Object.entries(crafted)) {
      expect(seen.text, which).not.toContain(planted);
      expect(seen.text, which).not.toContain('access_denied');
      expect(seen.alerts, which).toBe(0);
      expect(seen.url, which).toBe(consoleUrl);
      expect(seen.pending, which).toBe(pending);
    }

    // Act 2: they go back to the authorize page and finish the sign-in they started
    await page.goto(authorize);
    await page.getByRole('button', { name: 'Pat PMO' }).click();
    await page.getByRole('heading', { name: 'Process definitions', level: 1 }).waitFor();
    const signedIn = await page.evaluate(() => Object.keys(sessionStorage));

    // Act 3: signed out, they start again and cancel on the authorize page: that answer carries the state
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/local\/oauth2\/authorize\?/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor();

    // Assess 2/3: the kept sign-in completed; the authorize page's own refusal is still shown
    expect(signedIn).toEqual(['tollgate.console.session']);
    expect(await refused.textContent()).toBe('the sign-in was not completed: access_denied');
    expect(page.url()).toBe(consoleUrl);
    expect(await pendingOf()).toBeNull();
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
