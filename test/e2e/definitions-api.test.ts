import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import { CHAINS } from '../../functions/domain/trail.ts';
import type { LocalPerson } from '../../infra/local/auth.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import {
  decideAs,
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

beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => t?.stop());

/** A second PMO admin, editing the same drafts as Pat. */
const quinn: LocalPerson = { email: 'quinn.pmo@example.com', name: 'Quinn PMO', groups: ['pmo-admin'] };

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely
type Body = Record<string, any>;

async function call(method: string, path: string, as: LocalPerson, body?: unknown) {
  const response = await t.api(method, path, { as, ...(body === undefined ? {} : { body }) });
  return { status: response.status, body: (await response.json()) as Body };
}

/** A project of `processId` waiting at gate 2, where the sponsor and finance decide. */
async function atGate2(title: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const projectId = await propose(t, title, overrides);
  await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', { outcome: 'go' });
  await until(t, projectId, (s) => s.status === 'in-stage', 'into stage 2');
  expect((await submitStage(t, projectId)).status).toBe(202);
  await linkFor(t, people.finance.email, title, 'Gate 2 of 3');
  return projectId;
}

/** Standard v1 with the three edits the PMO makes for v2. */
function editedStandard(definition: ProcessDefinition): ProcessDefinition {
  const next = structuredClone(definition);
  const [, businessCase, launch] = next.gates;
  if (!businessCase || !launch) throw new Error('standard has three gates');
  businessCase.criteria.mustMeet.push({ id: 'risks-owned', text: 'Every major risk has an owner' });
  businessCase.rule = { kind: 'quorum', count: 1 };
  launch.skipWhen = 'risk = "low"';
  return next;
}

describe('reading definitions', () => {
  it('lists the processes, shows one with its versions and a version; compliance reads too, a requester not', async () => {
    // Act
    const list = await call('GET', '/definitions', people.pmoAdmin);
    const byCompliance = await call('GET', '/definitions', people.compliance);
    const shown = await call('GET', '/definitions/standard', people.compliance);
    const version = await call('GET', '/definitions/standard/versions/1', people.pmoAdmin);
    const byRequester = await call('GET', '/definitions/standard', people.requester);
    const unknown = await call('GET', '/definitions/no-such-process', people.pmoAdmin);
    const unknownVersion = await call('GET', '/definitions/standard/versions/99', people.pmoAdmin);
    const badId = await call('GET', '/definitions/Not_A_Slug', people.pmoAdmin);
    const badVersion = await call('GET', '/definitions/standard/versions/0', people.pmoAdmin);

    // Assess
    expect(list.status).toBe(200);
    expect(list.body.definitions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'standard', name: DEMO_DEFINITION.name, current: 1 }),
        expect.objectContaining({ id: 'regulated', current: 1 }),
      ]),
    );
    expect(byCompliance.body).toEqual(list.body);
    expect(shown.body).toMatchObject({
      id: 'standard',
      current: 1,
      versions: [{ version: 1, name: DEMO_DEFINITION.name, published: { at: expect.any(String) } }],
    });
    expect(version.body.definition).toEqual(DEMO_DEFINITION);
    expect(byRequester.status).toBe(403);
    expect(unknown.status).toBe(404);
    expect(unknownVersion.status).toBe(404);
    expect(badId.status).toBe(400);
    expect(badId.body.problems).toEqual([{ path: '(path).definitionId', message: expect.any(String) }]);
    expect(badVersion.status).toBe(400);
  });
});

