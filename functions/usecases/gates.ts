import { findGate, type ProcessDefinition, resolveApprovers } from '../domain/definition.ts';
import { buildGatePackage, gatePackageHash } from '../domain/gate-package.ts';
import { routeAfter } from '../domain/routing.ts';
import { tally } from '../domain/rules.ts';
import type { TrailEvent } from '../domain/trail.ts';
import type { ApprovalRequest, GateInstance, GateResult, Project } from './model.ts';
import { sendDecisionRequest } from './notify.ts';
import { type Ports, WriteRejectedError } from './ports.ts';

export interface GateTaskInput {
  projectId: string;
  gate: { gateId: string; sequence: number };
}

type GatePorts = Pick<Ports, 'repository' | 'mailer' | 'workflow' | 'clock' | 'settings'>;

/** A workflow step met data it cannot work with; the execution fails with this name. */
export class GateTaskError extends Error {
  override readonly name = 'GateTaskError';
}

export async function loadProjectAndDefinition(
  ports: Pick<Ports, 'repository'>,
  projectId: string,
): Promise<{ project: Project; definition: ProcessDefinition }> {
  const project = await ports.repository.getProject(projectId);
  if (!project) throw new GateTaskError(`project ${projectId} does not exist`);
  const definition = await ports.repository.getDefinition(project.definition.id, project.definition.version);
  if (!definition)
    throw new GateTaskError(`definition ${project.definition.id} v${project.definition.version} is missing`);
  return { project, definition };
}

/**
 * The gate-review wait task. Opens the gate instance (package, approval requests, trail
 * entry) and keeps the task token server-side; then asks whoever the vote rule is
 * waiting for. Idempotent: a redelivered wait (a retry on AWS, a resume after a local
 * restart) finds the instance, keeps the newest token, sends only mails not yet sent,
 * and — if a decision was committed but the workflow never heard — resumes at once.
 */
export async function openGate(
  ports: GatePorts,
  input: GateTaskInput & { taskToken: string },
): Promise<void> {
  const { projectId, gate: ref } = input;
  let gate = await ports.repository.getGate(projectId, ref.sequence);
  if (!gate) {
    const { project, definition } = await loadProjectAndDefinition(ports, projectId);
    const gateDef = findGate(definition, ref.gateId);
    if (!gateDef)
      throw new GateTaskError(`gate ${ref.gateId} is not in ${definition.id} v${definition.version}`);
    const now = ports.clock.now();
    const openedAt = now.toISOString();
    const dueAt = new Date(now.getTime() + gateDef.sla.decideWithinHours * 3_600_000).toISOString();
    const pkg = buildGatePackage({
      project: {
        id: project.projectId,
        title: project.title,
        summary: project.summary,
        requester: project.requester.email,
        sponsor: project.sponsorEmail,
        ...(project.estimatedCost === undefined ? {} : { estimatedCost: project.estimatedCost }),
      },
      definition,
      gate: gateDef,
      sequence: ref.sequence,
      openedAt,
      dueAt,
    });
    const fresh: GateInstance = {
      projectId,
      sequence: ref.sequence,
      gateId: gateDef.id,
      status: 'open',
      package: pkg,
      packageHash: gatePackageHash(pkg),
      approvers: resolveApprovers(gateDef, project),
      rule: gateDef.rule,
      openedAt,
      dueAt,
      version: 0,
    };
    const requests: ApprovalRequest[] = fresh.approvers.map((approver) => ({
      projectId,
      sequence: ref.sequence,
      approver,
      status: 'pending',
      dueAt,
    }));
    try {
      await ports.repository.openGate(fresh, requests, input.taskToken, {
        ...systemEvent(fresh, 'gate.opened', openedAt),
        packageHash: fresh.packageHash,
        detail: {
          gateId: fresh.gateId,
          sequence: fresh.sequence,
          approvers: fresh.approvers,
          dueAt,
          rule: fresh.rule,
        },
      });
      gate = fresh;
    } catch (error) {
      if (!(error instanceof WriteRejectedError && error.guards.includes('new-gate'))) throw error;
      gate = await ports.repository.getGate(projectId, ref.sequence);
      if (!gate) throw error;
      await ports.repository.storeTaskToken(projectId, ref.sequence, input.taskToken);
    }
  } else {
    await ports.repository.storeTaskToken(projectId, ref.sequence, input.taskToken);
  }

  if (gate.status !== 'open') {
    await resumeWorkflow(ports, gate);
    return;
  }
  await notifyAwaited(ports, gate);
}

