import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `tollgate defs validate` reads a file on this machine: no runtime, no services.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tollgate-defs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI for real, as a child process, as an operator would. */
function tollgate(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['cli/tollgate.ts', ...args],
      { cwd: ROOT },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('tollgate defs validate', () => {
  it('says OK with the process, its version and gates', async () => {
    // Act
    const run = await tollgate(['defs', 'validate', 'definitions/standard.yaml']);

    // Assess
    expect(run).toEqual({
      code: 0,
      stdout:
        'OK: definitions/standard.yaml: standard v1 "Standard project lifecycle", 3 gates: scoping, business-case, launch\n',
      stderr: '',
    });
  });

  it('prints each problem of a broken file as file:line:col path: message, exit 1; exit 2 for no file', async () => {
    // Prepare: the standard process with no approver at its first gate, and a field it does not know
    const standard = readFileSync(join(ROOT, 'definitions/standard.yaml'), 'utf8');
    const broken = standard
      .replace('    approvers:\n      - role: sponsor\n    # How', '    approvers: []\n    # How')
      .replace(
        'esignature: false\n\n  - id: business-case',
        'esignature: false\n    signOff: true\n\n  - id: business-case',
      );
    expect(broken.match(/approvers: \[\]|signOff/g)).toHaveLength(2);
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, broken);
    const line = (text: string) => broken.split('\n').findIndex((l) => l.includes(text)) + 1;

    // Act
    const [text, json, missing] = await Promise.all([
      tollgate(['defs', 'validate', file]),
      tollgate(['defs', 'validate', file, '--json']),
      tollgate(['defs', 'validate', join(dir, 'nothing.yaml')]),
    ]);

    // Assess
    expect(text.code).toBe(1);
    expect(text.stdout.trim().split('\n')).toEqual([
      `${file}:${line('approvers: []')}:5 gates.0.approvers: Too small: expected array to have >=1 items`,
      `${file}:${line('signOff')}:5 gates.0.signOff: is not a field of a definition here (misspelt, or in the wrong place?)`,
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      file,
      problems: [
        { path: 'gates.0.approvers', line: line('approvers: []'), col: 5 },
        { path: 'gates.0.signOff', line: line('signOff'), col: 5 },
      ],
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read ${join(dir, 'nothing.yaml')}: no such file`);
  });
});