describe('drafts', () => {
  it('starts a draft from version 1 and edits it: the diff lists exactly the edits', async () => {
    // Prepare
    const started = await call('POST', '/definitions/standard/draft', people.pmoAdmin, {
      fromVersion: 1,
      reason: 'Lighter business case review',
    });
    const read = await call('GET', '/definitions/standard/draft', people.pmoAdmin);

    // Act
    const saved = await call('PUT', '/definitions/standard/draft', people.pmoAdmin, {
      definition: editedStandard(read.body.definition),
      source: '# the editor text\nid: standard\n',
      revision: read.body.revision,
      reason: 'One approver suffices for the business case',
    });
    const diff = await call('GET', '/definitions/standard/diff?from=1&to=draft', people.compliance);
    const again = await call('GET', '/definitions/standard/draft', people.pmoAdmin);

    // Assess
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ basedOn: 1, problems: [], changes: [] });
    expect(started.body.definition.version).toBe(2);
    expect(read.body.revision).toBe(started.body.revision);
    expect(saved.status).toBe(200);
    expect(saved.body.revision).toBe(read.body.revision + 1);
    expect(saved.body.problems).toEqual([]);
    const edits = [
      { path: 'gates.1.criteria.mustMeet.1', kind: 'added' },
      { path: 'gates.1.rule', kind: 'changed' },
      { path: 'gates.2.skipWhen', kind: 'added' },
    ];
    expect(saved.body.changes.map((c: Body) => ({ path: c.path, kind: c.kind }))).toEqual(edits);
    expect(diff.body).toMatchObject({ from: 1, to: 'draft', changes: saved.body.changes });
    expect(again.body).toMatchObject({
      revision: saved.body.revision,
      source: '# the editor text\nid: standard\n',
      updatedBy: people.pmoAdmin.email,
      problems: [],
      changes: saved.body.changes,
    });
    const saves = (await t.repository.listTrail(CHAINS.definition('standard'))).filter(
      (e) => e.action === 'definition.draft-saved',
    );
    expect(saves.at(-1)).toMatchObject({
      actor: { id: people.pmoAdmin.email, name: people.pmoAdmin.name, role: 'pmo-admin' },
      detail: { revision: saved.body.revision, reason: 'One approver suffices for the business case' },
    });
    expect(saves.at(-1)?.detail.changes).toHaveLength(3);
  });

  it('keeps an invalid draft with its problems named by path, and refuses to publish it', async () => {
    // Prepare: a new process whose gate lost its approvers, with a rule on an unknown field and a stray field
    const broken = structuredClone(DEMO_DEFINITION) as ProcessDefinition & { gates: Body[] };
    broken.id = 'broken-lab';
    (broken.gates[0] as Body).colour = 'red';
    (broken.gates[1] as Body).skipWhen = 'budget > 5';
    (broken.gates[2] as Body).approvers = [];

    // Act
    const saved = await call('PUT', '/definitions/broken-lab/draft', people.pmoAdmin, { definition: broken });
    const shown = await call('GET', '/definitions/broken-lab', people.pmoAdmin);
    const published = await call('POST', '/definitions/broken-lab/publish', people.pmoAdmin, {
      revision: saved.body.revision,
      reason: 'Try it',
    });
    const validated = await call('POST', '/definitions/validate', people.compliance, { definition: broken });
    const wrongId = await call('PUT', '/definitions/other-lab/draft', people.pmoAdmin, {
      definition: broken,
    });
    const deep = await call(
      'PUT',
      '/definitions/broken-lab/draft',
      people.pmoAdmin,
      `{"definition":{"id":"broken-lab","gates":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`,
    );

    // Assess
    expect(saved.status).toBe(200);
    const paths = saved.body.problems.map((p: Body) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['gates.0', 'gates.1.skipWhen', 'gates.2.approvers']));
    expect(saved.body.problems.find((p: Body) => p.path === 'gates.0').message).toContain('colour');
    expect(saved.body.problems.find((p: Body) => p.path === 'gates.1.skipWhen').message).toContain('budget');
    expect(shown.body).toMatchObject({ id: 'broken-lab', current: 0, versions: [], draft: { revision: 1 } });
    expect(published.status).toBe(400);
    expect(published.body.problems).toEqual(saved.body.problems);
    expect(validated.body).toEqual({ ok: false, problems: saved.body.problems });
    expect(wrongId.status).toBe(400);
    expect(wrongId.body.problems).toEqual([{ path: 'definition.id', message: expect.any(String) }]);
    expect(deep.status).toBe(400);
    expect(deep.body.problems).toEqual([{ path: 'definition', message: 'must be at most 16 levels deep' }]);
    expect(await t.repository.getCurrentDefinition('broken-lab')).toBeUndefined();
  });

  it('lets exactly one of two PMO admins editing the same revision win; the other is told what changed', async () => {
    // Prepare
    await publish(t, process('concurrent-lab'));
    const started = await call('POST', '/definitions/concurrent-lab/draft', people.pmoAdmin, {
      fromVersion: 1,
    });
    const base = started.body.definition as ProcessDefinition;
    const patEdit = structuredClone(base);
    (patEdit.gates[2] as Body).sla.decideWithinHours = 96;
    const quinnEdit = structuredClone(base);
    (quinnEdit.gates[0] as Body).name = 'Idea triage';

    // Act
    const [pat, quinnSaved] = await Promise.all([
      call('PUT', '/definitions/concurrent-lab/draft', people.pmoAdmin, {
        definition: patEdit,
        revision: started.body.revision,
      }),
      call('PUT', '/definitions/concurrent-lab/draft', quinn, {
        definition: quinnEdit,
        revision: started.body.revision,
      }),
    ]);

    // Assess
    expect([pat.status, quinnSaved.status].sort()).toEqual([200, 409]);
    const [winner, loser, winnerPerson] =
      pat.status === 200 ? [pat, quinnSaved, people.pmoAdmin] : [quinnSaved, pat, quinn];
    const winnerChange = winnerPerson === quinn ? 'gates.0.name' : 'gates.2.sla.decideWithinHours';
    expect(loser.body).toMatchObject({
      message: expect.stringContaining(winnerPerson.name),
      current: {
        revision: winner.body.revision,
        updatedBy: winnerPerson.email,
        updatedAt: expect.any(String),
      },
    });
    expect(loser.body.changes.map((c: Body) => c.path)).toEqual([winnerChange]);
    const draft = await call('GET', '/definitions/concurrent-lab/draft', people.pmoAdmin);
    expect(draft.body.changes.map((c: Body) => c.path)).toEqual([winnerChange]);
    const stale = await call('POST', '/definitions/concurrent-lab/publish', people.pmoAdmin, {
      revision: started.body.revision,
      reason: 'From the stale page',
    });
    expect(stale.status).toBe(409);
    const twice = await call('POST', '/definitions/concurrent-lab/draft', quinn, { fromVersion: 1 });
    expect(twice.status).toBe(409);
  });
});

