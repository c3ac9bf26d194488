/*
 * The PMO console: signs the PMO admin in (authorization code + PKCE), then renders each page
 * from the API into the shell. Routes live in the fragment (#/definitions, #/pending, …), so the
 * server serves one page and never sees where the admin is.
 */
import { SHAPES } from '../../http/paths.ts';
import { ApiError, whenSignedOut } from './api.ts';
import { completeSignIn, currentSession, type SignInConfig, signIn, signInConfig, signOut } from './auth.ts';
import { h, show } from './dom.ts';
import { definitionPage, definitionsPage, diffPage, versionPage } from './pages/definitions.ts';
import { editorPage } from './pages/editor.ts';
import { pendingPage } from './pages/pending.ts';
import { peoplePage } from './pages/people.ts';
import { errorCard, guardLeaving, heading, leavingLoses, takeFlash } from './ui.ts';

const NAV = [
  ['#/definitions', 'Definitions'],
  ['#/pending', 'Pending'],
  ['#/people', 'People'],
] as const;

let config: SignInConfig | undefined;
let rendering = 0;
/** Where the console is (the hash it shows); a navigation refused by the leave guard goes back here. */
let shown = '';

function mainElement(): HTMLElement {
  const main = document.getElementById('main');
  if (!main) throw new Error('the shell has no <main>');
  return main;
}

function renderHeader(): void {
  const session = currentSession();
  const nav = document.getElementById('nav');
  const whoBox = document.getElementById('who');
  if (nav)
    show(
      nav,
      session
        ? h(
            'ul',
            null,
            NAV.map(([href, label]) =>
              h(
                'li',
                null,
                h('a', { href, 'aria-current': location.hash.startsWith(href) ? 'page' : false }, label),
              ),
            ),
          )
        : null,
    );
  if (whoBox)
    show(
      whoBox,
      session
        ? [
            h(
              'span',
              { class: 'me' },
              session.name,
              session.roles.length ? ` (${session.roles.join(', ')})` : '',
            ),
            ' ',
            h(
              'button',
              {
                type: 'button',
                class: 'small secondary',
                onclick: () => {
                  guardLeaving(undefined);
                  signOut(config);
                  if (!config?.logoutUrl) void route();
                },
              },
              'Sign out',
            ),
          ]
        : null,
    );
}

function signInCard(message?: string): HTMLElement {
  return h(
    'div',
    { class: 'card narrow' },
    heading('PMO console'),
    message ? h('p', { role: 'alert', class: 'problems-text' }, message) : null,
    config
      ? [
          h('p', null, 'Sign in to change processes, see what is pending and act on reviews in flight.'),
          h(
            'button',
            {
              type: 'button',
              onclick: () => config && void signIn(config, location.hash || '#/definitions'),
            },
            'Sign in',
          ),
        ]
      : h('p', null, 'This deployment has no sign-in for the console. Use the tollgate CLI or the API.'),
  );
}

/** Renders the page the fragment names. */
async function route(): Promise<void> {
  const main = mainElement();
  const ticket = ++rendering;
  renderHeader();
  const session = currentSession();
  if (!session) {
    guardLeaving(undefined);
    show(main, signInCard());
    focusHeading(main);
    return;
  }
  const hash = location.hash || '#/definitions';
  const [path = '', search = ''] = hash.slice(1).split('?');
  const params = new URLSearchParams(search);
  // A hand-typed fragment may not decode (`%zz`): such a part names no page.
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return '\u0000';
      }
    });
  guardLeaving(undefined);
  show(main, h('p', { class: 'muted' }, 'Loading…'));
  const flash = takeFlash();
  try {
    const render = pageFor(parts, params);
    if (!render) {
      show(
        main,
        heading('Not found'),
        h('p', null, 'The console has no such page. ', h('a', { href: '#/definitions' }, 'Definitions')),
      );
    } else {
      await render(main);
    }
    if (ticket !== rendering) return;
    if (flash) main.prepend(h('p', { class: 'flash', role: 'status' }, flash));
    if (!session.roles.includes('pmo-admin'))
      main.prepend(
        h(
          'p',
          { class: 'flash warn' },
          'You are not a PMO admin: you can look, but changes will be refused.',
        ),
      );
    shown = location.hash;
    focusHeading(main);
  } catch (error) {
    if (ticket !== rendering) return;
    if (error instanceof ApiError && error.status === 401) return; // the sign-in card is shown
    show(
      main,
      heading(error instanceof ApiError && error.status === 404 ? 'Not found' : 'Could not load this page'),
      errorCard(error, error instanceof ApiError && error.status === 403 ? 'Not allowed' : 'Refused'),
    );
  }
}

/**
 * Whether a fragment's part has the shape the API takes (functions/http/paths.ts): a part that does
 * not (`..`, `%2E%2E`, a 10 KB id) names no page, so it never becomes part of a call's path.
 */
function fits(part: string | undefined, name: keyof typeof SHAPES): part is string {
  const shape: { pattern: RegExp; maxLength?: number } = SHAPES[name];
  return part !== undefined && part.length <= (shape.maxLength ?? 64) && shape.pattern.test(part);
}

function pageFor(
  parts: string[],
  params: URLSearchParams,
): ((main: HTMLElement) => Promise<void>) | undefined {
  const [section, id, sub, arg, ...rest] = parts;
  if (rest.length > 0) return undefined;
  if (section === 'definitions') {
    if (!id) return definitionsPage;
    if (!fits(id, 'definitionId')) return undefined;
    if (!sub) return (main) => definitionPage(main, id);
    if (sub === 'draft' && !arg) return (main) => editorPage(main, id);
    if (sub === 'versions' && fits(arg, 'version')) return (main) => versionPage(main, id, Number(arg));
    if (sub === 'diff' && !arg) {
      const from = Number(params.get('from'));
      const toParam = params.get('to') ?? 'draft';
      const to = toParam === 'draft' ? 'draft' : Number(toParam);
      if (Number.isInteger(from) && from > 0 && (to === 'draft' || (Number.isInteger(to) && to > 0)))
        return (main) => diffPage(main, id, from, to);
    }
    return undefined;
  }
  if (section === 'pending' && !id) return (main) => pendingPage(main, params);
  if (section === 'people' && !id) return (main) => peoplePage(main, params);
  return undefined;
}

function focusHeading(main: HTMLElement): void {
  const h1 = main.querySelector('h1');
  if (h1 instanceof HTMLElement) h1.focus({ preventScroll: false });
}

async function start(): Promise<void> {
  document.getElementById('loading')?.remove();
  config = signInConfig();
  whenSignedOut(() => {
    guardLeaving(undefined);
    renderHeader();
    show(mainElement(), signInCard('Your session has ended. Sign in again to go on.'));
  });
  if (config) {
    try {
      const back = await completeSignIn(config);
      if (back !== undefined) history.replaceState(null, '', `${location.pathname}${back}`);
    } catch (error) {
      show(mainElement(), signInCard(error instanceof Error ? error.message : String(error)));
      return;
    }
  }
  window.addEventListener('hashchange', () => {
    const loses = leavingLoses();
    if (loses && location.hash !== shown && !window.confirm(loses)) {
      history.replaceState(null, '', shown || location.pathname);
      return;
    }
    void route();
  });
  window.addEventListener('beforeunload', (event) => {
    if (leavingLoses()) event.preventDefault();
  });
  await route();
}

void start();
