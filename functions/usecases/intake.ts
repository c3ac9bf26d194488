import { randomUUID } from 'node:crypto';
import { ConflictError, InvalidInputError, TollgateError } from '../domain/errors.ts';
import { atIntake } from '../domain/lifecycle.ts';
import { checkProposal, type Proposal, parseProposalShape } from '../domain/proposal.ts';
import { canonicalJson, sha256Hex } from '../domain/trail.ts';
import type { Caller } from './caller.ts';
import type { Person, Project, RequestSource } from './model.ts';
import { executionNames, type Ports, WriteRejectedError } from './ports.ts';
import { canonical, closeOutReason, nowIso, printedName, projectEvent } from './shared.ts';
import { planTransition, type RouteResult, routeResult } from './transitions.ts';

export const DEFAULT_PROCESS_ID = 'standard';

export interface IntakeInput {
  projectId: string;
  proposal: Proposal;
  requester: Person;
  submittedAt: string;
  source: RequestSource;
}

/** The intake workflow refuses a proposal: the execution fails with this error name. */
export class ProposalRejectedError extends TollgateError {
  /** The intake state machine's Catch matches this name. */
  override readonly name = 'ProposalRejectedError';
  readonly statusCode = 400;
}

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * POST /proposals: checks the proposal at the edge against its process (400 naming each
 * problem, nothing written) and hands it to the intake workflow. With an Idempotency-Key,
 * a retried submission answers with the same project, never a second one.
 */
export async function submitProposal(
  ports: Pick<Ports, 'repository' | 'workflow' | 'clock' | 'settings'>,
  args: { caller: Caller; body: unknown; source: RequestSource; idempotencyKey?: string | undefined },
): Promise<{ projectId: string; replayed: boolean }> {
  const { caller } = args;
  if (args.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(args.idempotencyKey)) {
    throw new InvalidInputError('the proposal has problems', [
      { path: '(headers).idempotency-key', message: 'must be 1–64 letters, digits, or . _ : -' },
    ]);
  }
  const shape = parseProposalShape(args.body);
  if (!shape.ok) throw new InvalidInputError('the proposal has problems', shape.problems);
  const processId = shape.value.processId ?? DEFAULT_PROCESS_ID;
  const definition = await ports.repository.getCurrentDefinition(processId);
  if (!definition) {
    throw new InvalidInputError('the proposal has problems', [
      { path: 'processId', message: `no published process "${processId}"` },
    ]);
  }
  const checked = checkProposal(shape.value, {
    requesterEmail: caller.email,
    definition,
    subaddressDomains: ports.settings.subaddressDomains,
  });
  if (!checked.ok) throw new InvalidInputError('the proposal has problems', checked.problems);
  const proposal: Proposal = { ...checked.value, processId };

  let projectId: string = randomUUID();
  let replayed = false;
  if (args.idempotencyKey !== undefined) {
    const owner = caller.sub;
    const requestHash = sha256Hex(canonicalJson(proposal));
    const record = { owner, key: args.idempotencyKey, requestHash, projectId, at: nowIso(ports) };
    try {
      await ports.repository.rememberIdempotencyKey(record);
    } catch (error) {
      if (!(error instanceof WriteRejectedError && error.guards.includes('new-key'))) throw error;
      const earlier = await ports.repository.getIdempotencyKey(owner, args.idempotencyKey);
      if (!earlier || earlier.requestHash !== requestHash)
        throw new ConflictError('this Idempotency-Key was already used for a different proposal');
      projectId = earlier.projectId;
      replayed = true;
    }
  }
  const input: IntakeInput = {
    projectId,
    proposal,
    requester: { email: caller.email, name: caller.name, sub: caller.sub },
    submittedAt: nowIso(ports),
    source: args.source,
  };
  // A replay starts the same named execution: Step Functions answers with the first one.
  if (!replayed || !(await ports.repository.getProject(projectId)))
    await ports.workflow.startIntake(executionNames.intake(projectId), input);
  return { projectId, replayed };
}

/**
 * Intake task: validates again against the pinned definition (the workflow may be started
 * by other callers), records the project and where it starts — the stage before its first
 * gate, or the first gate itself — with the gates its skip rules pass over.
 */
export async function recordProposal(
  ports: Pick<Ports, 'repository' | 'clock' | 'settings'>,
  input: IntakeInput,
): Promise<RouteResult> {
  const processId = input.proposal.processId ?? DEFAULT_PROCESS_ID;
  const definition = await ports.repository.getCurrentDefinition(processId);
  if (!definition) throw new ProposalRejectedError(`no published process "${processId}"`);
  const checked = checkProposal(input.proposal, {
    requesterEmail: input.requester.email,
    definition,
    subaddressDomains: ports.settings.subaddressDomains,
  });
  if (!checked.ok) {
    throw new ProposalRejectedError(checked.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
  const existing = await ports.repository.getProject(input.projectId);
  if (existing) return routeOf(existing);

  const proposal = checked.value;
  const now = nowIso(ports);
  const managerEmail = proposal.managerEmail;
  const base: Project = {
    projectId: input.projectId,
    title: proposal.title,
    summary: proposal.summary,
    fields: proposal.fields,
    requester: input.requester,
    ...(managerEmail && canonical(ports, managerEmail) !== canonical(ports, input.requester.email)
      ? { manager: { email: managerEmail, name: await printedName(ports, managerEmail) } }
      : {}),
    sponsorEmail: proposal.sponsorEmail,
    definition: { id: definition.id, version: definition.version },
    status: 'in-stage',
    lastSequence: 0,
    submittedAt: input.submittedAt,
    updatedAt: now,
    version: 0,
  };
  const actor = {
    type: 'person' as const,
    id: input.requester.email,
    name: input.requester.name,
    ...(input.requester.sub ? { sub: input.requester.sub } : {}),
  };
  const plan = planTransition(base, definition, atIntake(definition, proposal.fields), { at: now, actor });
  const project: Project = { ...base, ...plan.set, version: 0 } as Project;
  const submitted = projectEvent(project, 'proposal.submitted', {
    at: now,
    actor,
    source: input.source,
    detail: {
      title: project.title,
      sponsor: project.sponsorEmail,
      manager: project.manager?.email,
      fields: project.fields,
    },
  });
  try {
    await ports.repository.createProject(project, [submitted, ...plan.events], plan.agendaAt ?? undefined);
  } catch (error) {
    // A redelivered intake task finds its own project: same answer, nothing written twice.
    if (!(error instanceof WriteRejectedError && error.guards.includes('new-project'))) throw error;
    return routeOf((await ports.repository.getProject(input.projectId)) as Project);
  }
  return routeOf(project);
}

/** What the intake workflow starts next for a recorded project. */
function routeOf(project: Project): RouteResult {
  const pending = project.pendingStart;
  if (!pending)
    return routeResult({ route: 'stage', gateId: project.stage?.gateId ?? '' }, undefined, project.projectId);
  const next =
    pending.workflow === 'gate-review'
      ? { route: 'open-gate' as const, gateId: pending.input.gate.gateId }
      : { route: 'close-out' as const, reason: closeOutReason(project) };
  return routeResult(next, pending.input.gate, project.projectId);
}