describe('publishing and migrating', () => {
  /** Made before version 2 is published; migrated by the test after. */
  let pinnedOnV1: string | undefined;

  it('publishes version 2: new proposals follow it, a running project stays on version 1', async () => {
    // Prepare: a project in stage 2 under version 1, then the draft made above published
    const pinned = await propose(t, 'Pinned on v1');
    pinnedOnV1 = pinned;
    await decideAs(t, people.sponsor.email, 'Pinned on v1', 'Gate 1 of 3', { outcome: 'go' });
    await until(t, pinned, (s) => s.status === 'in-stage', 'into stage 2');
    const draft = await call('GET', '/definitions/standard/draft', people.pmoAdmin);
    const byCompliance = await call('POST', '/definitions/standard/publish', people.compliance, {
      revision: draft.body.revision,
      reason: 'Compliance may not',
    });

    // Act
    const published = await call('POST', '/definitions/standard/publish', people.pmoAdmin, {
      revision: draft.body.revision,
      reason: 'Lighter business case review',
    });
    const twice = await call('POST', '/definitions/standard/publish', people.pmoAdmin, {
      revision: draft.body.revision,
      reason: 'Again',
    });
    const fresh = await atGate2('Follows v2', { fields: { estimatedCost: 250000, risk: 'low' } });
    await decideAs(t, people.sponsor.email, 'Follows v2', 'Gate 2 of 3', { outcome: 'go' });
    // Gate 2 of the pinned project opens after the publication, still under version 1.
    expect((await submitStage(t, pinned)).status).toBe(202);
    await linkFor(t, people.finance.email, 'Pinned on v1', 'Gate 2 of 3');

    // Assess
    expect(byCompliance.status).toBe(403);
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ id: 'standard', version: 2 });
    expect(published.body.changes).toHaveLength(3);
    expect(twice.status).toBe(409);
    const listed = (await call('GET', '/definitions', people.pmoAdmin)).body.definitions.find(
      (d: Body) => d.id === 'standard',
    );
    expect(listed).toMatchObject({ current: 2, published: { by: people.pmoAdmin.email } });
    expect(listed.draft).toBeUndefined();
    expect((await call('GET', '/definitions/standard/draft', people.pmoAdmin)).status).toBe(404);
    const entry = (await t.repository.listTrail(CHAINS.definition('standard'))).at(-1);
    expect(entry).toMatchObject({
      action: 'definition.published',
      actor: { id: people.pmoAdmin.email, sub: expect.any(String), role: 'pmo-admin' },
      definition: { id: 'standard', version: 2 },
      detail: { reason: 'Lighter business case review', previous: 1 },
    });
    expect(entry?.detail.changes).toEqual(published.body.changes);
    // Version 2: one approver of two suffices at gate 2, and a low-risk project skips the launch gate.
    const after = await until(
      t,
      fresh,
      (s) => s.status === 'closing',
      'to close-out past the skipped launch',
    );
    expect(after.definition).toMatchObject({ id: 'standard', version: 2 });
    expect(after.skipped.map((s: Body) => s.gateId)).toEqual(['launch']);
    // Version 1's gate 2: every approver must approve, on version 1's criteria.
    const still = await projectStatus(t, pinned);
    expect(still.definition).toMatchObject({ id: 'standard', version: 1 });
    expect(still).toMatchObject({ status: 'in-review', currentGate: { gateId: 'business-case' } });
    const gate = await t.repository.getGate(pinned, 2);
    expect(gate?.rule).toEqual({ kind: 'all' });
    expect(gate?.package.gate.criteria.mustMeet.map((c) => c.id)).toEqual(['funded']);
  });

  it('dry-runs a migration without writing, then migrates: the open gate keeps its rule, v2 applies from the next gate', async () => {
    // Prepare
    const pinned = pinnedOnV1;
    if (!pinned) throw new Error('the project pinned on v1 was not made (the test before failed)');
    const before = {
      project: await t.repository.getProject(pinned),
      entries: (await trail(t, pinned)).length,
    };
    const body = { fromVersion: 1, toVersion: 2, projectIds: [pinned], reason: 'Move to the lighter review' };

    // Act
    const dry = await call('POST', '/definitions/standard/migrations', people.pmoAdmin, {
      ...body,
      dryRun: true,
    });
    const unchanged = {
      project: await t.repository.getProject(pinned),
      entries: (await trail(t, pinned)).length,
    };
    const moved = await call('POST', '/definitions/standard/migrations', people.pmoAdmin, {
      ...body,
      dryRun: false,
    });
    const backwards = await call('POST', '/definitions/standard/migrations', people.pmoAdmin, {
      ...body,
      fromVersion: 2,
      toVersion: 1,
      dryRun: true,
    });
    const byRequester = await call('POST', '/definitions/standard/migrations', people.requester, {
      ...body,
      dryRun: true,
    });
    const badIds = await call('POST', '/definitions/standard/migrations', people.pmoAdmin, {
      ...body,
      projectIds: ['not-a-project'],
      dryRun: true,
    });
    const unknown = await call('POST', '/definitions/no-such-process/migrations', people.pmoAdmin, {
      ...body,
      dryRun: true,
    });

    // Assess
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      dryRun: true,
      projects: [
        { projectId: pinned, title: 'Pinned on v1', status: 'in-review', from: 1, to: 2, migrated: false },
      ],
    });
    const changes: string[] = dry.body.projects[0].changes;
    expect(changes[0]).toContain('keeps the rules it was opened with');
    expect(changes.some((c) => c.includes('quorum of 1'))).toBe(true);
    expect(unchanged).toEqual(before);
    expect(moved.body.projects).toEqual([{ ...dry.body.projects[0], migrated: true }]);
    expect((await projectStatus(t, pinned)).definition).toMatchObject({ version: 2 });
    const migrated = (await trail(t, pinned)).find((e) => e.action === 'project.migrated');
    expect(migrated).toMatchObject({
      actor: { id: people.pmoAdmin.email },
      definition: { id: 'standard', version: 2 },
      detail: { from: 1, to: 2, reason: 'Move to the lighter review', changes },
    });
    expect(backwards.status).toBe(400);
    expect(byRequester.status).toBe(403);
    expect(badIds.status).toBe(400);
    expect(badIds.body.problems[0].path).toBe('projectIds.0');
    expect(unknown.status).toBe(404);
    // The open gate was opened under v1 (all must approve, on its criteria): the sponsor's Go alone
    // does not decide it (v2's quorum of 1 would); finance's does, and the project goes on under v2.
    await decideAs(t, people.sponsor.email, 'Pinned on v1', 'Gate 2 of 3', { outcome: 'go' });
    expect((await projectStatus(t, pinned)).status).toBe('in-review');
    await decideAs(t, people.finance.email, 'Pinned on v1', 'Gate 2 of 3', { outcome: 'go' });
    await until(t, pinned, (s) => s.stage?.gateId === 'launch', 'into the launch stage');
    expect(await trailActions(t, pinned)).toContain('project.migrated');
  });

  it('migrates every active project on a version, refusing by name one whose gate is gone', async () => {
    // Prepare: two projects on mig-lab v1, one at its first gate and one past it; v2 drops that gate
    await publish(t, process('mig-lab'));
    const atScoping = await propose(t, 'Mig at scoping', { processId: 'mig-lab' });
    const pastScoping = await propose(t, 'Mig past scoping', { processId: 'mig-lab' });
    await decideAs(t, people.sponsor.email, 'Mig past scoping', 'Gate 1 of 3', { outcome: 'go' });
    await until(t, pastScoping, (s) => s.status === 'in-stage', 'into stage 2');
    await until(t, atScoping, (s) => s.currentGate?.status === 'open', 'its first gate open');
    await publish(
      t,
      process('mig-lab', (d) => {
        d.version = 2;
        d.gates = d.gates.slice(1);
      }),
    );

    // Act
    const moved = await call('POST', '/definitions/mig-lab/migrations', people.pmoAdmin, {
      fromVersion: 1,
      toVersion: 2,
      dryRun: false,
      reason: 'The idea screen moved to intake',
    });

    // Assess
    expect(moved.status).toBe(200);
    const byId = new Map(moved.body.projects.map((p: Body) => [p.projectId, p]));
    expect(byId.size).toBe(2);
    expect(byId.get(atScoping)).toMatchObject({
      migrated: false,
      refused: expect.stringContaining('gate "scoping"'),
    });
    expect(byId.get(pastScoping)).toMatchObject({ migrated: true, from: 1, to: 2 });
    expect((await projectStatus(t, atScoping)).definition.version).toBe(1);
    expect((await projectStatus(t, pastScoping)).definition.version).toBe(2);
    expect(await trailActions(t, atScoping)).not.toContain('project.migrated');
  });
});

