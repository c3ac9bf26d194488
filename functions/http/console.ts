import { once } from '../adapters/environment.ts';
import {
  CONSOLE_CSS,
  CONSOLE_CSS_SHA256,
  CONSOLE_JS,
  CONSOLE_JS_SHA256,
} from '../console/assets.generated.ts';
import { type ConsoleSignIn, consoleShell } from '../console/shell.ts';
import { InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { pathParameter } from './paths.ts';
import { consolePolicy, consoleResponse, type HttpEvent, type HttpResult, httpFunction } from './wrapper.ts';

/** What the console's handler is told: its sign-in (from the environment), nothing about any data. */
export interface ConsoleSettings {
  signIn?: ConsoleSignIn;
}

/**
 * The console's sign-in from the environment: all four of CONSOLE_AUTHORIZE_URL, CONSOLE_TOKEN_URL,
 * CONSOLE_CLIENT_ID and CONSOLE_REDIRECT_URI, or none (then the console says it has no sign-in).
 * URLs must be https, or http on this machine (the local runtime). CONSOLE_LOGOUT_URL is optional.
 */
export function consoleSettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): ConsoleSettings {
  const authorizeUrl = env.CONSOLE_AUTHORIZE_URL ?? '';
  const tokenUrl = env.CONSOLE_TOKEN_URL ?? '';
  const clientId = env.CONSOLE_CLIENT_ID ?? '';
  const redirectUri = env.CONSOLE_REDIRECT_URI ?? '';
  const logoutUrl = env.CONSOLE_LOGOUT_URL ?? '';
  if (!authorizeUrl && !tokenUrl && !clientId && !redirectUri) return {};
  for (const [name, value] of Object.entries({
    CONSOLE_AUTHORIZE_URL: authorizeUrl,
    CONSOLE_TOKEN_URL: tokenUrl,
    CONSOLE_REDIRECT_URI: redirectUri,
    ...(logoutUrl ? { CONSOLE_LOGOUT_URL: logoutUrl } : {}),
  }))
    if (!isSafeUrl(value))
      throw new Error(`${name} must be an https URL (http only on loopback): "${value}"`);
  if (!/^[\w.-]{1,128}$/.test(clientId)) throw new Error('CONSOLE_CLIENT_ID must be an app client id');
  return {
    signIn: { authorizeUrl, tokenUrl, clientId, redirectUri, ...(logoutUrl ? { logoutUrl } : {}) },
  };
}

function isSafeUrl(value: string): boolean {
  const url = URL.parse(value);
  if (url === null || url.username || url.password || url.hash) return false;
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname))
  );
}

const ASSETS: Record<string, { body: string; type: string; sha256: string }> = {
  'console.js': { body: CONSOLE_JS, type: 'text/javascript; charset=utf-8', sha256: CONSOLE_JS_SHA256 },
  'console.css': { body: CONSOLE_CSS, type: 'text/css; charset=utf-8', sha256: CONSOLE_CSS_SHA256 },
};

/**
 * The PMO console: one shell page, one script, one stylesheet, the same for everyone. Public (the
 * page holds no data; every call the script makes is a bearer-token call to the API) and reading
 * nothing, so nothing here can leak or change anything, and nothing is written on a refusal.
 */
export function consoleRoutes(settings: () => ConsoleSettings) {
  const policy = once(() => {
    const signIn = settings().signIn;
    return consolePolicy({
      ...(signIn ? { token: new URL(signIn.tokenUrl).origin } : {}),
      ...(signIn ? { authorize: new URL(signIn.authorizeUrl).origin } : {}),
    });
  });
  const shell = once(() =>
    consoleShell(settings().signIn, { scriptSha256: CONSOLE_JS_SHA256, styleSha256: CONSOLE_CSS_SHA256 }),
  );
  return httpFunction(
    [
      {
        method: 'GET',
        path: '/console',
        handler: async (): Promise<HttpResult> =>
          consoleResponse(200, shell(), 'text/html; charset=utf-8', policy()),
      },
      {
        method: 'GET',
        path: '/console/{asset}',
        handler: async (event: HttpEvent): Promise<HttpResult> => {
          const asset = ASSETS[assetName(event)];
          if (!asset) throw new NotFoundError('no such file of the console');
          // Asked for by its digest (the shell's `?v=`): that content never changes under that name.
          const versioned = event.queryStringParameters?.v === asset.sha256.slice(0, 16);
          return consoleResponse(200, asset.body, asset.type, policy(), {
            ...(versioned ? { 'cache-control': 'public, max-age=31536000, immutable' } : {}),
          });
        },
      },
    ],
    'json',
  );
}

/** The asset's name, or a 404 (not a 400: a path that is not a file of the console is simply not here). */
function assetName(event: HttpEvent): string {
  try {
    return pathParameter(event, 'asset');
  } catch (error) {
    if (error instanceof InvalidInputError) throw new NotFoundError('no such file of the console');
    throw error;
  }
}

export const handler = consoleRoutes(once(() => consoleSettingsFromEnv()));
