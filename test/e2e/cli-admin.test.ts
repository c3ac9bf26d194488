import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectStatus, propose, trailActions, until } from '../support/flows.ts';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

// The README's PMO admin walk-through, end to end through the `tollgate` command (cli/bin.mjs,
// the package's bin) against one local runtime: change the standard process in a file, draft,
// diff, dry-run and publish it, see projects on both versions, then act on a review and the
// directory. Every command is a real child process, as an admin would run it.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BEFORE = 'Started on version 1';
const AFTER = 'Started on version 2';

let t: TestRuntime;
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the launcher as a child process (never blocking: the runtime lives in this process). */
function tollgate(args: string[], options: { cwd?: string; bin?: string } = {}): Promise<Run> {
  const { TOLLGATE_URL: _url, TOLLGATE_TOKEN: _token, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? join(ROOT, 'cli/bin.mjs'), ...args], {
      cwd: options.cwd ?? ROOT,
      env,
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

const as = (person: { email: string }) => ['--url', t.runtime.appUrl, '--as', person.email];
const admin = () => as(people.pmoAdmin);
const json = (run: Run) => JSON.parse(run.stdout);
/** The 1-based line of the first line of `text` that contains `part`. */
const lineOf = (text: string, part: string) => text.split('\n').findIndex((l) => l.includes(part)) + 1;

/**
 * The standard process, raised to version 2 and changed as the README's walk-through changes it:
 * a criterion added to launch, business-case decided by a quorum of `count`, and (with `skip`)
 * a skip rule for launch.
 */
function standardV2(count: number, skip = true): string {
  const standard = readFileSync(join(ROOT, 'definitions/standard.yaml'), 'utf8');
  const edits: [string, string][] = [
    ['version: 1', 'version: 2'],
    [
      '      - email: fay.finance@example.com\n    rule:\n      kind: all',
      `      - email: fay.finance@example.com\n    rule:\n      kind: quorum\n      count: ${count}`,
    ],
    [
      '    ask: Is the project ready to launch and hand over to operations?\n    opens: on-submission',
      `    ask: Is the project ready to launch and hand over to operations?\n    opens: on-submission${skip ? '\n    skipWhen: risk = "low" and estimatedCost < 10000' : ''}`,
    ],
    [
      '          text: Acceptance tests passed',
      '          text: Acceptance tests passed\n        - id: support-ready\n          text: Support team trained',
    ],
  ];
  return edits.reduce((text, [from, to]) => {
    if (!text.includes(from))
      throw new Error(`definitions/standard.yaml no longer has ${JSON.stringify(from)}`);
    return text.replace(from, to);
  }, standard);
}

beforeAll(async () => {
  t = await startTestRuntime();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-admin-'));
});
afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tollgate defs: a PMO admin changes the standard process from a file', () => {
  it('drafts (a mistake at its line, then fixed), diffs, dry-runs and publishes v2; new projects follow it, running ones stay', async () => {
    // Prepare: a project under way on v1; the file with a mistake (a quorum of 0); a second PMO admin
    const before = await propose(t, BEFORE);
    await until(t, before, (s) => s.status === 'in-review', 'its first gate open');
    const file = join(dir, 'standard.yaml');
    const broken = standardV2(0);
    writeFileSync(file, broken);
    const colleague = { email: 'quinn.pmo@example.com', name: 'Quinn PMO', groups: ['pmo-admin'] };
    const colleagueToken = await t.runtime.issuer.sign(colleague);

    // Act: Pat drafts the broken file, then fixes it without the skip rule yet; Quinn adds the
    // skip rule over Pat's revision; Pat saves over the revision they had read
    const mistake = await tollgate(['defs', 'draft', file, '--reason', 'first try', ...admin()]);
    writeFileSync(file, standardV2(1, false));
    const fixed = await tollgate(['defs', 'draft', file, '--reason', 'quorum of 1', ...admin()]);
    const full = join(dir, 'quinn.yaml');
    writeFileSync(full, standardV2(1));
    const quinn = await tollgate([
      'defs',
      'draft',
      full,
      '--url',
      t.runtime.appUrl,
      '--token',
      colleagueToken,
    ]);
    const stale = await tollgate(['defs', 'draft', file, '--revision', '2', ...admin()]);
    const staleJson = await tollgate(['defs', 'draft', file, '--revision', '2', '--json', ...admin()]);

    // Assess: the mistake at its line and column (exit 1); the fix saved; the stale save refused,
    // saying who changed the draft and what their edit changed
    expect(mistake.code).toBe(1);
    expect(mistake.stdout).toMatch(/revision 1, but it has 1 problem/);
    expect(mistake.stdout).toContain(`${file}:${lineOf(broken, 'count: 0')}:14 gates.1.rule.count: `);
    expect(fixed).toMatchObject({ code: 0, stderr: '' });
    expect(fixed.stdout).toContain(`Saved ${file} as the draft of standard, revision 2.`);
    expect(quinn).toMatchObject({ code: 0, stderr: '' });
    expect(quinn.stdout).toContain('revision 3');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`the draft of standard was changed by Quinn PMO <${colleague.email}> at `);
    expect(stale.stderr).toContain('since revision 2; it is now revision 3. Nothing was saved');
    expect(stale.stderr).toMatch(/ {2}gates\.2\.skipWhen: Gate "launch" \(Go to launch\): skip rule set to/);
    expect(json(staleJson)).toMatchObject({
      ok: false,
      exitCode: 1,
      status: 409,
      problems: [{ path: 'gates.2.skipWhen' }],
    });

    // Act: what the draft changes, and what it would do to a small, low-risk proposal
    const [diff, dryRun, dryRunText] = await Promise.all([
      tollgate(['defs', 'diff', 'standard', '1', 'draft', ...admin()]),
      tollgate([
        'defs',
        'dry-run',
        'standard@draft',
        '--sponsor',
        people.sponsor.email,
        '--field',
        'estimatedCost=5000',
        '--field',
        'risk=low',
        '--json',
        ...admin(),
      ]),
      tollgate([
        'defs',
        'dry-run',
        full,
        '--sponsor',
        people.sponsor.email,
        '--field',
        'estimatedCost=5000',
        '--field',
        'risk=low',
        ...admin(),
      ]),
    ]);

    // Assess
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('standard v1 → draft: 3 changes');
    expect(diff.stdout).toMatch(
      /~ +gates\.1\.rule +Gate "business-case" \(Go to development\): rule changed from all to quorum of 1/,
    );
    expect(diff.stdout).toMatch(/\+ +gates\.2\.skipWhen +Gate "launch"/);
    expect(diff.stdout).toMatch(/\+ +gates\.2\.criteria\.mustMeet\.1 +.*"support-ready" added/);
    expect(dryRun.code).toBe(0);
    expect(json(dryRun).gates.map((g: { gateId: string; outcome: string }) => [g.gateId, g.outcome])).toEqual(
      [
        ['scoping', 'opens'],
        ['business-case', 'skipped'],
        ['launch', 'skipped'],
      ],
    );
    expect(dryRunText.code).toBe(0);
    expect(dryRunText.stdout).toMatch(/3 +launch +skipped \(risk = "low" and estimatedCost < 10000\)/);

    // Act: publish the draft
    const published = await tollgate([
      'defs',
      'publish',
      'standard',
      '--reason',
      'approved by the PMO board',
      ...admin(),
    ]);
    const after = await propose(t, AFTER);
    const [list, show, afterStatus, beforeStatus] = await Promise.all([
      tollgate(['defs', 'list', '--json', ...admin()]),
      tollgate(['defs', 'show', 'standard', ...admin()]),
      until(t, after, (s) => s.status === 'in-review', 'its first gate open'),
      projectStatus(t, before),
    ]);

    // Assess: v2 is current; the new project follows it, the running one stays on v1
    expect(published).toMatchObject({ code: 0, stderr: '' });
    expect(published.stdout).toContain('Published standard v2 (draft revision 3).');
    expect(published.stdout).toContain('What changed: 3 changes');
    expect(json(list).definitions).toContainEqual(expect.objectContaining({ id: 'standard', current: 2 }));
    expect(show.stdout).toMatch(/^standard v2 "Standard project lifecycle", published .* by /);
    expect(show.stdout).toMatch(/2 +business-case +Go to development .* quorum 1/);
    expect(afterStatus.definition).toMatchObject({ id: 'standard', version: 2 });
    expect(beforeStatus.definition).toMatchObject({ id: 'standard', version: 1 });

    // Act: which running projects a migration would move (a dry run writes nothing); beside it,
    // a new process drafted and published from its file in one go
    const small = join(dir, 'small.yaml');
    writeFileSync(small, standardV2(1).replace('id: standard\nversion: 2', 'id: small-projects\nversion: 1'));
    const migration = ['defs', 'migrate', 'standard', '--from', '1', '--to', '2', '--dry-run'];
    const [migrate, migrateJson, once] = await Promise.all([
      tollgate([...migration, '--reason', 'try it', ...admin()]),
      tollgate([...migration, '--reason', 'try it', '--project', before, '--json', ...admin()]),
      tollgate(['defs', 'publish', small, '--reason', 'a lighter process', ...admin()]),
    ]);
    const smallShow = await tollgate([
      'defs',
      'show',
      'small-projects',
      '--version',
      '1',
      '--yaml',
      ...admin(),
    ]);
    writeFileSync(join(dir, 'shown.yaml'), smallShow.stdout);
    const shownValid = await tollgate(['defs', 'validate', join(dir, 'shown.yaml')]);

    // Assess: only the project on v1 is listed, and it stays there; the new process is published
    // and shows as a file that validates
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(new RegExp(`^${before} +${BEFORE} +in-review +would migrate$`, 'm'));
    expect(migrate.stdout).toContain('1 project would move, 0 refused. Nothing was written.');
    expect(json(migrateJson)).toMatchObject({
      dryRun: true,
      projects: [{ projectId: before, from: 1, to: 2, migrated: false }],
    });
    expect((await projectStatus(t, before)).definition.version).toBe(1);
    expect(await trailActions(t, before)).not.toContain('project.migrated');
    expect(once).toMatchObject({ code: 0, stderr: '' });
    expect(once.stdout).toContain('Published small-projects v1 (draft revision 1).');
    expect(smallShow.stdout).toMatch(/^id: small-projects\nversion: 1\nname: /);
    expect(shownValid).toMatchObject({ code: 0 });
  });
});

