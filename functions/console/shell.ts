import { esc } from '../views/html.ts';

/**
 * The console's sign-in, as the shell hands it to the script (data attributes): authorization
 * code with PKCE against Cognito's hosted UI on AWS, or the local authorize page on one machine.
 * Absent when the deployment has no sign-in for the console (the local runtime's `--no-sign-in`).
 */
export interface ConsoleSignIn {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  redirectUri: string;
  /** Where signing out also ends the hosted UI's session; absent: signing out only forgets the tokens. */
  logoutUrl?: string;
}

/** The script and stylesheet the shell loads, each named by its digest (subresource integrity). */
export interface ConsoleAssetRefs {
  scriptSha256: string;
  styleSha256: string;
}

/**
 * The console's one page: an empty shell the script renders into. It holds no data and no inline
 * script or style (the policy allows neither); links are relative, so the console works under a
 * stage or a base path too. Without JavaScript it says what it needs.
 */
export function consoleShell(signIn: ConsoleSignIn | undefined, assets: ConsoleAssetRefs): string {
  const data = signIn
    ? [
        ['authorize-url', signIn.authorizeUrl],
        ['token-url', signIn.tokenUrl],
        ['client-id', signIn.clientId],
        ['redirect-uri', signIn.redirectUri],
        ['logout-url', signIn.logoutUrl ?? ''],
      ]
        .map(([name, value]) => ` data-${name}="${esc(value)}"`)
        .join('')
    : ' data-sign-in="off"';
  // The digest in the query names the version: a new deployment's shell asks for the new files.
  const version = (sha: string) => encodeURIComponent(sha.slice(0, 16));
  return `<!doctype html><html lang="en"${data}><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>PMO console · tollgate</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="console/console.css?v=${version(assets.styleSha256)}" integrity="sha256-${esc(assets.styleSha256)}">
<script src="console/console.js?v=${version(assets.scriptSha256)}" integrity="sha256-${esc(assets.scriptSha256)}" defer></script>
</head><body><a class="skip" href="#main">Skip to content</a>
<header class="bar"><span class="brand">tollgate · PMO console</span><nav id="nav" aria-label="Console"></nav><div id="who"></div></header>
<main id="main" tabindex="-1"><noscript><div class="card"><h1>The PMO console needs JavaScript</h1>
<p>It signs you in and calls the tollgate API from this page. The approval pages behind e-mailed links work without it.</p></div></noscript>
<p class="muted" id="loading">Loading…</p></main>
<div id="status" class="status" role="status" aria-live="polite"></div>
</body></html>`;
}
