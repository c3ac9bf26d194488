import { afterEach, describe, expect, it } from 'vitest';
import {
  decideAs,
  decideWithLostResume,
  linkFor,
  propose,
  submitStage,
  trailActions,
  until,
} from '../support/flows.ts';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let t: TestRuntime | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** Stops the runtime, keeping its data, and starts a new one on it. */
async function restart(current: TestRuntime): Promise<TestRuntime> {
  const dataDir = current.dataDir;
  await current.stop({ keepData: true });
  return startTestRuntime(dataDir);
}

describe('a restart keeps everything', () => {
  it('mid-review: a waiting gate keeps waiting, its e-mailed link still works and the decision moves on', async () => {
    // Prepare: a project waiting on gate 1, then a clean stop
    t = await startTestRuntime();
    const { projectId, link } = await t.submit('Restart project');
    // Stop once the mail is recorded as sent (a stop between SES and that record sends it again).
    await until(t, projectId, (s) => Boolean(s.currentGate?.approvers[0]?.mailedAt), 'its mail recorded');

    // Act: start again on the same data and decide from the old link
    t = await restart(t);
    const here = link.replace(/^http:\/\/[^/]+/, t.runtime.appUrl);
    const page = await fetch(here);
    const { response: decided } = await t.decide(here, { outcome: 'go' });

    // Assess
    expect(t.runtime.resumed).toBeGreaterThanOrEqual(1);
    expect(page.status).toBe(200);
    expect(decided.status).toBe(200);
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    const outbox = await t.runtime.outbox();
    expect(outbox.filter((m) => m.subject.includes('Restart project')).map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Decision needed: .*Gate 1 of 3/),
      expect.stringMatching(/^Receipt: .*Gate 1 of 3/),
    ]);
    expect(await trailActions(t, projectId)).toEqual([
      'proposal.submitted',
      'gate.opened',
      'mail.sent',
      'decision.recorded',
      'gate.decided',
      'mail.sent',
      'gate.followed',
      'stage.entered',
    ]);
  });

  it('mid-stage: a project working on a stage needs no execution, and its submission opens the gate after a restart', async () => {
    // Prepare: a project in stage 2
    t = await startTestRuntime();
    const title = 'Restart in a stage';
    const projectId = await propose(t, title);
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');

    // Act
    t = await restart(t);
    const submitted = await submitStage(t, projectId);
    await decideAs(t, people.sponsor.email, title, 'Gate 2 of 3', { outcome: 'go' });
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', { outcome: 'go' });

    // Assess
    expect(t.runtime.resumed).toBe(0);
    expect(submitted.status).toBe(202);
    await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into stage 3');
  });
});

describe('a crash between the decision and the resume', () => {
  it('is repaired: the committed decision reaches the waiting workflow when it is redelivered', async () => {
    // Prepare: a waiting gate, and a decision committed whose resume never arrives (as if the
    // process died right after the transaction)
    t = await startTestRuntime();
    const title = 'Crash project';
    const projectId = await propose(t, title);
    const link = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    await decideWithLostResume(t, link);
    expect((await t.repository.getGate(projectId, 1))?.status).toBe('decided');
    expect((await t.repository.getGate(projectId, 1))?.appliedAt).toBeUndefined();

    // Act: the runtime comes back and redelivers the wait
    t = await restart(t);

    // Assess: the project moves on without anyone deciding again
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    expect((await t.repository.getGate(projectId, 1))?.appliedAt).toEqual(expect.any(String));
    expect((await t.repository.listVotes(projectId, 1)).length).toBe(1);
  });
});
