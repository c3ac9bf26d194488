import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decisionLink,
  form,
  people,
  proposal,
  shownPackageHash,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.ts';

let t: TestRuntime | undefined;
afterAll(async () => {
  await t?.stop();
});

describe('a restart keeps everything', () => {
  it('keeps a waiting gate waiting: its e-mailed link still works after a restart and the decision moves on', async () => {
    // Prepare: a project waiting on gate 1, then a clean stop
    t = await startTestRuntime();
    const submitted = await t.api('POST', '/proposals', {
      as: people.requester,
      body: proposal({ title: 'Restart project' }),
    });
    const { projectId } = (await submitted.json()) as { projectId: string };
    const [mail] = await t.mailTo(people.sponsor.email, 1, 'Restart project — Gate 1 of 3');
    const link = decisionLink(mail as NonNullable<typeof mail>);
    const dataDir = t.dataDir;
    await t.stop({ keepData: true });
    t = undefined;

    // Act: start again on the same data and decide from the old link
    t = await startTestRuntime(dataDir);
    const page = await fetch(link.replace(/^http:\/\/[^/]+/, t.runtime.appUrl));
    const html = await page.text();
    const decided = await fetch(link.replace(/^http:\/\/[^/]+/, t.runtime.appUrl), {
      method: 'POST',
      ...form({ outcome: 'go', packageHash: shownPackageHash(html) }),
    });

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
