import { currentSession } from './auth.ts';

/** A refused call: the status and the API's JSON body (`message`, `problems`, and for a 409 what changed). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : `the API answered ${status}`);
  }

  get problems(): { path: string; message: string }[] {
    return Array.isArray(this.body.problems)
      ? (this.body.problems as { path: string; message: string }[])
      : [];
  }
}

/** Called when a call finds the session gone (401): the console shows the sign-in again. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

/**
 * The API's root: the console is served at `<root>console`, so the API is beside it whatever the
 * stage or base path.
 */
export function apiRoot(): URL {
  return new URL(location.pathname.replace(/console\/?$/, ''), location.origin);
}

/** One bearer-token call to the JSON API (same origin). */
export async function api<T = Record<string, unknown>>(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
): Promise<T> {
  const session = currentSession();
  if (!session) {
    onSignedOut();
    throw new ApiError(401, { message: 'sign in again: the session has ended' });
  }
  const response = await fetch(new URL(path.replace(/^\//, ''), apiRoot()), {
    method,
    headers: {
      authorization: `Bearer ${session.idToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    credentials: 'omit',
    cache: 'no-store',
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 401) {
    onSignedOut();
    throw new ApiError(401, { message: 'sign in again: the session has ended' });
  }
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer as T;
}

/**
 * A path segment, encoded (ids are checked by the API too). `.` and `..` pass encodeURIComponent
 * unchanged and the URL resolves them (`/definitions/..` is the API's root), and an empty segment
 * shifts the path: refused here whatever the caller checked, before any call is made.
 */
export function seg(value: string | number): string {
  const text = String(value);
  if (text === '' || text === '.' || text === '..')
    throw new Error(`“${text}” cannot be part of an address: nothing was sent`);
  return encodeURIComponent(text);
}

/** A query string from the filled-in values. */
export function query(values: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
