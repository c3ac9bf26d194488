import type { GateInstance } from './model.ts';
import type { Ports } from './ports.ts';

type ResumePorts = Pick<Ports, 'repository' | 'workflow'>;

/**
 * Tells the workflow waiting on a gate instance to look again. The output is a reference
 * only: ApplyDecision re-reads what DynamoDB recorded. For a decided gate that moves the
 * project on; for a gate still open it re-enters the wait, whose OpenGate mails whoever is
 * newly awaited (the next approver of a chain, a delegate). `gone` when nothing waits.
 */
async function wake(ports: ResumePorts, gate: GateInstance): Promise<'resumed' | 'gone'> {
  const token = await ports.repository.readTaskToken(gate.projectId, gate.sequence);
  if (!token) return 'gone';
  return ports.workflow.resumeGate(token, {
    projectId: gate.projectId,
    gate: { gateId: gate.gateId, sequence: gate.sequence },
  });
}

/** A decided gate's workflow follows the decision (a lost resume is repaired by the sweeper). */
export async function resumeWorkflow(ports: ResumePorts, gate: GateInstance): Promise<'resumed' | 'gone'> {
  if (gate.status === 'open' || gate.appliedAt) return 'gone';
  return wake(ports, gate);
}

/**
 * An open gate whose awaited approvers changed (a vote in a sequential chain, a hand-over):
 * the workflow mails them. The HTTP functions never mail themselves; if this is lost, the
 * sweeper sends the unsent request at its next run.
 */
export async function nudgeWorkflow(ports: ResumePorts, gate: GateInstance): Promise<'resumed' | 'gone'> {
  if (gate.status !== 'open') return 'gone';
  return wake(ports, gate);
}

/**
 * A gate a PMO admin closed (a hold, a cancel), its decision already followed with the close:
 * the waiting workflow is woken, ApplyDecision finds it followed, and the execution ends. If this
 * is lost, the wait's backstop timeout ends it the same way.
 */
export async function endWait(ports: ResumePorts, gate: GateInstance): Promise<'resumed' | 'gone'> {
  if (gate.status !== 'closed') return 'gone';
  return wake(ports, gate);
}