/** Mails every approver the rule is waiting for who has not been mailed yet. */
export async function notifyAwaited(ports: GatePorts, gate: GateInstance): Promise<void> {
  const votes = await ports.repository.listVotes(gate.projectId, gate.sequence);
  const state = tally(
    gate.rule,
    gate.approvers,
    votes.map((v) => ({ approver: v.approver, outcome: v.decision.outcome })),
  );
  if (state.status !== 'pending') return;
  const requests = await ports.repository.listRequests(gate.projectId, gate.sequence);
  for (const request of requests) {
    if (request.status === 'pending' && !request.notifiedAt && state.awaiting.includes(request.approver)) {
      await sendDecisionRequest(ports, gate, request);
    }
  }
}

/** What a decided or expired gate hands the waiting workflow; undefined while it is open. */
export function gateResult(gate: GateInstance): GateResult | undefined {
  if (gate.status === 'open' || !gate.outcome || !gate.route || !gate.decidedAt) return undefined;
  return { outcome: gate.outcome, decidedAt: gate.decidedAt, next: gate.route };
}

/** Tells the waiting workflow a decided gate's result; repairs a decision whose resume was lost. */
export async function resumeWorkflow(
  ports: Pick<Ports, 'repository' | 'workflow' | 'clock'>,
  gate: GateInstance,
) {
  const result = gateResult(gate);
  if (!result) return;
  const token = await ports.repository.readTaskToken(gate.projectId, gate.sequence);
  if (!token) return;
  const answer = await ports.workflow.resumeGate(token, result);
  if (answer === 'resumed')
    await ports.repository.markResumed(gate.projectId, gate.sequence, ports.clock.now().toISOString());
}

/**
 * The Catch on the gate wait's timeout: the deadline passed with no decision, so the
 * definition's deadline outcome is taken. If a decision did land (and its resume was
 * lost), that decision stands instead.
 */
export async function expireGate(
  ports: Pick<Ports, 'repository' | 'clock'>,
  input: GateTaskInput,
): Promise<GateResult> {
  const gate = await ports.repository.getGate(input.projectId, input.gate.sequence);
  if (!gate)
    throw new GateTaskError(`gate instance ${input.gate.sequence} of ${input.projectId} does not exist`);
  const already = gateResult(gate);
  if (already) return already;
  const { definition } = await loadProjectAndDefinition(ports, input.projectId);
  const gateDef = findGate(definition, gate.gateId);
  const outcome = gateDef?.sla.atDeadline ?? 'hold';
  const at = ports.clock.now().toISOString();
  const next = routeAfter(definition, gate, outcome);
  try {
    await ports.repository.expireGate(
      gate,
      { at, outcome, route: next },
      {
        ...systemEvent(gate, 'gate.expired', at),
        detail: { gateId: gate.gateId, sequence: gate.sequence, dueAt: gate.dueAt, outcome, next },
      },
    );
  } catch (error) {
    if (!(error instanceof WriteRejectedError)) throw error;
    // Decided in the last moment: that decision stands.
    const decided = await ports.repository.getGate(input.projectId, input.gate.sequence);
    const result = decided && gateResult(decided);
    if (result) return result;
    throw error;
  }
  return { outcome, decidedAt: at, next };
}

/** Hold: the project waits on this gate for a PMO admin to resume it; its token is kept server-side. */
export async function parkOnHold(
  ports: Pick<Ports, 'repository' | 'clock'>,
  input: GateTaskInput & { taskToken: string; decidedSequence: number },
): Promise<void> {
  const gate = await ports.repository.getGate(input.projectId, input.decidedSequence);
  if (!gate)
    throw new GateTaskError(`gate instance ${input.decidedSequence} of ${input.projectId} does not exist`);
  await ports.repository.storeTaskToken(input.projectId, input.decidedSequence, input.taskToken);
  const project = await ports.repository.getProject(input.projectId);
  if (project?.status === 'on-hold') return;
  const at = ports.clock.now().toISOString();
  await ports.repository.setProjectStatus(input.projectId, 'on-hold', {
    ...systemEvent(gate, 'project.on-hold', at),
    detail: { gateId: gate.gateId, sequence: gate.sequence, reopensAs: input.gate },
  });
}

function systemEvent(gate: GateInstance, action: string, at: string): TrailEvent {
  return {
    projectId: gate.projectId,
    at,
    actor: { type: 'system', id: 'gate-review' },
    action,
    definition: { id: gate.package.definition.id, version: gate.package.definition.version },
    detail: {},
  };
}
