import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAINS, verifyChain } from '../../functions/domain/trail.ts';
import {
  decideAs,
  extraApprover,
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
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let t: TestRuntime;

/** Gate 2 has three approvers (all must approve), gate 3 two. */
const TRIO = process('trio', (d) => {
  const [, businessCase] = d.gates;
  if (businessCase) businessCase.approvers.push({ email: extraApprover.email });
});

/** Gate 2 asks sponsor, finance and Ada one at a time, in that order. */
const CHAIN = process('chain', (d) => {
  const [, businessCase] = d.gates;
  if (businessCase) {
    businessCase.approvers.push({ email: extraApprover.email });
    businessCase.rule = { kind: 'sequential' };
  }
});

beforeAll(async () => {
  t = await startTestRuntime();
  await publish(t, TRIO);
  await publish(t, CHAIN);
});
afterAll(async () => t?.stop());

const signOff = { outcome: 'go', 'check-0': 'yes', 'check-1': 'yes', 'check-2': 'yes' };

describe('a project through every gate', () => {
  it('goes gate → stage → gate with submissions, two and three approvers, then close-out and a sealed trail', async () => {
    // Prepare: gate 1 opens straight from intake
    const title = 'Full lifecycle';
    const projectId = await propose(t, title, { processId: 'trio' });
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    const stage2 = await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    expect(stage2.stage).toMatchObject({ gateId: 'business-case', position: 2 });

    // Act 1: a submission without the business case is refused, naming it; then the full one
    const missing = await submitStage(t, projectId, people.requester, ['project-plan']);
    const outsider = await submitStage(t, projectId, { ...people.manager });
    const submitted = await submitStage(t, projectId);

    // Assess 1
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      problems: [{ path: 'deliverables', message: '"Business case" (business-case) is required' }],
    });
    expect(outsider.status).toBe(404);
    expect(submitted.status).toBe(202);

    // Act 2: three approvers; the gate waits for all of them
    await decideAs(t, people.sponsor.email, title, 'Gate 2 of 3', { outcome: 'go' });
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', { outcome: 'go' });
    const waiting = await projectStatus(t, projectId);
    await decideAs(t, extraApprover.email, title, 'Gate 2 of 3', { outcome: 'go' });

    // Assess 2
    expect(waiting.status).toBe('in-review');
    expect(waiting.currentGate.approvers.map((a: { status: string }) => a.status).sort()).toEqual([
      'decided',
      'decided',
      'pending',
    ]);
    await until(t, projectId, (s) => s.status === 'in-stage' && s.stage?.gateId === 'launch', 'into stage 3');

    // Act 3: two approvers at the last gate, then the sponsor's sign-off
    expect((await submitStage(t, projectId)).status).toBe(202);
    await decideAs(t, people.operations.email, title, 'Gate 3 of 3', { outcome: 'go' });
    await decideAs(t, people.sponsor.email, title, 'Gate 3 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'closing', 'to close-out');
    const signOffLink = await linkFor(t, people.sponsor.email, title, 'Close-out sign-off');
    const unchecked = await t.decide(signOffLink, { outcome: 'go' });
    const signed = await t.decide(signOffLink, signOff);

    // Assess 3
    expect(unchecked.response.status).toBe(400);
    expect(await unchecked.response.text()).toContain('confirm');
    expect(signed.response.status).toBe(200);
    const closed = await until(t, projectId, (s) => s.status === 'closed' && s.sealedAt, 'closed and sealed');
    expect(closed).toMatchObject({
      closeReason: 'completed',
      signOff: { given: true, by: people.sponsor.email, name: 'Sam Sponsor' },
    });
    await t.mailTo(people.requester.email, 1, `Closed out: ${title}`);
    const entries = await trail(t, projectId);
    const actions = entries.map((e) => e.action);
    expect(actions.filter((a) => a === 'stage.submitted')).toHaveLength(2);
    expect(actions.filter((a) => a === 'decision.recorded')).toHaveLength(7);
    expect(actions.at(-1)).toBe('trail.sealed');
    expect(verifyChain(entries, await t.repository.getTrailHead(CHAINS.project(projectId)))).toMatchObject({
      ok: true,
    });
    expect(await t.repository.getTrailHead(CHAINS.project(projectId))).toMatchObject({ sealed: true });
    // The submitted deliverables are part of what gate 2's approvers signed.
    expect(
      (await t.repository.getGate(projectId, 2))?.package.submission?.deliverables.map((d) => d.id),
    ).toEqual(['business-case', 'project-plan', 'risk-register']);
  });

  it('Kill closes the project out after the sponsor signs it off', async () => {
    // Prepare
    const title = 'Killed at the idea screen';
    const projectId = await propose(t, title);

    // Act
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', {
      outcome: 'kill',
      comment: 'No strategic fit.',
    });
    await until(t, projectId, (s) => s.status === 'closing', 'to close-out');
    await t.decide(await linkFor(t, people.sponsor.email, title, 'Close-out sign-off'), signOff);

    // Assess
    expect(
      await until(t, projectId, (s) => s.status === 'closed' && s.sealedAt, 'closed and sealed'),
    ).toMatchObject({
      closeReason: 'killed',
    });
    expect(await trailActions(t, projectId)).toEqual(
      expect.arrayContaining([
        'gate.decided',
        'gate.followed',
        'close-out.started',
        'project.closed',
        'trail.sealed',
      ]),
    );
  });

  it('skips a gate by its rule, and records the rule', async () => {
    // Prepare: a small, low-risk project skips the business case
    const title = 'Small project';
    const projectId = await propose(t, title, { fields: { estimatedCost: 20000, risk: 'low' } });

    // Act
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });

    // Assess
    const status = await until(t, projectId, (s) => s.status === 'in-stage', 'into a stage');
    expect(status.stage).toMatchObject({ gateId: 'launch' });
    expect(status.skipped).toEqual([
      { gateId: 'business-case', name: 'Go to development', rule: 'estimatedCost < 50000 and risk = "low"' },
    ]);
    const skipped = (await trail(t, projectId)).find((e) => e.action === 'gate.skipped');
    expect(skipped?.detail).toEqual({
      gateId: 'business-case',
      rule: 'estimatedCost < 50000 and risk = "low"',
    });
  });
});

