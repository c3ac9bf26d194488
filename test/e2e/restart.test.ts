import { afterEach, describe, expect, it } from 'vitest';
import { decide } from '../../functions/usecases/decisions.ts';
import { people, shownPackageHash, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let t: TestRuntime | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('a restart keeps everything', () => {
  it('keeps a waiting gate waiting: its e-mailed link still works after a restart and the decision moves on', async () => {
    // Prepare: a project waiting on gate 1, then a clean stop
    t = await startTestRuntime();
    const { projectId, link } = await t.submit('Restart project');
    const dataDir = t.dataDir;
    await t.stop({ keepData: true });
    t = undefined;

    // Act: start again on the same data and decide from the old link
    t = await startTestRuntime(dataDir);
    const here = link.replace(/^http:\/\/[^/]+/, t.runtime.appUrl);
    const page = await fetch(here);
    const { response: decided } = await t.decide(here, { outcome: 'go' });

    // Assess
    expect(t.runtime.resumed).toBeGreaterThanOrEqual(1);
    expect(page.status).toBe(200);
    expect(decided.status).toBe(200);
    await t.mailTo(people.sponsor.email, 1, 'Restart project — Gate 2 of 3');
    const status = await (await t.api('GET', `/projects/${projectId}`, { as: people.requester })).json();
    expect(status).toMatchObject({ currentGate: { gateId: 'business-case', sequence: 2, status: 'open' } });
    const outbox = await t.runtime.outbox();
    expect(outbox.filter((m) => m.subject.includes('Restart project')).map((m) => m.subject)).toEqual([
      expect.stringContaining('Gate 1 of 3'),
      expect.stringContaining('Gate 2 of 3'),
    ]);
    expect((await t.repository.listTrail(projectId)).map((e) => e.action)).toEqual([
      'proposal.submitted',
      'gate.opened',
      'decision.recorded',
      'gate.opened',
    ]);
  });
});

describe('a crash between the decision and the resume', () => {
  it('is repaired: the committed decision reaches the waiting workflow when it is redelivered', async () => {
    // Prepare: a waiting gate, and a decision committed whose resume never arrives (as if the
    // process died right after the transaction)
    t = await startTestRuntime();
    const { projectId, link } = await t.submit('Crash project');
    const page = await (await fetch(link)).text();
    const secret = new URL(link).pathname.split('/').pop() as string;
    const lostResume = {
      resumeGate: async () => {
        throw new Error('process died before SendTaskSuccess');
      },
      startIntake: async () => undefined,
    };
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    await decide(
      {
        repository: t.repository,
        workflow: lostResume,
        mailer: { send: async () => undefined },
        clock: { now: () => new Date() },
        settings: { appUrl: t.runtime.appUrl, linkMaxAgeHours: 24 },
        log: quiet,
      },
      {
        secret,
        body: { outcome: 'go', packageHash: shownPackageHash(page) },
        source: { ip: '127.0.0.1', userAgent: 'test' },
      },
    );
    expect((await t.repository.getGate(projectId, 1))?.status).toBe('decided');
    expect((await t.repository.getGate(projectId, 1))?.resumedAt).toBeUndefined();
    const dataDir = t.dataDir;
    await t.stop({ keepData: true });
    t = undefined;

    // Act: the runtime comes back and redelivers the wait
    t = await startTestRuntime(dataDir);

    // Assess: gate 2 opens without anyone deciding again
    await t.mailTo(people.sponsor.email, 1, 'Crash project — Gate 2 of 3');
    expect((await t.repository.getGate(projectId, 1))?.resumedAt).toEqual(expect.any(String));
    expect((await t.repository.listVotes(projectId, 1)).length).toBe(1);
  });
});
