import * as z from 'zod/mini';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { safeText } from '../domain/text.ts';
import type { TrailActor } from '../domain/trail.ts';
import { parseWith } from '../domain/validation.ts';
import type { Caller } from './caller.ts';
import { LinkGoneError, viewDecision } from './decisions.ts';
import { checkESignature, type SignatureProof, SignatureRefusedError } from './esignature.ts';
import type { ApprovalRequest, GateInstance, Project, RequestSource } from './model.ts';
import { type IdentityVerifier, type Ports, WriteRejectedError } from './ports.ts';
import { nudgeWorkflow } from './resume.ts';
import { reschedule } from './scheduling.ts';
import {
  canonical,
  gateProject,
  nowIso,
  ownsProject,
  printedName,
  projectEvent,
  projectFor,
} from './shared.ts';

type HandOverPorts = Pick<Ports, 'repository' | 'workflow' | 'clock' | 'settings' | 'log'>;

const email = z.email().check(z.toLowerCase(), z.maxLength(254));
export const delegationSchema = z.strictObject({ to: email, reason: safeText(1, 1000) });
export const reassignmentSchema = z.strictObject({ from: email, to: email, reason: safeText(1, 1000) });

/**
 * POST /a/{secret}/delegate: the approver hands their decision to someone else, with a
 * reason. Their link stops working; the delegate gets their own.
 */
export async function delegate(
  ports: HandOverPorts & { identity?: IdentityVerifier },
  args: { secret: string; body: unknown; source: RequestSource; signature?: SignatureProof },
): Promise<{ to: string; toName: string }> {
  const view = await viewDecision(ports, args.secret, args.source);
  const parsed = parseWith(delegationSchema, args.body);
  if (!parsed.ok) throw new InvalidInputError('the delegation has problems', parsed.problems);
  // Handing on an e-signature gate is signed like deciding it: else a forwarded mail could
  // hand the decision to whoever forwarded it.
  if (view.gate.package.gate.esignature) {
    if (!ports.identity) throw new SignatureRefusedError('e-signatures are not set up here; ask the PMO');
    await checkESignature({ ...ports, identity: ports.identity }, view, args.signature ?? {}, args.source);
  }
  const from = view.requests.find((r) => r.approver === view.approver) as ApprovalRequest;
  const actor: TrailActor = { type: 'person', id: view.approver, name: view.approverName };
  const to = await handOver(ports, {
    project: view.project,
    gate: view.gate,
    from,
    to: parsed.value.to,
    why: 'delegated',
    reason: parsed.value.reason,
    actor,
    source: args.source,
    spentLink: { hash: view.link.hash, at: nowIso(ports) },
  });
  return { to: to.approver, toName: to.name };
}

/** POST /projects/{id}/gates/{sequence}/reassign: a PMO admin hands a pending request to someone else. */
export async function reassign(
  ports: HandOverPorts,
  caller: Caller,
  args: { projectId: string; sequence: number; body: unknown; source: RequestSource },
): Promise<{ from: string; to: string }> {
  const parsed = parseWith(reassignmentSchema, args.body);
  if (!parsed.ok) throw new InvalidInputError('the reassignment has problems', parsed.problems);
  const { project } = await projectFor(ports, args.projectId, () => true);
  const gate = await ports.repository.getGate(project.projectId, args.sequence);
  if (!gate) throw new NotFoundError(`gate instance ${args.sequence} of this project was not found`);
  if (gate.status !== 'open')
    throw new ConflictError(`gate instance ${args.sequence} is not open (${gate.status})`);
  const requests = await ports.repository.listRequests(project.projectId, gate.sequence);
  const from = requests.find(
    (r) => r.status === 'pending' && canonical(ports, r.approver) === canonical(ports, parsed.value.from),
  );
  if (!from)
    throw new InvalidInputError('the reassignment has problems', [
      { path: 'from', message: 'has no pending request on this gate' },
    ]);
  const to = await handOver(ports, {
    project,
    gate,
    from,
    to: parsed.value.to,
    why: 'reassigned',
    reason: parsed.value.reason,
    actor: caller.actor,
    source: args.source,
  });
  return { from: from.approver, to: to.approver };
}

/**
 * The one way a request changes hands. Nobody hands a decision to the project's requester
 * or manager, to themselves, or to someone already deciding this gate.
 */
async function handOver(
  ports: HandOverPorts,
  args: {
    project: Project;
    gate: GateInstance;
    from: ApprovalRequest;
    to: string;
    why: 'delegated' | 'reassigned';
    reason: string;
    actor: TrailActor;
    source: RequestSource;
    spentLink?: { hash: string; at: string };
  },
): Promise<ApprovalRequest> {
  const { project, gate, from } = args;
  const refuse = (message: string) =>
    new InvalidInputError(`the ${args.why === 'delegated' ? 'delegation' : 'reassignment'} has problems`, [
      { path: 'to', message },
    ]);
  if (canonical(ports, args.to) === canonical(ports, from.approver))
    throw refuse('is the person handing it on');
  if (ownsProject(ports, project, args.to))
    throw refuse("is the project's requester or manager, who may not decide on their own project");
  const requests = await ports.repository.listRequests(gate.projectId, gate.sequence);
  const already = requests.find(
    (r) =>
      canonical(ports, r.approver) === canonical(ports, args.to) &&
      (r.status === 'pending' || r.status === 'decided'),
  );
  if (already) throw refuse('already decides on this gate');
  // Handed back to someone who had it before: a new round of their request, mailed afresh.
  const earlier = requests.find((r) => r.approver === args.to);
  const at = nowIso(ports);
  const to: ApprovalRequest = {
    projectId: gate.projectId,
    sequence: gate.sequence,
    approver: args.to,
    name: await printedName(ports, args.to),
    status: 'pending',
    dueAt: gate.dueAt,
    handedFrom: { approver: from.approver, why: args.why, reason: args.reason },
    ...(earlier ? { round: (earlier.round ?? 1) + 1 } : {}),
  };
  try {
    await ports.repository.handOver({
      gate,
      from,
      to,
      ...(args.spentLink ? { spentLink: args.spentLink } : {}),
      events: [
        // Under the version the gate runs with, which a migration since does not change.
        projectEvent(gateProject(gate), `request.${args.why}`, {
          at,
          actor: args.actor,
          gate,
          source: args.source,
          detail: { from: from.approver, to: to.approver, reason: args.reason },
        }),
      ],
    });
  } catch (error) {
    if (!(error instanceof WriteRejectedError)) throw error;
    if (error.guards.includes('link-unused'))
      throw new LinkGoneError('this approval link has already been used');
    throw new ConflictError('the gate changed meanwhile (a decision or another hand-over); look again');
  }
  const updated: GateInstance = {
    ...gate,
    approvers: gate.approvers.map((a) => (a === from.approver ? to.approver : a)),
    version: gate.version + 1,
  };
  // The new approver is mailed by the workflow (or, should that be lost, by the sweeper). The
  // hand-over is committed: a lost nudge must not turn it into an error.
  await reschedule(ports, updated, at);
  try {
    await nudgeWorkflow(ports, updated);
  } catch (error) {
    ports.log.warn('hand-over recorded but the nudge failed', {
      projectId: gate.projectId,
      sequence: gate.sequence,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
  return to;
}
