import {
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionNames } from '../../functions/usecases/ports.ts';
import { localMachineArn } from '../../infra/local/asl.ts';
import {
  decideAs,
  decideWithLostResume,
  eventually,
  linkFor,
  process,
  projectStatus,
  propose,
  publish,
  submitStage,
  trail,
  trailActions,
  until,
} from '../support/flows.ts';
import {
  criteriaMet,
  people,
  shownPackageHash,
  startTestRuntime,
  stepFunctionsClient,
  type TestRuntime,
} from '../support/runtime.ts';

let t: TestRuntime;
let sfn: SFNClient;

/** Long stages and long SLAs: a project that lives for years. */
const LONG = process('long', (d) => {
  for (const gate of d.gates) gate.sla = { decideWithinHours: 30 * 24, atDeadline: 'hold' };
});

beforeAll(async () => {
  t = await startTestRuntime();
  await publish(t, LONG);
  sfn = stepFunctionsClient(t);
});
afterAll(async () => {
  sfn?.destroy();
  await t?.stop();
});

async function executions(workflow: 'gate-review' | 'close-out' | 'intake', projectId: string) {
  const out = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: localMachineArn(workflow), maxResults: 1000 }),
  );
  return (out.executions ?? []).filter((e) => e.name?.includes(projectId));
}

/** Retries an assertion while the workflow finishes its last steps. */

