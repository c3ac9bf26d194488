import { reminderOwed } from '../domain/agenda.ts';
import {
  CLOSE_OUT_GATE_ID,
  findGate,
  type ProcessDefinition,
  resolveApprovers,
} from '../domain/definition.ts';
import {
  buildCloseOutPackage,
  buildGatePackage,
  type GatePackage,
  gatePackageHash,
} from '../domain/gate-package.ts';
import type { ApprovalRequest, GateInstance, GateTaskInput, Project } from './model.ts';
import { sendRequestMail } from './notify.ts';
import { type Ports, WriteRejectedError } from './ports.ts';
import { endWait, resumeWorkflow } from './resume.ts';
import { awaitingOf, nextLook, reschedule } from './scheduling.ts';
import {
  canonical,
  closeOutReason,
  directoryEntry,
  GateTaskError,
  loadProjectAndDefinition,
  nowIso,
  ownsProject,
  plusMs,
  printedName,
  projectEvent,
  SYSTEM,
} from './shared.ts';

type GatePorts = Pick<Ports, 'repository' | 'mailer' | 'workflow' | 'clock' | 'settings' | 'log'>;

/**
 * The wait task of a gate review (and of the close-out sign-off). Opens the gate instance
 * (package, requests, trail entry) and keeps the task token server-side, then mails whoever
 * the vote rule is waiting for. Idempotent: a redelivered wait finds the instance, keeps the
 * newest token, sends only mails not yet sent, and — if a decision was committed but the
 * workflow never heard — resumes at once.
 */
export async function openGate(
  ports: GatePorts,
  input: GateTaskInput & { taskToken: string },
): Promise<void> {
  const { projectId, gate: ref } = input;
  let gate = await ports.repository.getGate(projectId, ref.sequence);
  let created = false;
  if (!gate) {
    const fresh = await newInstance(ports, input);
    try {
      await ports.repository.openGate({ ...fresh, taskToken: input.taskToken });
      gate = fresh.gate;
      created = true;
    } catch (error) {
      if (!(error instanceof WriteRejectedError && error.guards.includes('new-gate'))) throw error;
      gate = await ports.repository.getGate(projectId, ref.sequence);
    }
  }
  if (!gate) throw new GateTaskError(`gate instance ${ref.sequence} of ${projectId} could not be opened`);
  // Redelivered (or opened concurrently, or nudged): keep the newest token beside the existing
  // instance, then look at the gate again. A decision committed before the token was stored
  // resumed the old, spent token and found nothing waiting; read after, it is seen here.
  if (!created) {
    await ports.repository.storeTaskToken(projectId, ref.sequence, input.taskToken);
    gate = (await ports.repository.getGate(projectId, ref.sequence)) ?? gate;
  }
  if (gate.status !== 'open') {
    // A gate a PMO admin closed is followed already (resumeWorkflow would leave it): this wait
    // was entered after the close's own wake found the token spent (a nudge), so end it here.
    if (gate.status === 'closed') await endWait(ports, gate);
    else await resumeWorkflow(ports, gate);
    return;
  }
  await notifyAwaited(ports, gate);
}

async function newInstance(ports: GatePorts, input: GateTaskInput) {
  const { projectId, gate: ref } = input;
  const { project, definition } = await loadProjectAndDefinition(ports, projectId);
  const openedAt = nowIso(ports);
  const shape = await instanceShape(ports, project, definition, input, openedAt);
  const dueAt = plusMs(openedAt, shape.decideWithinHours * 3_600_000);
  const pkg = shape.build(dueAt);
  const { approvers, requests, handovers } = await resolveRequests(ports, project, definition, {
    wanted: shape.approvers,
    sequence: ref.sequence,
    dueAt,
  });
  const gate: GateInstance = {
    projectId,
    sequence: ref.sequence,
    gateId: ref.gateId,
    kind: pkg.kind,
    status: 'open',
    package: pkg,
    packageHash: gatePackageHash(pkg),
    approvers,
    rule: shape.rule,
    sla: shape.sla,
    openedAt,
    dueAt,
    version: 0,
  };
  const opened = projectEvent(project, 'gate.opened', {
    at: openedAt,
    actor: SYSTEM.gateReview,
    gate,
    packageHash: gate.packageHash,
    detail: { kind: gate.kind, approvers, dueAt, rule: gate.rule, sla: gate.sla, handovers },
  });
  return {
    gate,
    requests,
    // This task mails the approvers next; the sweeper only steps in if it does not.
    agendaAt: nextLook(gate, requests, [], openedAt),
    events: [opened],
  };
}

