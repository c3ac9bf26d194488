import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESUME_GRACE_MS } from '../../functions/domain/agenda.ts';
import { executionNames } from '../../functions/usecases/ports.ts';
import { START_GRACE_MS } from '../../functions/usecases/transitions.ts';
import { localMachineArn } from '../../infra/local/asl.ts';
import { LocalStepFunctions } from '../../infra/local/stepfunctions.ts';
import { linkFor, process, propose, publish, trailActions, until } from '../support/flows.ts';
import {
  criteriaMet,
  form,
  people,
  shownPackageHash,
  startTestRuntime,
  stepFunctionsClient,
  type TestRuntime,
} from '../support/runtime.ts';

let t: TestRuntime;
let sfn: SFNClient;

/** Gate 1 asks sponsor, finance and operations at once; all three must approve. */
const BOARD = process('board', (d) => {
  const [scoping] = d.gates;
  if (scoping)
    scoping.approvers = [
      { role: 'sponsor' },
      { email: people.finance.email },
      { email: people.operations.email },
    ];
});
const BOARD_MEMBERS = [people.sponsor.email, people.finance.email, people.operations.email];

/** Gate 1 asks eight people at once, all of whom must approve: more than a vote's plain retries. */
const COUNCIL_MEMBERS = Array.from({ length: 8 }, (_, i) => `member${i + 1}@example.com`);
const COUNCIL = process('council', (d) => {
  const [scoping] = d.gates;
  if (scoping) scoping.approvers = COUNCIL_MEMBERS.map((email) => ({ email }));
});

/**
 * Every call that reaches the local Step Functions endpoint, and whether it was answered. While
 * `refusing` names an operation, the endpoint fails it as a call lost on its way would end (an
 * internal error: the SDK retries, then gives up), so the process that made it moves on as if
 * it had died right after its own write.
 */
const endpoint = {
  calls: [] as { operation: string; answered: boolean }[],
  refusing: undefined as string | undefined,
  answered(operation: string): number {
    return this.calls.filter((c) => c.operation === operation && c.answered).length;
  },
  refused(operation: string): number {
    return this.calls.filter((c) => c.operation === operation && !c.answered).length;
  },
};
const serve = LocalStepFunctions.prototype.handle;

beforeAll(async () => {
  LocalStepFunctions.prototype.handle = async function (operation, body) {
    if (endpoint.refusing === operation) {
      endpoint.calls.push({ operation, answered: false });
      throw new Error('injected fault: lost on its way to Step Functions');
    }
    const out = await serve.call(this, operation, body);
    endpoint.calls.push({ operation, answered: true });
    return out;
  };
  t = await startTestRuntime();
  await publish(t, BOARD);
  await publish(t, COUNCIL);
  sfn = stepFunctionsClient(t);
});
afterAll(async () => {
  LocalStepFunctions.prototype.handle = serve;
  sfn?.destroy();
  await t?.stop();
});

/** The form a browser posts from `page`: Go, every criterion met, the package hash it showed. */
const goForm = (page: string) =>
  form({ ...criteriaMet(page), packageHash: shownPackageHash(page), outcome: 'go' });

async function postTogether(targets: { link: string; page: string }[]) {
  const responses = await Promise.all(
    targets.map(({ link, page }) => fetch(link, { method: 'POST', ...goForm(page) })),
  );
  return Promise.all(responses.map(async (r) => ({ status: r.status, page: await r.text() })));
}

/** The history of the gate review execution of gate instance `sequence`. */
async function gateReviewHistory(projectId: string, sequence = 1): Promise<HistoryEvent[]> {
  const name = executionNames.gateReview({ projectId, gate: { gateId: 'scoping', sequence } });
  const executionArn = `${localMachineArn('gate-review').replace(':stateMachine:', ':execution:')}:${name}`;
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events;
}

/** ApplyDecision steps that followed a decision (rather than finding the gate still open and waiting again). */
function decisionsFollowed(history: HistoryEvent[]): number {
  return history.filter((e) => {
    const exited = e.stateExitedEventDetails;
    if (e.type !== 'TaskStateExited' || exited?.name !== 'ApplyDecision') return false;
    return (JSON.parse(exited.output ?? '{}') as { next?: { route?: string } }).next?.route !== 'wait';
  }).length;
}

const failures = (history: HistoryEvent[]) =>
  history.filter((e) => e.type === 'TaskFailed' || e.type === 'ExecutionFailed').length;
const count = (values: readonly string[], value: string) => values.filter((v) => v === value).length;
/** Room for a second resume or follow-up to show, were there one. */
const quiet = () => new Promise((r) => setTimeout(r, 300));

/** A refused post says what happened and what to do, as a page, never an internal error. */
function expectClearRefusal(answer: { status: number; page: string }): void {
  expect([409, 410]).toContain(answer.status);
  expect(answer.page).toMatch(
    answer.status === 410 ? /already been used|already been decided/ : /open the page again and decide/,
  );
}

