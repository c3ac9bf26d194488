import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler, lambdaBuildOptions } from '../../bench/bundle.ts';
import { HANDLERS, type HandlerName } from '../../functions/handlers.ts';

// What each Lambda bundle may carry, checked on the bundles the CDK builds (same esbuild options).
// Sizes are the bench's business; these are the decisions that keep them in budget.

/** The only functions that keep the S3 and KMS clients: background jobs (ADR 0011). */
const WRITES_TRAIL_STORAGE: HandlerName[] = ['trail-job', 'anchor-trail'];

const dir = mkdtempSync(join(tmpdir(), 'tollgate-bundles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The files each handler's bundle takes code from, by handler. One esbuild run with every handler
 * as an entry point: without code splitting each entry is still bundled and tree-shaken on its own
 * (the same inputs and bytes as a build of that entry alone), but the sources are parsed once, not
 * once per handler.
 */
async function inputsByHandler(): Promise<Map<HandlerName, string[]>> {
  const names = Object.keys(HANDLERS) as HandlerName[];
  const { entryPoints: _entry, outfile: _outfile, ...options } = lambdaBuildOptions('', dir, process.cwd());
  const result = await build({
    ...options,
    entryPoints: names.map((name) => ({ in: HANDLERS[name].entry, out: join(name, 'index') })),
    outdir: dir,
    metafile: true,
    write: false,
    sourcemap: false,
  });
  const inputs = new Map<HandlerName, string[]>();
  for (const name of names) {
    const output = result.metafile.outputs[relative(process.cwd(), join(dir, name, 'index.js'))];
    if (!output?.entryPoint) throw new Error(`esbuild made no bundle for ${name}`);
    inputs.set(
      name,
      Object.entries(output.inputs)
        .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
        .map(([input]) => input),
    );
  }
  return inputs;
}

/** admin-console's budget: its page, stylesheet and the browser script (with the YAML parser) as text. */
const CONSOLE_BUNDLE_MAX_BYTES = 256 * 1024;

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

describe('Lambda bundles', () => {
  const names = Object.keys(HANDLERS) as HandlerName[];
  let bundled: Map<HandlerName, string[]>;

  beforeAll(async () => {
    // Prepare: every handler bundled, in one esbuild run
    bundled = await inputsByHandler();
  });

  it.each(names)(
    '%s carries zod/mini only, no Step Functions client, and the S3 and KMS clients only if it writes with them',
    (name) => {
      // Act: what its bundle takes code from
      const inputs = bundled.get(name);
      if (!inputs) throw new Error(`no bundle for ${name}`);
      const packages = new Set(inputs.map(packageOf));
      // Assess
      // Every function reads the table, but the console's: it serves its page and files, and reads nothing
      expect(packages.has('@aws-sdk/client-dynamodb'), 'every function reads the table').toBe(
        name !== 'admin-console',
      );
      const writes = WRITES_TRAIL_STORAGE.includes(name);
      expect(packages.has('@aws-sdk/client-s3'), '@aws-sdk/client-s3').toBe(writes);
      expect(packages.has('@aws-sdk/client-kms'), '@aws-sdk/client-kms').toBe(writes);
      expect(packages.has('@aws-sdk/lib-storage'), '@aws-sdk/lib-storage').toBe(writes);
      expect(packages.has('@aws-sdk/s3-request-presigner'), 'presigning is aws-read.ts').toBe(false);
      // ADR 0017: StartExecution and SendTaskSuccess are signed requests (functions/adapters/workflow.ts)
      expect(packages.has('@aws-sdk/client-sfn'), '@aws-sdk/client-sfn').toBe(false);
      // Definition files are read by the CLI, the local runtime and the console's browser script; the
      // API takes JSON. admin-console is allowed the parser, but only as that script's text (the
      // string in functions/console/assets.generated.ts, bundled for the browser, never run here):
      // the package itself is in no function, admin-console included.
      expect(packages.has('yaml'), 'yaml').toBe(false);
      // The local e-signature sign-in (TOTP, scrypt) is the local runtime's, handed over in-process
      expect(packages.has('otpauth'), 'otpauth').toBe(false);
      // Definition drafts are the definitions API's alone (functions/adapters/dynamodb/repository.ts)
      expect(
        inputs.some((i) => i.endsWith('functions/adapters/dynamodb/drafts.ts')),
        'drafts',
      ).toBe(name === 'definitions-api');
      // ADR 0005: the classic zod API and the locales index each cost hundreds of KiB
      expect(inputs.filter((i) => /zod\/v4\/classic\//.test(i))).toEqual([]);
      expect(inputs.filter((i) => /zod\/v4\/locales\//.test(i) && !/locales\/en\.js$/.test(i))).toEqual([]);
    },
  );
});

describe('the admin-console bundle', () => {
  it('is the console’s page and browser script as text, with nothing that reads a table, within budget', async () => {
    // Act: bundled alone, as the CDK builds it
    const bundle = await bundleHandler(
      HANDLERS['admin-console'].entry,
      join(dir, 'admin-console-alone'),
      process.cwd(),
    );
    // Assess
    expect(bundle.bytes).toBeLessThan(CONSOLE_BUNDLE_MAX_BYTES);
    expect(bundle.topInputs[0]?.name).toBe('functions/console/assets.generated.ts');
    expect(bundle.topPackages.map((p) => p.name)).not.toContain('@aws-sdk/client-dynamodb');
  });
});
