import { CHAINS, SEAL_ACTION } from '../domain/trail.ts';
import { closeOutEmail } from '../views/email.ts';
import type { GateInstance, Project } from './model.ts';
import { sendNotice } from './notify.ts';
import type { Ports } from './ports.ts';
import { closeOutReason, loadProjectAndDefinition, nowIso, projectEvent, SYSTEM } from './shared.ts';
import { changeWithRetry } from './transitions.ts';

type CloseOutPorts = Pick<Ports, 'repository' | 'mailer' | 'clock' | 'settings' | 'log'>;

/**
 * After the sponsor's sign-off (or its deadline): the project's final status, the closing
 * notices, then the trail sealed — nothing is appended to it after that but exports. Each
 * step is done once; a repeated call (a retry, the sweeper) finishes what is left.
 */
export async function closeProject(ports: CloseOutPorts, signOffGate: GateInstance): Promise<void> {
  const { project } = await loadProjectAndDefinition(ports, signOffGate.projectId);
  const reason = project.closeReason ?? 'completed';
  if (project.status !== 'closed') {
    const at = nowIso(ports);
    const signOff = await signOffOf(ports, signOffGate);
    await changeWithRetry(ports, project.projectId, (current) => ({
      projectId: current.projectId,
      expectedVersion: current.version,
      set: { status: 'closed', closedAt: at, signOff, updatedAt: at },
      remove: ['pendingStart'],
      agendaAt: null,
      events: [
        projectEvent(current, 'project.closed', {
          at,
          actor: SYSTEM.closeOut,
          gate: signOffGate,
          detail: { reason, signOff },
        }),
      ],
    }));
  }
  const closed = (await ports.repository.getProject(project.projectId)) as Project;
  if (!closed.noticesSentAt) {
    const signOff = closed.signOff?.given
      ? `${closed.signOff.name} signed it off on ${closed.signOff.at.slice(0, 16).replace('T', ' ')} UTC.`
      : 'The sponsor did not sign it off by the deadline.';
    const recipients = new Set(
      [closed.requester.email, closed.manager?.email, closed.sponsorEmail].filter((e) => e !== undefined),
    );
    // Once per recipient (the mail ledger): a repeated call sends only what is not sent yet.
    for (const to of recipients) {
      await sendNotice(ports, closed, {
        sequence: signOffGate.sequence,
        kind: 'closed',
        n: '1',
        mail: closeOutEmail({
          to,
          title: closed.title,
          reason,
          at: closed.closedAt ?? nowIso(ports),
          signOff,
        }),
      });
    }
    await ports.repository.changeProject({
      projectId: closed.projectId,
      expectedVersion: closed.version,
      set: { noticesSentAt: nowIso(ports) },
      events: [],
    });
  }
  const head = await ports.repository.getTrailHead(CHAINS.project(project.projectId));
  if (!head?.sealed) {
    const at = nowIso(ports);
    await changeWithRetry(ports, project.projectId, (current) => ({
      projectId: current.projectId,
      expectedVersion: current.version,
      set: { sealedAt: at },
      applied: {
        sequence: signOffGate.sequence,
        at,
        next: { route: 'close-out', reason: closeOutReason(current) },
      },
      events: [
        projectEvent(current, SEAL_ACTION, {
          at,
          actor: SYSTEM.closeOut,
          detail: { lastEntry: head?.seq ?? 0 },
        }),
      ],
      seal: true,
    }));
  }
}

async function signOffOf(ports: CloseOutPorts, gate: GateInstance): Promise<NonNullable<Project['signOff']>> {
  if (gate.status !== 'decided') return { given: false, lapsedAt: gate.decidedAt ?? nowIso(ports) };
  const [vote] = await ports.repository.listVotes(gate.projectId, gate.sequence);
  const requests = await ports.repository.listRequests(gate.projectId, gate.sequence);
  const by = vote?.approver ?? gate.approvers[0] ?? '';
  return {
    given: true,
    by,
    name: requests.find((r) => r.approver === by)?.name ?? by,
    at: vote?.at ?? gate.decidedAt ?? '',
  };
}
