import type { ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPerson } from '../../infra/local/auth.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import { until } from '../support/flows.ts';
import {
  checkedInDocument,
  errorsOf,
  type Json,
  type JsonObject,
  operationOf,
  schemaCompiler,
} from '../support/openapi.ts';
import { people, startTestRuntime, type TestRuntime } from '../support/runtime.ts';

// The routes answer as docs/openapi.json says, against the running local runtime: each status is
// one the route documents, with its content type, and each JSON body validates against the
// documented schema (no field missing, none undocumented). The response schemas are written by
// hand in functions/http/api-docs.ts; this is what keeps them honest at run time.

let t: TestRuntime;
const document = checkedInDocument();
const compile = schemaCompiler(document);
const validators = new Map<Json, ValidateFunction>();

beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => t?.stop());

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely in tests
type Answer = { status: number; json: any };

/** What is wrong with an answer of a route, by the document (nothing: []). */
async function undocumented(
  routeKey: string,
  response: Response,
): Promise<{ answer: Answer; problems: string[] }> {
  const text = await response.text();
  const answer: Answer = { status: response.status, json: undefined };
  const problems: string[] = [];
  const documented = operationOf(document, routeKey)?.responses[String(response.status)];
  if (!documented)
    return { answer, problems: [`${routeKey} answered ${response.status}: ${text.slice(0, 300)}`] };
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  const content = documented.content as Record<string, JsonObject> | undefined;
  if (!content) {
    if (text) problems.push(`${routeKey} ${response.status}: a body where the document says none`);
  } else if (!content[type]) {
    problems.push(`${routeKey} ${response.status}: ${type}, documented ${Object.keys(content).join(', ')}`);
  } else if (type === 'application/json') {
    answer.json = JSON.parse(text);
    const schema = content[type]?.schema ?? null;
    const validate = validators.get(schema) ?? compile(schema);
    validators.set(schema, validate);
    if (!validate(answer.json))
      problems.push(...errorsOf(validate).map((e) => `${routeKey} ${response.status}: ${e}`));
  }
  return { answer, problems };
}

