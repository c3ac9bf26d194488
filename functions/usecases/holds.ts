import * as z from 'zod/mini';
import { ConflictError, InvalidInputError } from '../domain/errors.ts';
import { safeText } from '../domain/text.ts';
import { parseWith } from '../domain/validation.ts';
import { type Caller, requireRole } from './caller.ts';
import type { RequestSource } from './model.ts';
import type { Ports } from './ports.ts';
import { nowIso, projectEvent, projectFor } from './shared.ts';
import { planTransition, startPending } from './transitions.ts';

export const resumeSchema = z.strictObject({ reason: safeText(1, 1000) });

/**
 * POST /projects/{id}/resume: a PMO admin lifts a hold, with a reason. A gate held by its
 * decision (or its deadline) reopens as a new instance, with the same submission; a project
 * held for a missed condition goes back to its stage.
 */
export async function resumeProject(
  ports: Pick<Ports, 'repository' | 'workflow' | 'clock' | 'settings'>,
  caller: Caller,
  args: { projectId: string; body: unknown; source: RequestSource },
): Promise<{ status: string; gateId: string; sequence?: number }> {
  requireRole(caller, 'pmo-admin');
  const parsed = parseWith(resumeSchema, args.body);
  if (!parsed.ok) throw new InvalidInputError('the resume has problems', parsed.problems);
  const { project, definition } = await projectFor(ports, args.projectId, () => true);
  if (project.status !== 'on-hold' || !project.hold)
    throw new ConflictError(`the project is ${project.status}, not on hold: there is nothing to resume`);
  const { resumeTo } = project.hold;
  const at = nowIso(ports);
  const plan = planTransition(
    project,
    definition,
    { next: { route: resumeTo.route, gateId: resumeTo.gateId }, skipped: [] },
    { at, actor: caller.actor },
  );
  const reopened = plan.pending?.input.gate;
  // The reopened gate shows what was submitted for it last.
  const previous = reopened
    ? await latestSubmission(ports, project.projectId, resumeTo.gateId, project.lastSequence)
    : undefined;
  await ports.repository.changeProject({
    projectId: project.projectId,
    expectedVersion: project.version,
    set: plan.set,
    remove: [...(plan.remove ?? []), 'hold'],
    ...(plan.agendaAt !== undefined ? { agendaAt: plan.agendaAt } : {}),
    ...(previous && reopened ? { submission: { ...previous, sequence: reopened.sequence } } : {}),
    events: [
      projectEvent(project, 'project.resumed', {
        at,
        actor: caller.actor,
        source: args.source,
        detail: {
          reason: parsed.value.reason,
          cause: project.hold.cause,
          to: resumeTo,
          sequence: reopened?.sequence,
        },
      }),
      ...plan.events,
    ],
  });
  if (plan.pending) await startPending(ports, { pendingStart: plan.pending });
  return {
    status: String(plan.set.status),
    gateId: resumeTo.gateId,
    ...(reopened ? { sequence: reopened.sequence } : {}),
  };
}

async function latestSubmission(
  ports: Pick<Ports, 'repository'>,
  projectId: string,
  gateId: string,
  last: number,
) {
  for (let sequence = last; sequence >= 1; sequence--) {
    const submission = await ports.repository.getSubmission(projectId, sequence);
    if (submission?.gateId === gateId) return submission;
  }
  return undefined;
}