describe('a sequential chain of three approvers', () => {
  it('asks each approver only once the one before has decided, and decides after the last', async () => {
    // Prepare
    const title = 'Chained approvals';
    const projectId = await propose(t, title, { processId: 'chain' });
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await submitStage(t, projectId);

    // Act and assess, one approver at a time
    await decideAs(t, people.sponsor.email, title, 'Gate 2 of 3', { outcome: 'go' });
    expect(await t.mailTo(extraApprover.email, 0, `${title} — Gate 2 of 3`)).toHaveLength(0);
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', { outcome: 'go' });
    const beforeLast = await projectStatus(t, projectId);
    await decideAs(t, extraApprover.email, title, 'Gate 2 of 3', { outcome: 'go' });

    // Assess
    expect(beforeLast).toMatchObject({ status: 'in-review', currentGate: { sequence: 2, status: 'open' } });
    await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into stage 3');
    const mailed = (await trail(t, projectId))
      .filter((e) => e.action === 'mail.sent' && e.subject?.sequence === 2 && e.detail.kind === 'request')
      .map((e) => e.detail.to);
    expect(mailed).toEqual([people.sponsor.email, people.finance.email, extraApprover.email]);
  });
});

describe('Recycle', () => {
  it('goes back to the named stage; its gate reopens as a new instance and earlier votes stay', async () => {
    // Prepare: through gate 1 into gate 2 (sponsor and finance)
    const title = 'Recycled project';
    const projectId = await propose(t, title);
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await submitStage(t, projectId);

    // Act: finance recycles to the business case stage; the second attempt passes
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', {
      outcome: 'recycle',
      recycleTo: 'business-case',
      comment: 'Rework the numbers.',
      'mustMeet-funded': 'yes',
    });
    const back = await until(t, projectId, (s) => s.status === 'in-stage', 'back into stage 2');
    const sponsorLinkGone = (await fetch(await linkFor(t, people.sponsor.email, title, 'Gate 2 of 3')))
      .status;
    expect((await submitStage(t, projectId)).status).toBe(202);
    await decideAs(t, people.sponsor.email, title, 'Gate 2 of 3', { outcome: 'go' }, 2);
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', { outcome: 'go' }, 2);

    // Assess
    expect(back.stage).toMatchObject({ gateId: 'business-case' });
    expect(sponsorLinkGone).toBe(410);
    const after = await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into stage 3');
    expect(after.gates.map((g: { gateId: string; outcome: string }) => [g.gateId, g.outcome])).toEqual([
      ['scoping', 'go'],
      ['business-case', 'recycle'],
      ['business-case', 'go'],
    ]);
    expect((await t.repository.listVotes(projectId, 2)).map((v) => v.decision.outcome)).toEqual(['recycle']);
  });
});

