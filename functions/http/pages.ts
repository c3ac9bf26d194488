import { html, APPROVAL_PAGE_CSP as PAGE_CSP, page as renderPage } from '../views/html.ts';
import type { ErrorPage, HttpResult } from './wrapper.ts';

/*
 * Responses for a person in a browser: the approval pages and the printable record. Kept apart from
 * the wrapper so that a JSON API function does not bundle the page templates.
 */

/** Pages run no script, load nothing from elsewhere, post only to themselves, cannot be framed. */
const PAGE_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP };

const TITLES: Record<number, string> = {
  400: 'Something is missing',
  404: 'Link not recognised',
  409: 'This changed',
  410: 'This link no longer works',
  429: 'Too many attempts',
  500: 'Something went wrong',
};

/** An HTML page response, with the page security headers. */
export function page(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: PAGE_HEADERS, body };
}

/** A refused or failed request, as a page that says what to do next. */
export const errorPage: ErrorPage = (statusCode, message) => {
  const title = TITLES[statusCode] ?? 'Request not completed';
  return page(
    statusCode,
    renderPage(
      title,
      html`<div class="card"><h1>${title}</h1><p>${message}.</p>
<p class="muted">If you still need to decide, ask the project's PMO to send you a new link.</p></div>`,
    ),
  );
};
