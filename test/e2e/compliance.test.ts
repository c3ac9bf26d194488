import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedManifest, verifyExport } from '../../functions/domain/manifest.ts';
import { CHAINS } from '../../functions/domain/trail.ts';
import type { TrailJob } from '../../functions/usecases/model.ts';
import { localMachineArn } from '../../infra/local/asl.ts';
import { decideAs, linkFor, propose, trail, trailActions, until } from '../support/flows.ts';
import { people, startTestRuntime, stepFunctionsClient, type TestRuntime } from '../support/runtime.ts';

let t: TestRuntime;
let closedProject: string;

type Finished = TrailJob & { links?: { data: string; manifest: string } };

/** Asks for a job and waits for it to finish. */
async function runJob(path: string, body?: unknown, as = people.compliance): Promise<Finished> {
  const started = await t.api('POST', path, { as, ...(body === undefined ? {} : { body }) });
  if (started.status !== 202) throw new Error(`${path} answered ${started.status}: ${await started.text()}`);
  const { jobId } = (await started.json()) as TrailJob;
  for (let i = 0; i < 300; i++) {
    const job = (await (await t.api('GET', `/trail/jobs/${jobId}`, { as })).json()) as Finished;
    if (job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} never finished`);
}

async function download(job: Finished) {
  if (!job.links) throw new Error('the job has no files');
  const file = Buffer.from(await (await fetch(job.links.data)).arrayBuffer());
  const manifest = (await (await fetch(job.links.manifest)).json()) as SignedManifest;
  const { publicKeyPem } = (await (
    await t.api('GET', '/trail/public-key', { as: people.compliance })
  ).json()) as {
    publicKeyPem: string;
  };
  return { file, manifest, publicKeyPem };
}

beforeAll(async () => {
  t = await startTestRuntime();
  // A project killed at gate 1, signed off, closed and sealed.
  const title = 'Audited project';
  closedProject = await propose(t, title);
  await decideAs(t, people.sponsor.email, title, 'Gate 1 of 3', {
    outcome: 'kill',
    comment: 'Out of scope.',
  });
  await until(t, closedProject, (s) => s.status === 'closing', 'to close-out');
  await t.decide(await linkFor(t, people.sponsor.email, title, 'Close-out sign-off'), {
    outcome: 'go',
    'check-0': 'yes',
    'check-1': 'yes',
    'check-2': 'yes',
  });
  await until(t, closedProject, (s) => s.status === 'closed' && s.sealedAt, 'closed and sealed');
});
afterAll(async () => t?.stop());

describe('exporting a project trail', () => {
  it("exports a sealed project's trail as JSON Lines and CSV; each verifies offline and is itself trailed", async () => {
    // Act
    const jsonl = await runJob('/trail/exports', { format: 'jsonl', projectId: closedProject });
    const csv = await runJob('/trail/exports', { format: 'csv', projectId: closedProject });

    // Assess: both done, both verify with nothing but the public key
    expect([jsonl.status, csv.status]).toEqual(['done', 'done']);
    const a = await download(jsonl);
    const b = await download(csv);
    expect(verifyExport(a.file, a.manifest, a.publicKeyPem)).toMatchObject({ ok: true });
    expect(verifyExport(b.file, b.manifest, b.publicKeyPem)).toMatchObject({ ok: true });
    const lines = a.file.toString('utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).action)).toEqual(
      expect.arrayContaining(['proposal.submitted', 'decision.recorded', 'project.closed', 'trail.sealed']),
    );
    // Each vote carries its signature manifestation: printed name, UTC time, meaning.
    const vote = lines.map((l) => JSON.parse(l)).find((e) => e.action === 'decision.recorded');
    expect(vote.detail.signature).toEqual({
      name: 'Sam Sponsor',
      at: vote.at,
      meaning: 'Rejected: Gate 1 Idea screen, Kill',
      packageHash: vote.packageHash,
      method: 'link',
    });
    expect(b.file.toString('utf8')).toContain(`Sam Sponsor; ${vote.at}; Rejected: Gate 1 Idea screen, Kill`);
    expect(b.file.toString('utf8').split('\r\n')[0]).toBe(
      'chain,seq,at,action,actor_type,actor_id,actor_sub,actor_name,actor_role,project,gate,gate_instance,definition,source_ip,user_agent,package_hash,signature,detail,prev_hash,hash',
    );
    expect(a.manifest.manifest).toMatchObject({
      kind: 'tollgate-trail-export',
      filters: { projectId: closedProject },
      exportedBy: { id: people.compliance.email, role: 'compliance' },
      entries: { count: lines.length },
    });
    // The sealed chain took the export entries, and nothing else.
    const actions = await trailActions(t, closedProject);
    expect(actions.slice(actions.indexOf('trail.sealed') + 1)).toEqual(['trail.exported', 'trail.exported']);
    expect(
      (await t.repository.listTrail(CHAINS.compliance)).filter((e) => e.action === 'trail.exported'),
    ).toHaveLength(2);
  });

  it('exports a date range across projects and everything, through the by-day index and the heads', async () => {
    // Prepare
    const today = t.clock.now().toISOString().slice(0, 10);

    // Act
    const range = await runJob('/trail/exports', { format: 'jsonl', from: today, to: today });
    const everything = await runJob('/trail/exports', { format: 'jsonl' });
    const decisions = await runJob('/trail/exports', { format: 'jsonl', action: 'decision.recorded' });

    // Assess
    for (const job of [range, everything, decisions]) {
      const { file, manifest, publicKeyPem } = await download(job);
      expect(verifyExport(file, manifest, publicKeyPem)).toMatchObject({ ok: true });
    }
    const count = (job: Finished) => job.manifest?.manifest.entries.count ?? 0;
    expect(count(range)).toBeGreaterThan(10);
    expect(count(everything)).toBeGreaterThanOrEqual(count(range));
    const only = (await download(decisions)).file.toString('utf8').trim().split('\n');
    expect(new Set(only.map((l) => JSON.parse(l).action))).toEqual(new Set(['decision.recorded']));
  });

  it('refuses a requester, a reversed range and an unknown filter, writing nothing but the refusal', async () => {
    // Act
    const requester = await t.api('POST', '/trail/exports', {
      as: people.requester,
      body: { format: 'csv' },
    });
    const reversed = await t.api('POST', '/trail/exports', {
      as: people.compliance,
      body: { format: 'csv', from: '2026-12-31', to: '2026-01-01' },
    });
    const unknown = await t.api('POST', '/trail/exports', {
      as: people.compliance,
      body: { format: 'csv', colour: 'red' },
    });
    const halfRange = await t.api('POST', '/trail/exports', {
      as: people.compliance,
      body: { format: 'csv', from: '2026-01-01' },
    });

    // Assess
    expect([requester.status, reversed.status, unknown.status, halfRange.status]).toEqual([
      403, 400, 400, 400,
    ]);
    expect(await reversed.json()).toMatchObject({
      problems: [{ path: 'to', message: 'must not be before from (2026-12-31)' }],
    });
    const refused = (await t.repository.listTrail(CHAINS.compliance)).filter(
      (e) => e.action === 'request.refused',
    );
    expect(refused.slice(-4).map((e) => e.detail.status)).toEqual([403, 400, 400, 400]);
  });
});

describe('verifying and printing', () => {
  it('verifies every chain against the latest anchor, and prints the approval record with its signatures', async () => {
    // Prepare
    await t.runtime.anchor();

    // Act
    const verification = await runJob('/trail/verifications');
    const record = await t.api('GET', `/projects/${closedProject}/record`, { as: people.compliance });
    const html = await record.text();

    // Assess
    expect(verification.verification, JSON.stringify(verification.verification)).toMatchObject({
      ok: true,
      anchor: { ok: true },
    });
    expect(verification.verification?.entries).toBeGreaterThan(20);
    expect(record.status).toBe(200);
    expect(html).toContain('Sam Sponsor');
    expect(html).toContain('Rejected: Gate 1 Idea screen, Kill');
    expect(html).toContain('Signed off: close-out');
    expect(html).toContain("The project's trail verifies");
    expect((await trail(t, closedProject)).at(-1)?.action).toBe('trail.exported');
  });
});

describe('a failed execution', () => {
  it('leaves an entry on its project trail before it fails', async () => {
    // Prepare: a review of a gate the process does not have (as a bug or bad data would start)
    const title = 'Broken review';
    const projectId = await propose(t, title);
    await until(t, projectId, (s) => s.currentGate?.status === 'open', 'gate 1 open');
    const sfn = stepFunctionsClient(t);

    // Act
    try {
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: localMachineArn('gate-review'),
          name: `gate-${projectId}-0099`,
          input: JSON.stringify({ projectId, gate: { gateId: 'no-such-gate', sequence: 99 } }),
        }),
      );
    } finally {
      sfn.destroy();
    }

    // Assess
    const deadline = Date.now() + 10_000;
    let failed: Awaited<ReturnType<typeof trail>>[number] | undefined;
    while (!failed && Date.now() < deadline) {
      failed = (await trail(t, projectId)).find((e) => e.action === 'workflow.failed');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(failed).toMatchObject({
      actor: { type: 'system', id: 'gate-review' },
      subject: { projectId, gateId: 'no-such-gate', sequence: 99 },
      detail: { error: 'GateTaskError' },
    });
  });
});