describe('deadlines that act', () => {
  it('reminds with a fresh link, escalates once, and takes the deadline outcome at the SLA', async () => {
    // Prepare: gate 1 reminds after 24 h, escalates after 48 h, is due after 72 h (Hold)
    const title = 'Slow sponsor';
    const projectId = await propose(t, title);
    const first = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');

    // Act: a day passes
    t.clock.advanceHours(25);
    const day1 = await t.runtime.sweep();
    const reminded = await t.mailTo(people.sponsor.email, 1, `Reminder: Decision needed: ${title}`);

    // Assess: a reminder with a fresh link; the first link stops working
    expect(day1.reminders).toBe(1);
    expect((await fetch(first)).status).toBe(410);
    expect((await fetch(await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3', 2))).status).toBe(200);
    expect(reminded[0]?.body.text).toContain('no longer works');

    // Act: another day; then the deadline
    t.clock.advanceHours(24);
    const day2 = await t.runtime.sweep();
    const day2again = await t.runtime.sweep();
    t.clock.advanceHours(24);
    const day3 = await t.runtime.sweep();

    // Assess: the escalation contact told once; the deadline outcome taken as a system decision
    expect(day2).toMatchObject({ reminders: 1, escalations: 1 });
    expect(day2again).toMatchObject({ reminders: 0, escalations: 0 });
    await t.mailTo(people.pmoAdmin.email, 1, `Escalation: ${title}`);
    expect(day3.deadlines).toBe(1);
    const held = await until(t, projectId, (s) => s.status === 'on-hold', 'on hold at the deadline');
    expect(held.hold).toMatchObject({
      cause: 'deadline',
      resumeTo: { route: 'open-gate', gateId: 'scoping' },
    });
    expect(held.gates[0]).toMatchObject({ status: 'expired', outcome: 'hold', decidedBy: 'deadline' });
    await t.mailTo(people.pmoAdmin.email, 1, `On hold: ${title}`);
    const expired = (await trail(t, projectId)).find((e) => e.action === 'gate.expired');
    expect(expired?.actor).toEqual({ type: 'system', id: 'sweeper' });
    const actions = await trailActions(t, projectId);
    expect(actions.filter((a) => a === 'request.reminded')).toHaveLength(2);
    expect(actions.filter((a) => a === 'gate.escalated')).toHaveLength(1);
    // Nothing more to do for this gate.
    const later = await t.runtime.sweep();
    expect(later).toMatchObject({ reminders: 0, escalations: 0, deadlines: 0 });
  });
});

describe('repairs by the sweeper', () => {
  it('resumes a decision whose resume was lost', async () => {
    // Prepare: the decision is committed, but the resume never reaches the workflow
    const title = 'Lost resume';
    const projectId = await propose(t, title);
    const link = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    await decideWithLostResume(t, link);
    const stuck = await projectStatus(t, projectId);

    // Act
    t.clock.advance(3 * 60_000);
    const report = await t.runtime.sweep();

    // Assess
    expect(stuck.status).toBe('in-review');
    expect(report.resumed).toBe(1);
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    expect((await t.repository.getGate(projectId, 1))?.appliedAt).toEqual(expect.any(String));
  });

  it('follows a decision itself when its workflow is gone, and starts what it owes', async () => {
    // Prepare: gate 2 decided after its execution was stopped (so the resume has nowhere to go)
    const title = 'Gone workflow';
    const projectId = await propose(t, title, { processId: 'long' });
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await submitStage(t, projectId);
    const [sponsorLink, financeLink] = [
      await linkFor(t, people.sponsor.email, title, 'Gate 2 of 3'),
      await linkFor(t, people.finance.email, title, 'Gate 2 of 3'),
    ];
    const [execution] = (await executions('gate-review', projectId)).filter((e) => e.status === 'RUNNING');
    await sfn.send(new StopExecutionCommand({ executionArn: execution?.executionArn }));
    await t.decide(sponsorLink, { outcome: 'go' });
    await t.decide(financeLink, { outcome: 'go' });

    // Act
    t.clock.advance(3 * 60_000);
    const report = await t.runtime.sweep();

    // Assess
    expect(report.repaired).toBe(1);
    expect(await projectStatus(t, projectId)).toMatchObject({
      status: 'in-stage',
      stage: { gateId: 'launch' },
    });
  });

  it('sends an approval mail that failed, once SES takes mail again; the review never stops', async () => {
    // Prepare: SES is down when the gate opens
    t.runtime.faults.setMailDown(true);
    const title = 'Mail outage';
    let opened: Awaited<ReturnType<typeof until>>;
    let projectId: string;
    try {
      projectId = await propose(t, title);
      opened = await until(t, projectId, (s) => s.currentGate?.status === 'open', 'gate 1 open');
      await new Promise((r) => setTimeout(r, 1500)); // the SDK's own retries run out
    } finally {
      // Act
      t.runtime.faults.setMailDown(false);
    }
    t.clock.advance(5 * 60_000);
    const report = await t.runtime.sweep();

    // Assess
    expect(opened.currentGate.approvers[0].mailedAt).toBeUndefined();
    expect(report.sent).toBe(1);
    await t.mailTo(people.sponsor.email, 1, `${title} — Gate 1 of 3`);
    const actions = await trailActions(t, projectId);
    expect(actions.filter((a) => a === 'mail.sent')).toHaveLength(1);
    expect((await projectStatus(t, projectId)).currentGate.approvers[0].mailedAt).toEqual(expect.any(String));
  });
});

describe('a project that lives for years', () => {
  it('never keeps an execution through a stage or a hold: three simulated years, one short execution per gate', async () => {
    // Prepare
    const title = 'Three-year programme';
    const projectId = await propose(t, title, { processId: 'long' });
    const runningFor = async () =>
      [...(await executions('gate-review', projectId)), ...(await executions('close-out', projectId))].filter(
        (e) => e.status === 'RUNNING',
      );

    // Act: gate 1 after 20 days; stage 2 for 300 days; gate 2 after 25 days; stage 3 for 400 days;
    // gate 3 put on hold; 350 days on hold; resumed; gate 3 again; close-out signed after 10 days
    t.clock.advanceDays(20);
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'stage 2');
    const inStage2 = await runningFor();
    t.clock.advanceDays(300);
    await submitStage(t, projectId);
    t.clock.advanceDays(25);
    await decideAs(t, people.sponsor.email, title, 'Gate 2 of 3', { outcome: 'go' });
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'stage 3');
    t.clock.advanceDays(400);
    await submitStage(t, projectId);
    await decideAs(t, people.operations.email, title, 'Gate 3 of 3', {
      outcome: 'hold',
      comment: 'Wait for the new fiscal year.',
    });
    await until(t, projectId, (s) => s.status === 'on-hold', 'on hold');
    const onHold = await runningFor();
    t.clock.advanceDays(350);
    await t.api('POST', `/projects/${projectId}/resume`, {
      as: people.pmoAdmin,
      body: { reason: 'New fiscal year.' },
    });
    await decideAs(t, people.sponsor.email, title, 'Gate 3 of 3', { outcome: 'go' }, 2);
    await decideAs(t, people.operations.email, title, 'Gate 3 of 3', { outcome: 'go' }, 2);
    await until(t, projectId, (s) => s.status === 'closing', 'closing');
    t.clock.advanceDays(10);
    const signOff = await linkFor(t, people.sponsor.email, title, 'Close-out sign-off');
    await t.decide(signOff, { outcome: 'go', 'check-0': 'yes', 'check-1': 'yes', 'check-2': 'yes' });
    const closed = await until(t, projectId, (s) => s.status === 'closed' && s.sealedAt, 'closed and sealed');

    // Assess: over three years in all, with nothing running while the project worked or waited
    const lifetimeDays = (Date.parse(closed.closedAt) - Date.parse(closed.submittedAt)) / 86_400_000;
    expect(lifetimeDays).toBeGreaterThan(3 * 365);
    expect(inStage2).toEqual([]);
    expect(onHold).toEqual([]);
    // One execution per gate instance (four: gates 1, 2, 3 and 3 again) and one close-out, all done.
    const reviews = await executions('gate-review', projectId);
    expect(reviews.map((e) => e.name).sort()).toEqual(
      [1, 2, 3, 4].map((sequence) =>
        executionNames.gateReview({ projectId, gate: { gateId: '', sequence } }),
      ),
    );
    expect(reviews.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    await eventually(async () =>
      expect((await executions('close-out', projectId)).map((e) => e.status)).toEqual(['SUCCEEDED']),
    );
    // Each gate instance was open no longer than its SLA: the longest execution covered one review.
    for (const gate of closed.gates) {
      expect(Date.parse(gate.decidedAt) - Date.parse(gate.openedAt)).toBeLessThan(31 * 86_400_000);
    }
  });
});

describe('the workflow routes only on what DynamoDB recorded', () => {
  it('ignores a forged resume: the gate stays open, waits again, and the real decision still counts', async () => {
    // Prepare: gate 1 open, its task token taken from the table (as an insider with table access might)
    const title = 'Forged resume';
    const projectId = await propose(t, title);
    const link = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    const token = (await t.repository.readTaskToken(projectId, 1)) as string;

    // Act: resume the wait with a payload that claims a Kill and a close-out
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({
          route: 'close-out',
          next: { route: 'close-out', reason: 'killed' },
          outcome: 'kill',
        }),
      }),
    );
    await eventually(async () => expect(await t.repository.readTaskToken(projectId, 1)).not.toBe(token));
    const after = await projectStatus(t, projectId);
    await t.decide(link, { outcome: 'go' });

    // Assess: the forged payload moved nothing; the gate waited again with a fresh token
    expect(after).toMatchObject({ status: 'in-review', currentGate: { status: 'open' } });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2 on the real decision');
    const actions = await trailActions(t, projectId);
    expect(actions.filter((a) => a === 'gate.followed')).toHaveLength(1);
    expect(actions).not.toContain('close-out.started');
  });
});

describe('what a sponsor cannot do', () => {
  it('answers a vote on a decided gate with 410 and a Recycle to a later gate with 400', async () => {
    // Prepare
    const title = 'Bad votes';
    const projectId = await propose(t, title);
    const link = await linkFor(t, people.sponsor.email, title, 'Gate 1 of 3');
    const page = await (await fetch(link)).text();

    // Act
    const forward = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...criteriaMet(page, false),
        outcome: 'recycle',
        recycleTo: 'launch',
        comment: 'Skip ahead',
        packageHash: shownPackageHash(page),
      }).toString(),
    });
    await t.decide(link, { outcome: 'go' });
    const late = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...criteriaMet(page),
        outcome: 'go',
        packageHash: shownPackageHash(page),
      }).toString(),
    });

    // Assess
    expect(forward.status).toBe(400);
    expect(await forward.text()).toContain('Recycle needs this gate or an earlier one');
    expect(late.status).toBe(410);
    expect((await t.repository.listVotes(projectId, 1)).map((v) => v.decision.outcome)).toEqual(['go']);
  });
});
