import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONSOLE_CSS,
  CONSOLE_CSS_SHA256,
  CONSOLE_JS,
  CONSOLE_JS_SHA256,
} from '../../functions/console/assets.generated.ts';
import { buildConsoleAssets, GENERATED, generatedModule } from '../../functions/console/build.ts';

// The console's script and stylesheet are checked in as a generated module (the admin-console
// handler serves them from it): it must be what the sources build to, or a change to the client
// (or to the definition schema it carries) would never reach the browser.

/** The browser script's budget: the YAML parser and the definition schema are most of it. */
const MAX_SCRIPT_BYTES = 200 * 1024;

describe('the console assets', () => {
  it('are what `npm run build:console` builds from functions/console/client (esbuild is deterministic)', async () => {
    // Act
    const fresh = generatedModule(await buildConsoleAssets());
    const checkedIn = readFileSync(GENERATED, 'utf8');
    // Assess: compared whole, reported briefly (the module is one long line per file)
    expect(checkedIn === fresh, 'stale: run `npm run build:console` and commit the result').toBe(true);
  }, 60_000);

  it('name their own digests, carry the editor’s parser, and stay within budget', () => {
    // Act
    const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
    // Assess
    expect(CONSOLE_JS_SHA256).toBe(digest(CONSOLE_JS));
    expect(CONSOLE_CSS_SHA256).toBe(digest(CONSOLE_CSS));
    expect(Buffer.byteLength(CONSOLE_JS)).toBeLessThan(MAX_SCRIPT_BYTES);
    expect(Buffer.byteLength(CONSOLE_CSS)).toBeLessThan(16 * 1024);
    // One IIFE: nothing global but what it sets, no module loader, nothing of Node
    expect(CONSOLE_JS).toMatch(/^"use strict";\(\(\)=>\{/);
    expect(CONSOLE_JS).not.toMatch(/\brequire\(|process\.env|innerHTML|outerHTML|insertAdjacentHTML|eval\(/);
    // The same messages as the CLI's parser (functions/domain/definition-file.ts)
    expect(CONSOLE_JS).toContain('a file holds one definition: remove the second document (---)');
    expect(CONSOLE_CSS).toContain('prefers-color-scheme:dark');
  });
});