/** What kind of instance this is: a gate of the definition, or the close-out sign-off. */
async function instanceShape(
  ports: GatePorts,
  project: Project,
  definition: ProcessDefinition,
  input: GateTaskInput,
  openedAt: string,
) {
  const { gate: ref } = input;
  if (ref.gateId === CLOSE_OUT_GATE_ID) {
    const { sla } = definition.closeOut;
    return {
      approvers: [project.sponsorEmail],
      rule: { kind: 'all' } as const,
      sla: { ...(sla.remindAfterHours ? { remindAfterHours: sla.remindAfterHours } : {}) },
      decideWithinHours: sla.decideWithinHours,
      build: (dueAt: string): GatePackage =>
        buildCloseOutPackage({
          project,
          definition,
          reason: closeOutReason(project),
          sequence: ref.sequence,
          openedAt,
          dueAt,
        }),
    };
  }
  const gateDef = findGate(definition, ref.gateId);
  if (!gateDef)
    throw new GateTaskError(`gate ${ref.gateId} is not in ${definition.id} v${definition.version}`);
  const submitted = await ports.repository.getSubmission(project.projectId, ref.sequence);
  const { remindAfterHours, escalateAfterHours, atDeadline, decideWithinHours } = gateDef.sla;
  return {
    approvers: resolveApprovers(gateDef, project),
    rule: gateDef.rule,
    sla: {
      ...(remindAfterHours ? { remindAfterHours } : {}),
      ...(escalateAfterHours ? { escalateAfterHours } : {}),
      atDeadline,
    },
    decideWithinHours,
    build: (dueAt: string) =>
      buildGatePackage({
        project,
        definition,
        gate: gateDef,
        submission: submitted && {
          note: submitted.note,
          deliverables: submitted.deliverables,
          submittedBy: submitted.submittedBy,
          submittedAt: submitted.submittedAt,
        },
        sequence: ref.sequence,
        openedAt,
        dueAt,
      }),
  };
}

/**
 * Who is asked, with printed names from the directory. Separation of duties holds whatever
 * the definition says: the project's requester or manager is replaced by the PMO. An approver
 * who is out of office is replaced by their delegate (unless that would break the same rule).
 */
async function resolveRequests(
  ports: GatePorts,
  project: Project,
  definition: ProcessDefinition,
  args: { wanted: string[]; sequence: number; dueAt: string },
) {
  const { wanted, sequence, dueAt } = args;
  const today = nowIso(ports).slice(0, 10);
  const approvers: string[] = [];
  const requests: ApprovalRequest[] = [];
  const handovers: { from: string; to: string; why: string; reason: string }[] = [];
  const taken = (email: string) => approvers.some((a) => canonical(ports, a) === canonical(ports, email));
  for (const approver of wanted) {
    let who = approver;
    let handedFrom: ApprovalRequest['handedFrom'];
    if (ownsProject(ports, project, who)) {
      who = definition.contacts.pmo;
      handedFrom = {
        approver,
        why: 'reassigned',
        reason: 'separation of duties: they requested or manage the project',
      };
    } else {
      const away = (await directoryEntry(ports, who))?.away;
      if (away && away.from <= today && today <= away.until && !ownsProject(ports, project, away.delegate)) {
        who = away.delegate;
        handedFrom = { approver, why: 'out-of-office', reason: `out of office until ${away.until}` };
      }
    }
    if (taken(who)) continue;
    if (handedFrom)
      handovers.push({ from: approver, to: who, why: handedFrom.why, reason: handedFrom.reason });
    approvers.push(who);
    requests.push({
      projectId: project.projectId,
      sequence,
      approver: who,
      name: await printedName(ports, who),
      status: 'pending',
      dueAt,
      ...(handedFrom ? { handedFrom } : {}),
    });
  }
  return { approvers, requests, handovers };
}

/**
 * Mails every approver the rule is waiting for who has not been mailed yet, and reminds those a
 * PMO admin asked to remind (the admin API records the ask and nudges; it never mails), then
 * reschedules.
 */
export async function notifyAwaited(ports: GatePorts, gate: GateInstance): Promise<void> {
  const votes = await ports.repository.listVotes(gate.projectId, gate.sequence);
  const awaiting = awaitingOf(gate, votes);
  for (const request of await ports.repository.listRequests(gate.projectId, gate.sequence)) {
    if (request.status !== 'pending' || !awaiting.includes(request.approver)) continue;
    if (!request.sentAt) await sendRequestMail(ports, gate, request, 'request');
    else if (reminderOwed(request)) await sendRequestMail(ports, gate, request, 'reminder');
  }
  await reschedule(ports, gate);
}