describe('Recycle on a project that skipped a gate', () => {
  it('offers only gates the project went through, and refuses a skipped one by name', async () => {
    // Prepare: a small, low-risk project skips the business case and reaches the launch gate
    const title = 'Small recycled project';
    const projectId = await propose(t, title, { fields: { estimatedCost: 20000, risk: 'low' } });
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into the launch stage');
    expect((await submitStage(t, projectId)).status).toBe(202);
    const link = await linkFor(t, people.operations.email, title, 'Gate 3 of 3');

    // Act: operations tries the skipped gate, then one the project went through
    const skipped = await t.decide(link, {
      outcome: 'recycle',
      recycleTo: 'business-case',
      comment: 'Redo the business case.',
    });
    const skippedBody = await skipped.response.text();
    const scoping = await t.decide(link, {
      outcome: 'recycle',
      recycleTo: 'scoping',
      comment: 'Rescope before launch.',
    });

    // Assess: the page offered scoping and launch, not the skipped business case
    const offered = [...skipped.page.matchAll(/<option value="([a-z0-9-]+)">/g)].map((m) => m[1]);
    expect(offered).toEqual(['scoping', 'launch']);
    expect(skipped.response.status).toBe(400);
    expect(skippedBody).toContain('<strong>recycleTo</strong>');
    expect(scoping.response.status).toBe(200);
    type Decided = { gateId: string; outcome?: string };
    const back = await until(
      t,
      projectId,
      (s) => s.gates.some((g: Decided) => g.gateId === 'launch' && g.outcome === 'recycle'),
      'launch recycled',
    );
    expect(back.gates.slice(0, 2).map((g: Decided) => [g.gateId, g.outcome])).toEqual([
      ['scoping', 'go'],
      ['launch', 'recycle'],
    ]);
  });
});

