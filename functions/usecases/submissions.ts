import { findGate } from '../domain/definition.ts';
import { ConflictError, InvalidInputError } from '../domain/errors.ts';
import { parseSubmission } from '../domain/submission.ts';
import { type Caller, requireRole } from './caller.ts';
import type { RequestSource } from './model.ts';
import type { Ports } from './ports.ts';
import { canonical, nowIso, ownsProject, plusMs, projectEvent, projectFor } from './shared.ts';
import { START_GRACE_MS, startPending } from './transitions.ts';

/**
 * POST /projects/{id}/submissions: the project's requester or manager submits the stage's
 * deliverables, which opens the gate the stage leads to (a new gate instance). Refused while
 * a condition of an earlier Conditional Go is open, or when the checklist is not satisfied.
 */
export async function submitStage(
  ports: Pick<Ports, 'repository' | 'workflow' | 'clock' | 'settings'>,
  caller: Caller,
  args: { projectId: string; body: unknown; source: RequestSource },
): Promise<{ gateId: string; sequence: number }> {
  requireRole(caller, 'requester');
  const { project, definition } = await projectFor(ports, args.projectId, (p) =>
    ownsProject(ports, p, caller.email),
  );
  if (project.status !== 'in-stage' || !project.stage)
    throw new ConflictError(`the project is ${project.status}, not working on a stage: nothing to submit`);
  const gate = findGate(definition, project.stage.gateId);
  if (!gate) throw new ConflictError(`gate ${project.stage.gateId} is not in the project's process`);
  const parsed = parseSubmission(args.body, gate);
  if (!parsed.ok) throw new InvalidInputError('the submission has problems', parsed.problems);
  const open = (await ports.repository.listConditions(project.projectId)).filter((c) => c.state === 'open');
  if (open.length > 0) {
    throw new ConflictError(
      `conditions must be met or waived first: ${open.map((c) => `${c.conditionId} "${c.text}" (due ${c.due})`).join('; ')}`,
    );
  }
  const at = nowIso(ports);
  const sequence = project.lastSequence + 1;
  const ref = { gateId: gate.id, sequence };
  const pendingStart = {
    workflow: 'gate-review' as const,
    input: { projectId: project.projectId, gate: ref },
    since: at,
  };
  await ports.repository.changeProject({
    projectId: project.projectId,
    expectedVersion: project.version,
    set: { status: 'in-review', lastSequence: sequence, pendingStart, updatedAt: at },
    remove: ['stage'],
    agendaAt: plusMs(at, START_GRACE_MS),
    submission: {
      ...parsed.value,
      projectId: project.projectId,
      sequence,
      submittedBy: canonical(ports, caller.email),
      submittedAt: at,
    },
    events: [
      projectEvent(project, 'stage.submitted', {
        at,
        actor: caller.actor,
        gate: ref,
        source: args.source,
        detail: { gateId: gate.id, note: parsed.value.note, deliverables: parsed.value.deliverables },
      }),
    ],
  });
  // If this start is lost, the sweeper starts it (the project stays on the agenda until the gate opens).
  await startPending(ports, { pendingStart });
  return ref;
}
