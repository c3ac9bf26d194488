import { randomUUID } from 'node:crypto';
import { InvalidInputError, TollgateError } from '../domain/errors.ts';
import { type Proposal, parseProposal } from '../domain/proposal.ts';
import type { Person, Project, RequestSource } from './model.ts';
import type { Ports } from './ports.ts';
import { WriteRejectedError } from './ports.ts';

export const DEFAULT_PROCESS_ID = 'standard';

export interface IntakeInput {
  projectId: string;
  proposal: Proposal;
  requester: Person;
  submittedAt: string;
  source: RequestSource;
}

export interface IntakeResult {
  projectId: string;
  gate: { gateId: string; sequence: number };
}

/** The intake workflow refuses a proposal: the execution fails with this error name. */
export class ProposalRejectedError extends TollgateError {
  /** The intake state machine's Catch matches this name. */
  override readonly name = 'ProposalRejectedError';
  readonly statusCode = 400;
}

/**
 * POST /proposals: checks the proposal at the edge (400 naming each problem, nothing
 * written) and hands it to the intake workflow, which records it and opens gate 1.
 */
export async function submitProposal(
  ports: Pick<Ports, 'repository' | 'workflow' | 'clock'>,
  args: { requester: Person; body: unknown; source: RequestSource },
): Promise<{ projectId: string }> {
  const parsed = parseProposal(args.body, args.requester.email);
  if (!parsed.ok) throw new InvalidInputError('the proposal has problems', parsed.problems);
  const processId = parsed.value.processId ?? DEFAULT_PROCESS_ID;
  if (!(await ports.repository.getCurrentDefinition(processId))) {
    throw new InvalidInputError('the proposal has problems', [
      { path: 'processId', message: `no published process "${processId}"` },
    ]);
  }
  const projectId = randomUUID();
  const input: IntakeInput = {
    projectId,
    proposal: { ...parsed.value, processId },
    requester: args.requester,
    submittedAt: ports.clock.now().toISOString(),
    source: args.source,
  };
  await ports.workflow.startIntake(`intake-${projectId}`, input);
  return { projectId };
}

/** Intake task: validates again (the workflow may be started by other callers), pins the definition, records. */
export async function recordProposal(
  ports: Pick<Ports, 'repository' | 'clock'>,
  input: IntakeInput,
): Promise<IntakeResult> {
  const parsed = parseProposal(input.proposal, input.requester.email);
  if (!parsed.ok) {
    throw new ProposalRejectedError(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
  const processId = parsed.value.processId ?? DEFAULT_PROCESS_ID;
  const definition = await ports.repository.getCurrentDefinition(processId);
  const first = definition?.gates[0];
  if (!definition || !first) throw new ProposalRejectedError(`no published process "${processId}"`);

  const now = ports.clock.now().toISOString();
  const project: Project = {
    projectId: input.projectId,
    title: parsed.value.title,
    summary: parsed.value.summary,
    ...(parsed.value.estimatedCost === undefined ? {} : { estimatedCost: parsed.value.estimatedCost }),
    requester: input.requester,
    sponsorEmail: parsed.value.sponsorEmail,
    definition: { id: definition.id, version: definition.version },
    status: 'in-review',
    submittedAt: input.submittedAt,
    updatedAt: now,
  };
  try {
    await ports.repository.createProject(project, {
      projectId: project.projectId,
      at: now,
      actor: { type: 'person', id: input.requester.email },
      action: 'proposal.submitted',
      definition: project.definition,
      source: input.source,
      detail: { title: project.title, sponsor: project.sponsorEmail, estimatedCost: project.estimatedCost },
    });
  } catch (error) {
    // A redelivered intake task finds its own project: same answer, nothing written twice.
    if (!(error instanceof WriteRejectedError && error.guards.includes('new-project'))) throw error;
  }
  return { projectId: project.projectId, gate: { gateId: first.id, sequence: 1 } };
}