describe('tollgate pending and actions on a review in flight', () => {
  it('lists what is pending, reminds the approver, extends the deadline, holds, resumes and cancels the project', async () => {
    // Prepare
    const title = 'Acted on from the command line';
    const projectId = await propose(t, title);
    await until(t, projectId, (s) => s.status === 'in-review', 'its first gate open');
    await t.mailTo(people.sponsor.email, 1, title);

    // Act
    const [pending, table] = await Promise.all([
      tollgate(['pending', '--json', '--approver', people.sponsor.email, ...admin()]),
      tollgate(['pending', '--gate', 'scoping', '--all', ...admin()]),
    ]);
    const item = json(pending).items.find((i: { projectId: string }) => i.projectId === projectId);
    const sequence = String(item?.gate?.sequence);
    const remind = await tollgate([
      'remind',
      projectId,
      sequence,
      '--reason',
      'steering committee tomorrow',
      ...admin(),
    ]);
    const extend = await tollgate([
      'extend',
      projectId,
      sequence,
      '--by',
      '48h',
      '--reason',
      'board moved',
      ...admin(),
    ]);
    const extended = await projectStatus(t, projectId);
    const hold = await tollgate(['hold', projectId, '--reason', 'budget freeze', ...admin()]);
    const held = await projectStatus(t, projectId);
    const resume = await tollgate(['resume', projectId, '--reason', 'budget released', '--json', ...admin()]);
    const cancel = await tollgate(['cancel', projectId, '--reason', 'superseded', ...admin()]);
    const again = await tollgate(['hold', projectId, '--reason', 'too late', ...admin()]);

    // Assess: the listing's shape; a second mail to the sponsor; on hold, then in review again
    expect(pending.code).toBe(0);
    expect(item).toMatchObject({
      projectId,
      title,
      status: 'in-review',
      definition: { id: 'standard' },
      since: expect.any(String),
      ageHours: expect.any(Number),
      gate: {
        sequence: expect.any(Number),
        gateId: 'scoping',
        dueAt: expect.any(String),
        overdue: false,
        sla: 'on-track',
        approvers: [expect.objectContaining({ email: people.sponsor.email, status: 'pending' })],
      },
    });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^PROJECT +TITLE +STATUS +GATE +WAITING ON +DUE +SLA +AGE$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${projectId} +${title} +in-review +${sequence} scoping +${people.sponsor.email} +`, 'm'),
    );
    expect(remind).toMatchObject({ code: 0, stderr: '' });
    expect(remind.stdout).toBe(`Reminded ${people.sponsor.email} about gate ${sequence} of ${projectId}.\n`);
    await t.mailTo(people.sponsor.email, 2, title);
    const dueAt = Date.parse(item.gate.dueAt);
    const gate = extended.gates.find((g: { sequence: number }) => String(g.sequence) === sequence);
    expect(extend.code).toBe(0);
    expect(Date.parse(gate.dueAt) - dueAt).toBe(48 * 3_600_000);
    expect(extend.stdout).toContain(`Moved the deadline of gate ${sequence} of ${projectId} from `);
    expect(hold).toMatchObject({ code: 0, stdout: `Put ${projectId} on hold.\n` });
    expect(held.status).toBe('on-hold');
    expect(resume.code).toBe(0);
    expect(json(resume)).toMatchObject({ status: 'in-review' });
    expect(cancel).toMatchObject({ code: 0, stdout: `Cancelled ${projectId}.\n` });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('answered 409');
    expect(await trailActions(t, projectId)).toEqual(
      expect.arrayContaining([
        'gate.reminded',
        'gate.extended',
        'project.held',
        'project.resumed',
        'project.cancelled',
      ]),
    );
  });
});

describe('tollgate people', () => {
  it('adds a person, marks someone away with them as delegate and back, listing the directory', async () => {
    // Prepare
    const ada = 'ada.architect@example.com';
    const today = t.clock.now().toISOString().slice(0, 10);
    const nextWeek = new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString().slice(0, 10);

    // Act
    const add = await tollgate([
      'people',
      'add',
      ada,
      '--name',
      'Ada Architect',
      '--role',
      'approver',
      '--reason',
      'new architect',
      ...admin(),
    ]);
    const away = await tollgate([
      'people',
      'away',
      people.finance.email,
      '--from',
      today,
      '--until',
      nextWeek,
      '--delegate',
      ada,
      '--reason',
      'summer leave',
      ...admin(),
    ]);
    const listAway = await tollgate(['people', 'list', '--all', ...admin()]);
    const back = await tollgate([
      'people',
      'back',
      people.finance.email,
      '--reason',
      'back early',
      ...admin(),
    ]);
    const listBack = await tollgate(['people', 'list', '--json', ...admin()]);

    // Assess
    expect(add).toMatchObject({ code: 0, stdout: `${ada} (Ada Architect): approver.\n` });
    expect(away.code).toBe(0);
    expect(away.stdout).toContain(`is away from ${today} to ${nextWeek}; ${ada} decides for them.`);
    expect(listAway.code).toBe(0);
    expect(listAway.stdout).toMatch(/^EMAIL +NAME +ROLES +AWAY$/m);
    expect(listAway.stdout).toMatch(
      new RegExp(`${people.finance.email} +Fay Finance +.*${today} to ${nextWeek}, delegate ${ada}`),
    );
    expect(back).toMatchObject({ code: 0 });
    const entries = json(listBack).people as { email: string; away?: unknown; roles: string[] }[];
    expect(entries.find((p) => p.email === ada)).toMatchObject({ roles: ['approver'] });
    expect(entries.find((p) => p.email === people.finance.email)?.away).toBeUndefined();
  });
});

describe('tollgate exit codes and help', () => {
  it('exits 1 on a refusal (403), 2 on a usage error, 3 when the API is not there; --help of each command exits 0', async () => {
    // Prepare: the launcher by a symlink in another folder, as npm links a bin
    const bin = join(dir, 'tollgate');
    symlinkSync(join(ROOT, 'cli/bin.mjs'), bin);
    const requester = await t.runtime.issuer.sign(people.requester);
    const commands = [
      [],
      ['defs'],
      ['defs', 'list'],
      ['defs', 'show'],
      ['defs', 'diff'],
      ['defs', 'dry-run'],
      ['defs', 'draft'],
      ['defs', 'publish'],
      ['defs', 'migrate'],
      ['pending'],
      ['remind'],
      ['reassign'],
      ['extend'],
      ['hold'],
      ['resume'],
      ['cancel'],
      ['people'],
      ['people', 'list'],
      ['people', 'add'],
      ['people', 'away'],
      ['people', 'back'],
    ];

    // Act
    const [forbidden, unknownFlag, noReason, unreachable, legacy, ...helps] = await Promise.all([
      tollgate(['defs', 'list', '--url', t.runtime.appUrl, '--token', requester]),
      tollgate(['pending', '--bogus']),
      tollgate(['hold', 'some-project', ...admin()]),
      tollgate(['pending', '--url', 'http://127.0.0.1:9', '--token', requester, '--json']),
      tollgate(['publish-definition', 'definitions/standard.yaml', '--table', 'main']),
      ...commands.map((c) => tollgate([...c, '--help'], { cwd: dir, bin })),
    ]);

    // Assess
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/definitions answered 403: this needs /);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--bogus'");
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
    expect(unreachable.code).toBe(3);
    expect(json(unreachable)).toMatchObject({ ok: false, exitCode: 3 });
    expect(unreachable.stderr).toContain('cannot reach http://127.0.0.1:9');
    expect(legacy.code).toBe(2);
    expect(legacy.stderr).toContain('tollgate defs publish <file> --reason');
    for (const [i, help] of helps.entries()) {
      expect({ command: commands[i], code: help.code }).toEqual({ command: commands[i], code: 0 });
      expect(help.stdout).toContain('Usage: tollgate');
    }
    const groups = new Set(['', 'defs', 'people']);
    const leaves = helps.filter((_, i) => !groups.has((commands[i] ?? []).join(' ')));
    expect(leaves.filter((h) => !h.stdout.includes('Examples:'))).toEqual([]);
  });
});
