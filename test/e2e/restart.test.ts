import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let t: TestRuntime | undefined;
afterAll(async () => {
  await t?.stop();
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
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 0 });
  });
});