describe('Conditional Go', () => {
  it('holds the next submission until its condition is met by its owner', async () => {
    // Prepare
    const title = 'Conditional project';
    const projectId = await propose(t, title, { managerEmail: people.manager.email });
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', {
      outcome: 'conditional-go',
      comment: 'Only with a security review.',
      'condition-0': 'Security review signed off',
      'condition-0-due': '2099-01-31',
    });
    const status = await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');

    // Act
    const refused = await submitStage(t, projectId, people.manager);
    const byOther = await t.api('POST', `/projects/${projectId}/conditions/1-1/met`, {
      as: people.requester,
      body: { evidence: 'https://docs.example.com/security-review' },
    });
    const met = await t.api('POST', `/projects/${projectId}/conditions/1-1/met`, {
      as: people.manager,
      body: { evidence: 'https://docs.example.com/security-review', note: 'Signed by the CISO.' },
    });
    const accepted = await submitStage(t, projectId, people.manager);

    // Assess
    expect(status.conditions).toMatchObject([
      { conditionId: '1-1', owner: people.manager.email, state: 'open', due: '2099-01-31' },
    ]);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toContain('Security review signed off');
    expect(byOther.status).toBe(404);
    expect(met.status).toBe(200);
    expect(accepted.status).toBe(202);
    expect(await trailActions(t, projectId)).toEqual(
      expect.arrayContaining(['condition.met', 'stage.submitted']),
    );
  });

  it('puts the project on hold when a condition is missed; the PMO resumes it and waives the condition', async () => {
    // Prepare: a condition due tomorrow
    const title = 'Missed condition project';
    const projectId = await propose(t, title);
    const due = new Date(t.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', {
      outcome: 'conditional-go',
      comment: 'Needs a budget line.',
      'condition-0': 'Budget line approved',
      'condition-0-due': due,
    });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');

    // Act: two days pass; the sweeper runs
    t.clock.advanceDays(2);
    const report = await t.runtime.sweep();
    const held = await projectStatus(t, projectId);
    const resumed = await t.api('POST', `/projects/${projectId}/resume`, {
      as: people.pmoAdmin,
      body: { reason: 'Budget line is on its way.' },
    });
    const stillRefused = await submitStage(t, projectId);
    const waived = await t.api('POST', `/projects/${projectId}/conditions/1-1/waive`, {
      as: people.pmoAdmin,
      body: { reason: 'Covered by the annual budget.' },
    });
    const accepted = await submitStage(t, projectId);

    // Assess
    expect(report.conditionsMissed).toBeGreaterThanOrEqual(1);
    expect(held).toMatchObject({ status: 'on-hold', hold: { cause: 'condition', conditionId: '1-1' } });
    await t.mailTo(people.pmoAdmin.email, 1, `On hold: ${title}`);
    expect(resumed.status).toBe(202);
    expect(stillRefused.status).toBe(409);
    expect(waived.status).toBe(200);
    expect(accepted.status).toBe(202);
    expect(await trailActions(t, projectId)).toEqual(
      expect.arrayContaining(['condition.missed', 'project.on-hold', 'project.resumed', 'condition.waived']),
    );
  });
});

describe('Hold and resume', () => {
  it('parks the project; a PMO admin resumes it with a reason and the held gate reopens as a new instance', async () => {
    // Prepare: gate 2 (sponsor and finance); finance holds
    const title = 'Held project';
    const projectId = await propose(t, title);
    await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await submitStage(t, projectId);
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', {
      outcome: 'hold',
      comment: 'Budget freeze.',
      'mustMeet-funded': 'yes',
    });
    await until(t, projectId, (s) => s.status === 'on-hold', 'on hold');

    // Act
    const byRequester = await t.api('POST', `/projects/${projectId}/resume`, {
      as: people.requester,
      body: { reason: 'Please' },
    });
    const noReason = await t.api('POST', `/projects/${projectId}/resume`, { as: people.pmoAdmin, body: {} });
    const resumed = await t.api('POST', `/projects/${projectId}/resume`, {
      as: people.pmoAdmin,
      body: { reason: 'Freeze lifted.' },
    });
    const again = await t.api('POST', `/projects/${projectId}/resume`, {
      as: people.pmoAdmin,
      body: { reason: 'Twice.' },
    });

    // Assess
    expect(byRequester.status).toBe(403);
    expect(noReason.status).toBe(400);
    expect(resumed.status).toBe(202);
    expect(await resumed.json()).toMatchObject({ status: 'in-review', gateId: 'business-case', sequence: 3 });
    expect(again.status).toBe(409);
    await decideAs(t, people.sponsor.email, title, 'Gate 2 of 3', { outcome: 'go' }, 2);
    await decideAs(t, people.finance.email, title, 'Gate 2 of 3', { outcome: 'go' }, 2);
    await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into stage 3');
    // The reopened instance shows what was submitted for the gate.
    expect((await t.repository.getGate(projectId, 3))?.package.submission?.note).toBe('Ready for review.');
    const refusals = (await trail(t, projectId))
      .filter((e) => e.action === 'request.refused')
      .map((e) => e.detail.status);
    expect(refusals).toEqual([403, 400, 409]);
  });
});
