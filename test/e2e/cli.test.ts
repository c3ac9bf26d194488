import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLES } from '../../infra/local/runtime.ts';
import { decideAs, propose, until } from '../support/flows.ts';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TITLE = 'Audited from the command line';

let t: TestRuntime;
let projectId: string;
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI for real, as a child process (never blocking: the runtime lives in this process). */
function tollgate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { TOLLGATE_URL: _url, TOLLGATE_TOKEN: _token, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    // `npm run tollgate` is `tsx cli/tollgate.ts`: the same, but without the tsx launcher's own node process.
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/tollgate.ts', ...args], {
      cwd: ROOT,
      env: {
        ...inherited,
        PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env.PATH}`,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const asCompliance = () => ['--url', t.runtime.appUrl, '--as', people.compliance.email];

beforeAll(async () => {
  t = await startTestRuntime();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  projectId = await propose(t, TITLE);
  await decideAs(t, people.sponsor.email, TITLE, 'Gate 1 of 3', { outcome: 'go' });
  await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
  await t.runtime.anchor();
});
afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tollgate trail export and verify-export', () => {
  it("exports a project's trail as CSV and JSON Lines, saved with manifest and public key, each verifying offline", async () => {
    // Act: one after the other (each export is recorded on the project's own chain)
    const csv = await tollgate([
      'trail',
      'export',
      ...asCompliance(),
      '--project',
      projectId,
      '-o',
      join(dir, 'p.csv'),
    ]);
    const jsonl = await tollgate([
      'trail',
      'export',
      ...asCompliance(),
      '--project',
      projectId,
      '--format',
      'jsonl',
      '-o',
      join(dir, 'p.jsonl'),
      '--json',
    ]);
    const [csvCheck, jsonlCheck] = await Promise.all([
      tollgate(['trail', 'verify-export', join(dir, 'p.csv')]),
      tollgate(['trail', 'verify-export', join(dir, 'p.jsonl')]),
    ]);

    // Assess: both downloaded and verified; the summary and the JSON say what was saved
    expect(csv).toMatchObject({ code: 0, stderr: '' });
    const csvEntries = Number(csv.stdout.match(/export [0-9a-f-]{36}: (\d+) entries, \d+ bytes/)?.[1]);
    expect(csv.stdout).toContain(`manifest    ${join(dir, 'p.csv.manifest.json')}`);
    expect(csv.stdout).toContain('verified offline: OK');
    expect(jsonl.code).toBe(0);
    const summary = JSON.parse(jsonl.stdout);
    expect(summary).toMatchObject({
      ok: true,
      format: 'jsonl',
      filters: { projectId },
      anchor: { seq: 1 },
      files: {
        data: join(dir, 'p.jsonl'),
        manifest: join(dir, 'p.jsonl.manifest.json'),
        publicKey: join(dir, 'p.jsonl.pub.pem'),
      },
    });
    const lines = readFileSync(join(dir, 'p.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(summary.entries);
    // The CSV export itself is on the chain the JSON Lines export read
    expect(summary.entries).toBe(csvEntries + 1);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ action: 'trail.exported' });
    expect(lines.map((l) => JSON.parse(l).action)).toEqual(
      expect.arrayContaining(['proposal.submitted', 'decision.recorded']),
    );
    expect(readFileSync(join(dir, 'p.jsonl.pub.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    expect(csvCheck).toMatchObject({ code: 0 });
    expect(csvCheck.stdout).toContain(
      `OK: ${join(dir, 'p.csv')}: ${csvEntries} entries match the signed manifest`,
    );
    expect(jsonlCheck).toMatchObject({ code: 0 });
    expect(jsonlCheck.stdout).toContain(`OK: ${join(dir, 'p.jsonl')}: ${summary.entries} entries`);
  });

  it('fails offline verification of a file changed by one byte, or checked with another key, naming the problem', async () => {
    // Arrange: a copy with one byte changed; a key that did not sign the manifest
    const file = readFileSync(join(dir, 'p.jsonl'));
    const at = file.indexOf('decision.recorded');
    file[at] = 'D'.charCodeAt(0);
    writeFileSync(join(dir, 'changed.jsonl'), file);
    copyFileSync(join(dir, 'p.csv.manifest.json'), join(dir, 'other.manifest.json'));
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'other.pem'), publicKey.export({ type: 'spki', format: 'pem' }));

    // Act
    const [changed, otherKey, missing] = await Promise.all([
      tollgate([
        'trail',
        'verify-export',
        join(dir, 'changed.jsonl'),
        '--manifest',
        join(dir, 'p.jsonl.manifest.json'),
        '--public-key',
        join(dir, 'p.jsonl.pub.pem'),
      ]),
      tollgate([
        'trail',
        'verify-export',
        join(dir, 'p.csv'),
        '--public-key',
        join(dir, 'other.pem'),
        '--json',
      ]),
      tollgate(['trail', 'verify-export', join(dir, 'nothing.csv')]),
    ]);

    // Assess
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(
      /FAILED: .*changed\.jsonl: the file's sha256 is [0-9a-f]{64}, the manifest says/,
    );
    expect(otherKey.code).toBe(1);
    expect(JSON.parse(otherKey.stdout)).toMatchObject({
      ok: false,
      problem: 'the manifest signature does not verify with this public key',
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read ${join(dir, 'nothing.csv')}: no such file`);
  });
});