/** Calls a route and checks its answer against the document. */
async function call(
  routeKey: string,
  path: string,
  options: { as?: LocalPerson; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await t.api(routeKey.split(' ')[0] ?? 'GET', path, options);
  const { answer, problems } = await undocumented(routeKey, response);
  expect(problems).toEqual([]);
  return answer;
}

const admin = people.pmoAdmin;

describe('answers as the OpenAPI document says', () => {
  it('a proposal at gate 1: its requester, its sponsor and a PMO admin acting on it meanwhile', async () => {
    // Prepare: a proposal, taken through intake to gate 1 (the sponsor's link mailed)
    const submitted = await call('POST /proposals', '/proposals', {
      as: people.requester,
      headers: { 'idempotency-key': 'openapi-answers-1' },
      body: {
        title: 'Answers as documented',
        summary: 'A project the OpenAPI answers test walks through.',
        sponsorEmail: people.sponsor.email,
        fields: { estimatedCost: 250000, risk: 'high' },
      },
    });
    expect(submitted.status).toBe(202);
    const projectId: string = submitted.json.projectId;
    await until(t, projectId, (s) => s.status === 'in-review', 'gate 1 open');
    const [mail] = await t.mailTo(people.sponsor.email, 1, 'Answers as documented — Gate 1 of 3');
    const link = new URL(mail?.body.html?.match(/href="([^"]+\/a\/[^"]+)"/)?.[1] ?? '').pathname;
    // Act / Assess: each person reads the project; the PMO admin lists, reminds, extends, holds, resumes
    for (const as of [people.requester, people.sponsor, admin])
      expect((await call('GET /projects/{projectId}', `/projects/${projectId}`, { as })).status).toBe(200);
    expect((await call('GET /a/{secret}', link)).status).toBe(200);
    expect((await call('HEAD /a/{secret}', link)).status).toBe(200);
    const pending = await call('GET /pending', '/pending?status=in-review&limit=50', { as: admin });
    expect(pending.json.items.map((i: { projectId: string }) => i.projectId)).toContain(projectId);
    await call('GET /pending', `/pending?approver=${encodeURIComponent(people.sponsor.email)}`, {
      as: admin,
    });
    const gate = (await call('GET /projects/{projectId}', `/projects/${projectId}`, { as: admin })).json
      .currentGate;
    const reminded = await call(
      'POST /projects/{projectId}/gates/{sequence}/remind',
      `/projects/${projectId}/gates/${gate.sequence}/remind`,
      {
        as: admin,
        body: { reason: 'The board meets on Friday' },
      },
    );
    expect(reminded.status).toBe(202);
    // The reminder's fresh link replaces the first once it is mailed: a page a person reads says so.
    await t.mailTo(people.sponsor.email, 2, 'Answers as documented');
    expect((await call('GET /a/{secret}', link)).status).toBe(410);
    const later = new Date(Date.parse(gate.dueAt) + 86_400_000).toISOString();
    const extended = await call(
      'POST /projects/{projectId}/gates/{sequence}/extend',
      `/projects/${projectId}/gates/${gate.sequence}/extend`,
      {
        as: admin,
        body: { dueAt: later, reason: 'The sponsor is travelling' },
      },
    );
    expect(extended.json.to).toBe(later);
    expect(
      (
        await call('POST /projects/{projectId}/hold', `/projects/${projectId}/hold`, {
          as: admin,
          body: { reason: 'Budget freeze' },
        })
      ).status,
    ).toBe(200);
    const held = await call('GET /projects/{projectId}', `/projects/${projectId}`, { as: people.requester });
    expect(held.json.hold.cause).toBe('pmo');
    expect(
      (
        await call('POST /projects/{projectId}/resume', `/projects/${projectId}/resume`, {
          as: admin,
          body: { reason: 'Budget released' },
        })
      ).status,
    ).toBe(202);
    // A reopening gate is no time to cancel (409, look again): once it is open.
    await until(
      t,
      projectId,
      (s) => s.status === 'in-review' && s.currentGate?.status === 'open',
      'gate 1 reopened',
    );
    expect(
      (
        await call('POST /projects/{projectId}/cancel', `/projects/${projectId}/cancel`, {
          as: admin,
          body: { reason: 'Superseded' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('GET /projects/{projectId}', `/projects/${projectId}`, { as: admin })).json.closeReason,
    ).toBe('cancelled');
  });

  it('the sponsor decides from the page while a PMO admin lists what is pending', async () => {
    // Prepare
    const { projectId, link } = await t.submit('Decided as documented');
    // Act
    const [{ response }] = await Promise.all([
      t.decide(link, { outcome: 'go', comment: '' }),
      call('GET /pending', '/pending', { as: admin }),
    ]);
    const decided = await undocumented('POST /a/{secret}', response);
    const status = await call('GET /projects/{projectId}', `/projects/${projectId}`, { as: people.sponsor });
    // Assess
    expect(decided.problems).toEqual([]);
    expect(decided.answer.status).toBe(200);
    expect(status.json.gates[0].outcome).toBe('go');
  });

  it('the directory: a person added, listed, away with a delegate, back', async () => {
    // Prepare
    const ada = 'ada.architect@example.com';
    const today = new Date(t.clock.now().getTime()).toISOString().slice(0, 10);
    // Act / Assess
    expect(
      (
        await call('PUT /people/{email}', `/people/${ada}`, {
          as: admin,
          body: { name: 'Ada Architect', roles: ['approver'], reason: 'Joins the architecture board' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('PUT /people/{email}', `/people/${people.finance.email}`, {
          as: admin,
          body: { name: 'Fay Finance', roles: ['approver'], reason: 'Finance approver' },
        })
      ).status,
    ).toBeLessThan(300);
    await call('GET /people', '/people?limit=2', { as: admin });
    await call('GET /people/{email}', `/people/${ada}`, { as: admin });
    const away = await call('PUT /people/{email}/away', `/people/${ada}/away`, {
      as: admin,
      body: { from: today, until: today, delegate: people.finance.email, reason: 'A day off' },
    });
    expect(away.json.away.delegate).toBe(people.finance.email);
    expect(
      (
        await call('POST /people/{email}/back', `/people/${ada}/back`, {
          as: admin,
          body: { reason: 'Back early' },
        })
      ).json.away,
    ).toBeUndefined();
  });

  it('definitions: a new process drafted by one PMO admin, a stale save by another, published, copied, diffed, dry-run', async () => {
    // Prepare
    const quinn: LocalPerson = { email: 'quinn.pmo@example.com', name: 'Quinn PMO', groups: ['pmo-admin'] };
    const base = `/definitions/openapi-demo`;
    const v1 = { ...structuredClone(DEMO_DEFINITION), id: 'openapi-demo', version: 1, name: 'OpenAPI demo' };
    // Act / Assess
    const saved = await call('PUT /definitions/{definitionId}/draft', `${base}/draft`, {
      as: admin,
      body: { definition: { ...v1, gates: [] }, reason: 'Starting the process' },
    });
    expect(saved.json.problems.length).toBeGreaterThan(0);
    const stale = await call('PUT /definitions/{definitionId}/draft', `${base}/draft`, {
      as: quinn,
      body: { definition: v1, reason: 'I start it too' },
    });
    expect(stale.status).toBe(409);
    await call('PUT /definitions/{definitionId}/draft', `${base}/draft`, {
      as: admin,
      body: { definition: v1, revision: saved.json.revision, reason: 'The gates' },
    });
    const draft = await call('GET /definitions/{definitionId}/draft', `${base}/draft`, {
      as: people.compliance,
    });
    expect(draft.json.problems).toEqual([]);
    expect(
      (
        await call('POST /definitions/{definitionId}/publish', `${base}/publish`, {
          as: admin,
          body: { revision: draft.json.revision, reason: 'First version' },
        })
      ).status,
    ).toBe(201);
    await call('GET /definitions', '/definitions', { as: people.compliance });
    await call('GET /definitions/{definitionId}', base, { as: admin });
    await call('GET /definitions/{definitionId}/versions/{version}', `${base}/versions/1`, { as: admin });
    const copied = await call('POST /definitions/{definitionId}/draft', `${base}/draft`, {
      as: quinn,
      body: { fromVersion: 1, reason: 'Version 2' },
    });
    expect(copied.status).toBe(201);
    const v2 = { ...copied.json.definition, name: 'OpenAPI demo, revised' };
    await call('PUT /definitions/{definitionId}/draft', `${base}/draft`, {
      as: quinn,
      body: { definition: v2, revision: copied.json.revision, source: 'name: OpenAPI demo, revised\n' },
    });
    const diff = await call('GET /definitions/{definitionId}/diff', `${base}/diff?from=1&to=draft`, {
      as: admin,
    });
    expect(diff.json.changes.length).toBeGreaterThan(0);
    await call('POST /definitions/validate', '/definitions/validate', {
      as: admin,
      body: { definition: v2 },
    });
    const ran = await call('POST /definitions/dry-run', '/definitions/dry-run', {
      as: people.compliance,
      body: {
        definitionId: 'openapi-demo',
        version: 'draft',
        proposal: { sponsorEmail: people.sponsor.email, fields: { estimatedCost: 1000, risk: 'low' } },
      },
    });
    expect(ran.json.ok).toBe(true);
    const broken = await call('POST /definitions/dry-run', '/definitions/dry-run', {
      as: admin,
      body: { definition: { id: 'x' }, proposal: { sponsorEmail: people.sponsor.email } },
    });
    expect(broken.json.ok).toBe(false);
    await call('POST /definitions/{definitionId}/migrations', `${base}/migrations`, {
      as: admin,
      body: { fromVersion: 1, toVersion: 1, dryRun: true, reason: 'Not forward' },
    });
  });

  it('compliance: an export followed to its links, a verification, the public key, a record page', async () => {
    // Prepare
    const { projectId } = await t.submit('Exported as documented');
    // Act
    const started = await call('POST /trail/exports', '/trail/exports', {
      as: people.compliance,
      body: { format: 'jsonl', projectId },
    });
    const deadline = Date.now() + 15_000;
    let job = await call('GET /trail/jobs/{jobId}', `/trail/jobs/${started.json.jobId}`, {
      as: people.compliance,
    });
    while (job.json.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      job = await call('GET /trail/jobs/{jobId}', `/trail/jobs/${started.json.jobId}`, { as: admin });
    }
    const verification = await call('POST /trail/verifications', '/trail/verifications', {
      as: people.compliance,
    });
    await call('GET /trail/public-key', '/trail/public-key', { as: people.compliance });
    const record = await call('GET /projects/{projectId}/record', `/projects/${projectId}/record`, {
      as: people.compliance,
    });
    // Assess
    expect(job.json.status).toBe('done');
    expect(Object.keys(job.json.links)).toEqual(['data', 'manifest']);
    expect(verification.status).toBe(202);
    expect(record.status).toBe(200);
  });

  it('refusals: each one a documented status with a Problem body', async () => {
    // Prepare
    const nobody = '00000000-0000-4000-8000-000000000000';
    // Act / Assess
    const invalid = await call('POST /proposals', '/proposals', {
      as: people.requester,
      body: { title: 'x' },
    });
    expect(invalid.json.problems.length).toBeGreaterThan(0);
    expect((await call('GET /pending', '/pending')).status).toBe(401);
    expect((await call('GET /pending', '/pending', { as: people.requester })).status).toBe(403);
    expect((await call('GET /pending', '/pending?status=closed', { as: admin })).status).toBe(400);
    expect((await call('GET /projects/{projectId}', `/projects/${nobody}`, { as: admin })).status).toBe(404);
    expect((await call('GET /projects/{projectId}', '/projects/not-a-uuid', { as: admin })).status).toBe(400);
    expect((await call('GET /a/{secret}', `/a/${'A'.repeat(43)}`)).status).toBe(404);
  });

  it('the console: its page and its script', async () => {
    // Act / Assess
    expect((await call('GET /console', '/console')).status).toBe(200);
    expect((await call('GET /console/{asset}', '/console/console.js')).status).toBe(200);
    expect((await call('GET /console/{asset}', '/console/console.css')).status).toBe(200);
    expect((await call('GET /console/{asset}', '/console/nothing.js')).status).toBe(404);
  });
});
