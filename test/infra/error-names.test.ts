import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('error names the state machines catch', () => {
  it('survive minification in the Lambda bundle', async () => {
    // Prepare: a minified ESM bundle, as the function construct builds it, of the errors tasks throw
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-names-'));
    const root = pathToFileURL(`${process.cwd()}/`).href;
    const entry = `
      import { ProposalRejectedError } from '${root}functions/usecases/intake.ts';
      import { TaskInputError } from '${root}functions/tasks/inputs.ts';
      import { GateTaskError } from '${root}functions/usecases/shared.ts';
      export const names = [new ProposalRejectedError('x'), new TaskInputError('x'), new GateTaskError('x')].map((e) => e.name);`;
    writeFileSync(join(dir, 'entry.ts'), entry.replaceAll(root, `${process.cwd()}/`));

    // Act
    await build({
      entryPoints: [join(dir, 'entry.ts')],
      outfile: join(dir, 'out.mjs'),
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      mainFields: ['module', 'main'],
    });
    const { names } = (await import(pathToFileURL(join(dir, 'out.mjs')).href)) as { names: string[] };
    rmSync(dir, { recursive: true, force: true });

    // Assess: the names the intake Catch (workflows/intake.ts) and the logs rely on
    expect(names).toEqual(['ProposalRejectedError', 'TaskInputError', 'GateTaskError']);
  });
});