describe('tollgate trail verify and record', () => {
  it('verifies the whole trail with a token from the environment: counts and the anchor, exit 0', async () => {
    // Act
    const token = await t.runtime.issuer.sign(people.pmoAdmin);
    const run = await tollgate(['trail', 'verify'], {
      TOLLGATE_URL: t.runtime.appUrl,
      TOLLGATE_TOKEN: token,
    });

    // Assess
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^OK: \d+ chains, \d+ entries, anchor 1\n$/);
  });

  it("saves a project's printable record", async () => {
    // Act
    const run = await tollgate([
      'trail',
      'record',
      projectId,
      ...asCompliance(),
      '-o',
      join(dir, 'record.html'),
    ]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`saved the approval record of ${projectId} to ${join(dir, 'record.html')}`);
    expect(readFileSync(join(dir, 'record.html'), 'utf8')).toContain(TITLE);
  });
});

describe('tollgate trail refusals and usage errors', () => {
  it("prints the API's problems and exits 1 on a refusal, 2 on a usage error, 3 when the API is not there", async () => {
    // Act
    const requester = await t.runtime.issuer.sign(people.requester);
    const [reversed, unknownFlag, forbidden, badToken, unreachable, remoteAs] = await Promise.all([
      tollgate(['trail', 'export', ...asCompliance(), '--from', '2025-03-10', '--to', '2025-03-01']),
      tollgate(['trail', 'export', '--bogus']),
      tollgate(['trail', 'export', '--url', t.runtime.appUrl, '--token', requester, '--project', projectId]),
      tollgate(['trail', 'verify', '--url', t.runtime.appUrl, '--token', 'not-a-token']),
      tollgate(['trail', 'verify', '--url', 'http://127.0.0.1:9', '--token', requester]),
      tollgate(['trail', 'verify', '--url', 'https://tollgate.example.com', '--as', people.compliance.email]),
    ]);

    // Assess
    expect(reversed.code).toBe(1);
    expect(reversed.stderr).toContain('answered 400: the export request has problems');
    expect(reversed.stderr).toContain('to: must not be before from (2025-03-10)');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--bogus'");
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('answered 403: this needs the compliance or pmo-admin role');
    expect(badToken.code).toBe(3);
    expect(badToken.stderr).toContain('answered 401');
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach http://127.0.0.1:9');
    expect(remoteAs.code).toBe(2);
    expect(remoteAs.stderr).toContain('--as works only against a local runtime');
  });
});

describe('tollgate trail verify on a broken trail', () => {
  it('names the first break and exits 1', async () => {
    // Arrange: an entry of the project's chain changed in the table
    await t.dynamo.send(
      new UpdateItemCommand({
        TableName: LOCAL_TABLES.trail,
        Key: { pk: { S: `CHAIN#project/${projectId}` }, sk: { S: 'E#0000000001' } },
        UpdateExpression: 'SET #at = :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': { S: '2020-01-01T00:00:00.000Z' } },
      }),
    );

    // Act
    const run = await tollgate(['trail', 'verify', ...asCompliance()]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`BROKEN: content-changed in chain project/${projectId} at seq 1`);
    expect(run.stdout).toMatch(/expected {2}[0-9a-f]{64}\n {2}found {5}[0-9a-f]{64}\n/);
  });
});
