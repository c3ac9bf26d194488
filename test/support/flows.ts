import type { ProcessDefinition } from '../../functions/domain/definition.ts';
import { CHAINS, type TrailEntry } from '../../functions/domain/trail.ts';
import { decide } from '../../functions/usecases/decisions.ts';
import type { LocalPerson } from '../../infra/local/auth.ts';
import { DEMO_DEFINITION } from '../../infra/local/demo.ts';
import type { SentEmail } from '../../infra/local/ses-local.ts';
import {
  criteriaMet,
  decisionLink,
  people,
  proposal,
  shownPackageHash,
  type TestRuntime,
} from './runtime.ts';

/** Publishes a process for a test (setup, as a PMO admin's publish would leave it). */
export async function publish(t: TestRuntime, definition: ProcessDefinition): Promise<void> {
  await t.repository.publishDefinition(definition, {
    chain: CHAINS.definition(definition.id),
    at: new Date().toISOString(),
    actor: { type: 'system', id: 'test' },
    action: 'definition.published',
    definition: { id: definition.id, version: definition.version },
    detail: {},
  });
}

/** The demo process under another id, changed by `change`. */
export function process(
  id: string,
  change: (d: ProcessDefinition) => void = () => undefined,
): ProcessDefinition {
  const definition = structuredClone(DEMO_DEFINITION);
  definition.id = id;
  change(definition);
  return definition;
}

export const extraApprover = {
  email: 'ada.architect@example.com',
  name: 'Ada Architect',
  groups: [],
} satisfies LocalPerson;

/** Submits a proposal as `as` (the demo requester by default) and returns its project id. */
export async function propose(
  t: TestRuntime,
  title: string,
  overrides: Record<string, unknown> = {},
  as: LocalPerson = people.requester,
): Promise<string> {
  const response = await t.api('POST', '/proposals', { as, body: proposal({ title, ...overrides }) });
  if (response.status !== 202)
    throw new Error(`POST /proposals answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { projectId: string }).projectId;
}

/** The newest decision mail to `to` about `title` whose subject also contains `about`. */
export async function linkFor(
  t: TestRuntime,
  to: string,
  title: string,
  about: string,
  count = 1,
): Promise<string> {
  const mails = await t.mailTo(to, count, `${title} — ${about}`);
  return decisionLink(mails[mails.length - 1] as SentEmail);
}

/** Decides as the approver mailed about `title`/`about`; returns the POST's status. */
export async function decideAs(
  t: TestRuntime,
  to: string,
  title: string,
  about: string,
  fields: Record<string, string>,
  count = 1,
): Promise<number> {
  const link = await linkFor(t, to, title, about, count);
  const { response } = await t.decide(link, fields);
  if (response.status !== 200)
    throw new Error(
      `deciding as ${to} answered ${response.status}: ${(await response.text()).slice(0, 400)}`,
    );
  return response.status;
}

/** The stage submission a project manager makes: every deliverable of the checklist, with a link. */
export async function submitStage(
  t: TestRuntime,
  projectId: string,
  as: LocalPerson = people.requester,
  ids?: string[],
): Promise<Response> {
  const status = await projectStatus(t, projectId);
  const checklist = (status.stage?.checklist ?? []) as { id: string; name: string }[];
  const wanted = ids ?? checklist.map((d) => d.id);
  return t.api('POST', `/projects/${projectId}/submissions`, {
    as,
    body: {
      note: 'Ready for review.',
      deliverables: wanted.map((id) => ({ id, title: `${id} v1`, link: `https://docs.example.com/${id}` })),
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: the status view is read loosely in tests
export type StatusView = Record<string, any>;

export async function projectStatus(
  t: TestRuntime,
  projectId: string,
  as: LocalPerson = people.pmoAdmin,
): Promise<StatusView> {
  const response = await t.api('GET', `/projects/${projectId}`, { as });
  if (response.status !== 200) throw new Error(`GET /projects answered ${response.status}`);
  return (await response.json()) as StatusView;
}

/** Polls the project until `check` holds (workflow steps run asynchronously). */
export async function until(
  t: TestRuntime,
  projectId: string,
  check: (status: StatusView) => boolean,
  what: string,
): Promise<StatusView> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    // Intake runs after the 202: the project may not be recorded yet.
    const response = await t.api('GET', `/projects/${projectId}`, { as: people.pmoAdmin });
    const status = response.status === 200 ? ((await response.json()) as StatusView) : {};
    if (response.status === 200 && check(status)) return status;
    if (Date.now() > deadline)
      throw new Error(`project never got ${what}: ${JSON.stringify(status).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Retries an assertion until it holds (workflow steps and mails run asynchronously), for up to 10 s. */
export async function eventually(assertion: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Until every request of a gate instance is recorded as mailed. A mail reaches the inbox just before
 * its request is marked sent; a test that moves the clock before that sees the sweeper send the
 * request again rather than remind.
 */
export async function requestsMailed(t: TestRuntime, projectId: string, sequence: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const requests = await t.repository.listRequests(projectId, sequence);
    if (requests.length > 0 && requests.every((r) => r.sentAt)) return;
    if (Date.now() > deadline)
      throw new Error(`gate ${sequence} of ${projectId}: requests never all recorded as mailed`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function trailActions(t: TestRuntime, projectId: string): Promise<string[]> {
  return (await trail(t, projectId)).map((e) => e.action);
}

export function trail(t: TestRuntime, projectId: string): Promise<TrailEntry[]> {
  return t.repository.listTrail(CHAINS.project(projectId));
}

/**
 * Decides Go from a link with the real use case, as if the process died right after the
 * decision's transaction: the decision is committed, its resume never reaches the workflow.
 */
export async function decideWithLostResume(t: TestRuntime, link: string): Promise<void> {
  const page = await (await fetch(link)).text();
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const go = criteriaMet(page);
  await decide(
    {
      repository: t.repository,
      workflow: {
        startIntake: async () => undefined,
        startGateReview: async () => undefined,
        startCloseOut: async () => undefined,
        startTrailJob: async () => undefined,
        resumeGate: async () => {
          throw new Error('the process died before SendTaskSuccess');
        },
      },
      clock: t.clock,
      log: quiet,
    },
    {
      secret: new URL(link).pathname.split('/').pop() as string,
      body: {
        outcome: 'go',
        packageHash: shownPackageHash(page),
        mustMeet: Object.fromEntries(
          Object.entries(go)
            .filter(([k]) => k.startsWith('mustMeet-'))
            .map(([k, v]) => [k.slice(9), v]),
        ),
        scores: Object.fromEntries(
          Object.entries(go)
            .filter(([k]) => k.startsWith('score-'))
            .map(([k, v]) => [k.slice(6), Number(v)]),
        ),
      },
      source: { ip: '127.0.0.1', userAgent: 'test' },
    },
  );
}
