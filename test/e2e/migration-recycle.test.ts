import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessDefinition } from '../../functions/domain/definition.ts';
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
  until,
} from '../support/flows.ts';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

/*
 * A migration while a gate is open (ADR 0016): the open gate recycles within the version it was
 * opened with, and a project is not moved to a version that lacks a gate it could recycle to.
 */

let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => t?.stop());

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely
type Body = Record<string, any>;

async function migrate(processId: string, projectId: string, dryRun: boolean) {
  const response = await t.api('POST', `/definitions/${processId}/migrations`, {
    as: people.pmoAdmin,
    body: { fromVersion: 1, toVersion: 2, projectIds: [projectId], dryRun, reason: 'Process revision' },
  });
  return { status: response.status, body: (await response.json()) as Body };
}

/** A project of `processId` whose launch gate (gate 3, sponsor and operations) is open. */
async function atLaunch(processId: string, title: string): Promise<string> {
  const projectId = await propose(t, title, { processId });
  await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
  await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
  expect((await submitStage(t, projectId)).status).toBe(202);
  await decideAs(t, people.sponsor.email, title, 'Gate 2 of 3', { outcome: 'go' });
  await decideAs(t, people.finance.email, title, 'Gate 2 of 3', { outcome: 'go' });
  await until(t, projectId, (s) => s.stage?.gateId === 'launch', 'into the launch stage');
  expect((await submitStage(t, projectId)).status).toBe(202);
  await linkFor(t, people.operations.email, title, 'Gate 3 of 3');
  return projectId;
}

const recycle = (recycleTo: string) => ({
  outcome: 'recycle',
  recycleTo,
  comment: 'Not ready: go back.',
  'mustMeet-tested': 'yes',
});

/** The gates the decision page offers to recycle to. */
function recycleOptions(page: string): string[] {
  const select = page.match(/<select id="recycleTo"[^>]*>(.*?)<\/select>/s)?.[1] ?? '';
  return [...select.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1] as string);
}

describe('migrating a project whose gate is open', () => {
  it('refuses a version that drops a gate the open gate could recycle to, after one approver chose it; the gate then decides and is followed', async () => {
    // Prepare: on v1 one approval of two decides launch, so the sponsor's Recycle leaves it open
    await publish(
      t,
      process('recycle-drop', (d) => {
        (d.gates[2] as ProcessDefinition['gates'][number]).rule = { kind: 'quorum', count: 1 };
      }),
    );
    const title = 'Recycle across a dropped gate';
    const projectId = await atLaunch('recycle-drop', title);
    await decideAs(t, people.sponsor.email, title, 'Gate 3 of 3', recycle('scoping'));
    expect((await projectStatus(t, projectId)).status).toBe('in-review');
    await publish(
      t,
      process('recycle-drop', (d) => {
        d.version = 2;
        d.gates = d.gates.slice(1);
      }),
    );

    // Act
    const dry = await migrate('recycle-drop', projectId, true);
    const moved = await migrate('recycle-drop', projectId, false);
    await decideAs(t, people.operations.email, title, 'Gate 3 of 3', recycle('business-case'));

    // Assess: refused by name, still on v1, and the decided gate is followed back to the idea screen
    expect(dry.status).toBe(200);
    for (const answer of [dry, moved]) {
      expect(answer.body.projects).toEqual([
        expect.objectContaining({ projectId, migrated: false, refused: expect.any(String) }),
      ]);
      const refused: string = answer.body.projects[0].refused;
      expect(refused).toContain('gate "scoping"');
      expect(refused).toContain('recycle');
      expect(refused).toContain('not in version 2');
    }
    const back = await until(
      t,
      projectId,
      (s) => s.currentGate?.gateId === 'scoping' && s.currentGate?.status === 'open',
      'back at the idea screen, reopened',
    );
    expect(back.definition).toMatchObject({ id: 'recycle-drop', version: 1 });
    const entries = await trail(t, projectId);
    expect(entries.map((e) => e.action)).not.toContain('project.migrated');
    expect(
      entries.find((e) => e.action === 'gate.decided' && e.subject?.sequence === 3)?.detail,
    ).toMatchObject({
      outcome: 'recycle',
      recycleTo: 'scoping',
    });
  });

  it('keeps the open gate to the Recycle choices of the version it was opened with after a migration inserts a gate before it', async () => {
    // Prepare: launch open under v1; v2 adds a pilot gate before launch; the project moves to v2
    await publish(t, process('recycle-insert'));
    const title = 'Recycle past an inserted gate';
    const projectId = await atLaunch('recycle-insert', title);
    await publish(
      t,
      process('recycle-insert', (d) => {
        d.version = 2;
        const launch = d.gates[2] as ProcessDefinition['gates'][number];
        d.gates.splice(2, 0, { ...structuredClone(launch), id: 'pilot', name: 'Go to pilot' });
      }),
    );
    const moved = await migrate('recycle-insert', projectId, false);
    expect(moved.body.projects).toEqual([expect.objectContaining({ projectId, migrated: true })]);
    const link = await linkFor(t, people.operations.email, title, 'Gate 3 of 3');
    const dueAt = (await t.repository.getGate(projectId, 3))?.dueAt ?? '';

    // Act: a PMO admin hands the sponsor's request on and extends the gate; operations decides
    const reassigned = await t.api('POST', `/projects/${projectId}/gates/3/reassign`, {
      as: people.pmoAdmin,
      body: { from: people.sponsor.email, to: extraApprover.email, reason: 'The sponsor is away.' },
    });
    const extended = await t.api('POST', `/projects/${projectId}/gates/3/extend`, {
      as: people.pmoAdmin,
      body: { dueAt: new Date(Date.parse(dueAt) + 86_400_000).toISOString(), reason: 'Board moved.' },
    });
    const page = await (await fetch(link)).text();
    const toPilot = await t.decide(link, recycle('pilot'));
    const toBusinessCase = await t.decide(link, recycle('business-case'));

    // Assess
    expect(reassigned.status).toBe(200);
    expect(extended.status).toBe(200);
    expect(recycleOptions(page)).toEqual(['scoping', 'business-case', 'launch']);
    expect(toPilot.response.status).toBe(400);
    expect(await toPilot.response.text()).toContain('recycleTo');
    expect(toBusinessCase.response.status).toBe(200);
    const back = await until(t, projectId, (s) => s.status === 'in-stage', 'back into a stage');
    expect(back.stage).toMatchObject({ gateId: 'business-case' });
    expect(back.definition).toMatchObject({ id: 'recycle-insert', version: 2 });
    // What happens to the open gate — hand-over, extension, vote, decision — carries the version it runs under.
    const entries = await trail(t, projectId);
    const about = (action: string) => entries.find((e) => e.action === action && e.subject?.sequence === 3);
    for (const action of ['request.reassigned', 'gate.extended', 'decision.recorded', 'gate.decided'])
      expect(about(action)?.definition, action).toEqual({ id: 'recycle-insert', version: 1 });
    expect(entries.find((e) => e.action === 'project.migrated')?.definition).toEqual({
      id: 'recycle-insert',
      version: 2,
    });
  });
});
