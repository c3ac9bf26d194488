import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../bench/bundle.ts';
import { HANDLERS, type HandlerName } from '../../functions/handlers.ts';

// What each Lambda bundle may carry, checked on the bundles the CDK builds (same esbuild options).
// Sizes are the bench's business; these are the decisions that keep them in budget.

/** The only functions that keep the S3 and KMS clients: background jobs (ADR 0011). */
const WRITES_TRAIL_STORAGE: HandlerName[] = ['trail-job', 'anchor-trail'];

const dir = mkdtempSync(join(tmpdir(), 'tollgate-bundles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The files a handler's bundle takes code from. */
async function inputsOf(name: HandlerName): Promise<string[]> {
  const result = await build({
    ...lambdaBuildOptions(HANDLERS[name].entry, join(dir, name), process.cwd()),
    metafile: true,
    write: false,
    sourcemap: false,
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  return Object.entries(output?.inputs ?? {})
    .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
    .map(([input]) => input);
}

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

describe('Lambda bundles', () => {
  const names = Object.keys(HANDLERS) as HandlerName[];

  it.each(names)(
    '%s carries zod/mini only, and the S3 and KMS clients only if it writes with them',
    async (name) => {
      // Act
      const inputs = await inputsOf(name);
      const packages = new Set(inputs.map(packageOf));
      // Assess
      expect(packages.has('@aws-sdk/client-dynamodb'), 'every function reads the table').toBe(true);
      const writes = WRITES_TRAIL_STORAGE.includes(name);
      expect(packages.has('@aws-sdk/client-s3'), '@aws-sdk/client-s3').toBe(writes);
      expect(packages.has('@aws-sdk/client-kms'), '@aws-sdk/client-kms').toBe(writes);
      expect(packages.has('@aws-sdk/lib-storage'), '@aws-sdk/lib-storage').toBe(writes);
      expect(packages.has('@aws-sdk/s3-request-presigner'), 'presigning is aws-read.ts').toBe(false);
      // ADR 0005: the classic zod API and the locales index each cost hundreds of KiB
      expect(inputs.filter((i) => /zod\/v4\/classic\//.test(i))).toEqual([]);
      expect(inputs.filter((i) => /zod\/v4\/locales\//.test(i) && !/locales\/en\.js$/.test(i))).toEqual([]);
    },
  );
});