describe('dry runs', () => {
  it('shows what a version does to a sample proposal, writing nothing', async () => {
    // Prepare
    const before = (await t.repository.listTrail(CHAINS.access)).length;

    // Act
    const run = await call('POST', '/definitions/dry-run', people.compliance, {
      definitionId: 'standard',
      version: 1,
      proposal: { sponsorEmail: people.sponsor.email, fields: { estimatedCost: 10000, risk: 'low' } },
      startAt: '2030-01-07T09:00:00Z',
    });
    const sent = await call('POST', '/definitions/dry-run', people.pmoAdmin, {
      definition: { ...DEMO_DEFINITION, id: 'sample' },
      proposal: { sponsorEmail: people.sponsor.email, fields: { estimatedCost: 'lots' } },
    });
    const both = await call('POST', '/definitions/dry-run', people.pmoAdmin, {
      definition: DEMO_DEFINITION,
      definitionId: 'standard',
      proposal: { sponsorEmail: people.sponsor.email, fields: {} },
    });

    // Assess
    expect(run.status).toBe(200);
    expect(run.body.ok).toBe(true);
    expect(run.body.gates.map((g: Body) => [g.gateId, g.outcome])).toEqual([
      ['scoping', 'opens'],
      ['business-case', 'skipped'],
      ['launch', 'opens'],
    ]);
    expect(run.body.gates[0].timeline.at(-1)).toMatchObject({
      what: 'deadline',
      at: '2030-01-10T09:00:00.000Z',
    });
    expect(sent.status).toBe(200);
    expect(sent.body.ok).toBe(false);
    expect(sent.body.problems.map((p: Body) => p.path)).toContain('proposal.fields.estimatedCost');
    expect(both.status).toBe(400);
    expect((await t.repository.listTrail(CHAINS.access)).length).toBe(before + 1);
  });
});