describe('concurrent decisions', () => {
  it('records one decision from 50 concurrent posts of one link and resumes the workflow once', async () => {
    // Prepare
    const { projectId, link } = await t.submit('Fifty clicks');
    const page = await (await fetch(link)).text();
    const resumesBefore = endpoint.answered('SendTaskSuccess');

    // Act
    const answers = await postTogether(Array.from({ length: 50 }, () => ({ link, page })));

    // Assess
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(count(statuses.map(String), '200')).toBe(1);
    expect(answers.find((a) => a.status === 200)?.page).toContain('Decision recorded');
    for (const answer of answers.filter((a) => a.status !== 200)) expectClearRefusal(answer);
    expect(await t.repository.listVotes(projectId, 1)).toHaveLength(1);
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await quiet();
    expect(endpoint.answered('SendTaskSuccess') - resumesBefore).toBe(1);
    const history = await gateReviewHistory(projectId);
    expect(decisionsFollowed(history)).toBe(1);
    expect(failures(history)).toBe(0);
    const actions = await trailActions(t, projectId);
    expect(count(actions, 'decision.recorded')).toBe(1);
    expect(count(actions, 'gate.decided')).toBe(1);
    expect(count(actions, 'gate.followed')).toBe(1);
    expect(count(actions, 'stage.entered')).toBe(1);
  });

  it("records one vote per approver from 50 concurrent posts across a gate's three links and follows it once", async () => {
    // Prepare
    const title = 'Board of three';
    const projectId = await propose(t, title, { processId: 'board' });
    const links = await Promise.all(BOARD_MEMBERS.map((to) => linkFor(t, to, title, 'Gate 1 of 3')));
    const pages = await Promise.all(links.map(async (link) => (await fetch(link)).text()));

    // Act
    const answers = await postTogether(
      Array.from({ length: 50 }, (_, i) => ({ link: links[i % 3] as string, page: pages[i % 3] as string })),
    );

    // Assess
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    for (const answer of answers.filter((a) => a.status !== 200)) expectClearRefusal(answer);
    const votes = await t.repository.listVotes(projectId, 1);
    expect(votes.map((v) => v.approver).sort()).toEqual([...BOARD_MEMBERS].sort());
    // Each vote recorded was answered with its receipt; nobody else was told it counted.
    expect(count(statuses.map(String), '200')).toBe(3);
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await quiet();
    const history = await gateReviewHistory(projectId);
    expect(decisionsFollowed(history)).toBe(1);
    expect(failures(history)).toBe(0);
    const actions = await trailActions(t, projectId);
    expect(count(actions, 'decision.recorded')).toBe(3);
    expect(count(actions, 'gate.decided')).toBe(1);
    expect(count(actions, 'gate.followed')).toBe(1);
    expect(count(actions, 'stage.entered')).toBe(1);
  });

  it('lands every vote when eight approvers post at once, three times each', async () => {
    // Prepare
    const title = 'Council of eight';
    const projectId = await propose(t, title, { processId: 'council' });
    const links = await Promise.all(COUNCIL_MEMBERS.map((to) => linkFor(t, to, title, 'Gate 1 of 3')));
    const pages = await Promise.all(links.map(async (link) => (await fetch(link)).text()));

    // Act
    const answers = await postTogether(
      Array.from({ length: 24 }, (_, i) => ({ link: links[i % 8] as string, page: pages[i % 8] as string })),
    );

    // Assess: each loss to another approver's vote was looked at again, never answered "busy"
    const statuses = answers.map((a) => a.status);
    expect(count(statuses.map(String), '200')).toBe(8);
    expect(count(statuses.map(String), '410')).toBe(16);
    const votes = await t.repository.listVotes(projectId, 1);
    expect(votes.map((v) => v.approver).sort()).toEqual([...COUNCIL_MEMBERS].sort());
    await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    await quiet();
    expect(decisionsFollowed(await gateReviewHistory(projectId))).toBe(1);
    expect(count(await trailActions(t, projectId), 'gate.followed')).toBe(1);
  });
});

describe('a crash between the decision and the resume', () => {
  it('keeps the decision, gives the receipt, and the next sweep resumes the workflow exactly once', async () => {
    // Prepare
    const { projectId, link } = await t.submit('Lost resume');
    const page = await (await fetch(link)).text();
    const resumesBefore = endpoint.answered('SendTaskSuccess');
    const lostBefore = endpoint.refused('SendTaskSuccess');

    // Act 1: the decision commits; its SendTaskSuccess never arrives
    endpoint.refusing = 'SendTaskSuccess';
    const [answer] = await postTogether([{ link, page }]).finally(() => {
      endpoint.refusing = undefined;
    });
    await quiet();
    const stranded = await t.repository.getGate(projectId, 1);
    const waiting = (await until(t, projectId, () => true, 'a status')).status;

    // Assess 1
    expect(answer?.status).toBe(200);
    expect(answer?.page).toContain('Decision recorded');
    expect(endpoint.refused('SendTaskSuccess') - lostBefore).toBeGreaterThan(0);
    expect(endpoint.answered('SendTaskSuccess') - resumesBefore).toBe(0);
    expect(stranded).toMatchObject({ status: 'decided', outcome: 'go' });
    expect(stranded?.appliedAt).toBeUndefined();
    expect(waiting).toBe('in-review');

    // Act 2: the sweeper's next run after the grace period, then one more later
    t.clock.advance(RESUME_GRACE_MS + 1_000);
    const repair = await t.runtime.sweep();
    const status = await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
    t.clock.advance(START_GRACE_MS + 1_000);
    const after = await t.runtime.sweep();
    await quiet();

    // Assess 2
    expect(repair).toMatchObject({ resumed: 1, repaired: 0, errors: 0 });
    expect(status.stage).toMatchObject({ gateId: 'business-case' });
    expect(after).toMatchObject({ resumed: 0, repaired: 0, errors: 0 });
    expect(endpoint.answered('SendTaskSuccess') - resumesBefore).toBe(1);
    const history = await gateReviewHistory(projectId);
    expect(decisionsFollowed(history)).toBe(1);
    expect(failures(history)).toBe(0);
    expect(await t.repository.listVotes(projectId, 1)).toHaveLength(1);
    const actions = await trailActions(t, projectId);
    expect(count(actions, 'decision.recorded')).toBe(1);
    expect(count(actions, 'gate.decided')).toBe(1);
    expect(count(actions, 'gate.followed')).toBe(1);
    expect(count(actions, 'stage.entered')).toBe(1);
  });
});
