import { dueActions, gateAgenda } from '../domain/agenda.ts';
import { closeProject } from './close-out.ts';
import { missCondition } from './missed-conditions.ts';
import type { AgendaItem, GateInstance } from './model.ts';
import { escalationNotice, sendFromLedger, sendOwedReceipts, sendRequestMail } from './notify.ts';
import { type Ports, WriteRejectedError } from './ports.ts';
import { resumeWorkflow } from './resume.ts';
import { awaitingOf, reschedule } from './scheduling.ts';
import { gateProject, loadProjectAndDefinition, nowIso, plusMs, projectEvent, SYSTEM } from './shared.ts';
import { applyDecision, START_GRACE_MS, startPending, takeDeadlineOutcome } from './transitions.ts';

type SweepPorts = Pick<Ports, 'repository' | 'mailer' | 'workflow' | 'clock' | 'settings' | 'log'>;

export interface SweepReport {
  examined: number;
  sent: number;
  reminders: number;
  escalations: number;
  deadlines: number;
  resumed: number;
  repaired: number;
  conditionsMissed: number;
  started: number;
  /** Mails sent from the ledger: receipts the workflow had not sent, notices whose step died or SES refused. */
  ledgerMails: number;
  /**
   * Approval mails still unsent an hour after their gate opened, and mails whose claim was
   * taken over once and never marked sent either (an operator alarm).
   */
  mailsOverdue: number;
  errors: number;
}

/** How many due items one sweep takes from each shard; the rest wait for the next sweep. */
export const SWEEP_BATCH = 100;
const MAIL_OVERDUE_MS = 3_600_000;

/**
 * The sweeper (every 5 minutes on AWS, a timer locally): reads what is due in each shard of
 * the agenda index — never a Scan — and acts: sends unsent approval mails, reminds, escalates,
 * takes deadline outcomes, resumes decisions whose resume was lost (or follows them itself
 * when the workflow is gone), puts projects on hold for missed conditions, starts executions
 * a project is owed, and sends what the mail ledger still owes (receipts, notices whose step
 * died). One item's failure never stops the others.
 */
export async function sweep(ports: SweepPorts, options: { batch?: number } = {}): Promise<SweepReport> {
  const report: SweepReport = {
    examined: 0,
    sent: 0,
    reminders: 0,
    escalations: 0,
    deadlines: 0,
    resumed: 0,
    repaired: 0,
    conditionsMissed: 0,
    started: 0,
    ledgerMails: 0,
    mailsOverdue: 0,
    errors: 0,
  };
  const due = await ports.repository.listDue(nowIso(ports), options.batch ?? SWEEP_BATCH);
  for (const item of due) {
    report.examined++;
    try {
      await act(ports, item, report);
    } catch (error) {
      report.errors++;
      ports.log.error('sweeper could not act on an item', {
        kind: item.kind,
        projectId: item.projectId,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
    }
  }
  return report;
}

async function act(ports: SweepPorts, item: AgendaItem, report: SweepReport): Promise<void> {
  if (item.kind === 'condition') {
    if ((await missCondition(ports, item)) !== 'nothing') report.conditionsMissed++;
    return;
  }
  if (item.kind === 'mail') {
    const delivery = await sendFromLedger(ports, item.mail);
    if (delivery === 'sent') report.ledgerMails++;
    if (delivery === 'given-up') report.mailsOverdue++;
    return;
  }
  if (item.kind === 'project') {
    const project = await ports.repository.getProject(item.projectId);
    if (!project?.pendingStart) return;
    await startPending(ports, project);
    report.started++;
    // Still owed until its gate opens: look again later (unless the project moved meanwhile,
    // which reschedules it anyway).
    await movedMeanwhile(
      ports.repository.changeProject({
        projectId: project.projectId,
        expectedVersion: project.version,
        set: {},
        agendaAt: plusMs(nowIso(ports), START_GRACE_MS),
        events: [],
      }),
    );
    return;
  }
  const gate = await ports.repository.getGate(item.projectId, item.sequence);
  if (!gate) return;
  if (gate.status !== 'open') return repairResume(ports, gate, report);

  const now = nowIso(ports);
  const [requests, votes] = await Promise.all([
    ports.repository.listRequests(gate.projectId, gate.sequence),
    ports.repository.listVotes(gate.projectId, gate.sequence),
  ]);
  const awaiting = awaitingOf(gate, votes);
  const actions = dueActions(gateAgenda(gate, requests, awaiting), now);
  for (const action of actions) {
    if (action.kind === 'deadline') {
      await takeDeadlineOutcome(ports, gate);
      report.deadlines++;
      return;
    }
    if (action.kind === 'escalate') {
      const { definition } = await loadProjectAndDefinition(ports, gate.projectId);
      const waiting = requests.filter((r) => r.status === 'pending' && awaiting.includes(r.approver));
      await escalationNotice(ports, { gate, definition, awaiting: waiting });
      await movedMeanwhile(
        ports.repository.scheduleGate(gate, undefined, {
          at: now,
          event: projectEvent(gateProject(gate), 'gate.escalated', {
            at: now,
            actor: SYSTEM.sweeper,
            gate,
            detail: {
              to: definition.contacts.escalation ?? definition.contacts.pmo,
              awaiting: waiting.map((r) => r.approver),
            },
          }),
        }),
      );
      gate.escalatedAt = now;
      report.escalations++;
      continue;
    }
    if (action.kind === 'resume') continue;
    const request = requests.find((r) => r.approver === action.approver);
    if (!request) continue;
    const kind = action.kind === 'send' ? 'request' : 'reminder';
    const result = await sendRequestMail(ports, gate, request, kind);
    if (result === 'given-up') report.mailsOverdue++;
    if (result === 'sent') {
      if (kind === 'request') report.sent++;
      else {
        report.reminders++;
        await ports.repository.appendTrail([
          projectEvent(gateProject(gate), 'request.reminded', {
            at: now,
            actor: SYSTEM.sweeper,
            gate,
            detail: { approver: request.approver, reminder: (request.reminders ?? 0) + 1 },
          }),
        ]);
      }
    } else if (
      result === 'failed' &&
      kind === 'request' &&
      Date.parse(now) - Date.parse(gate.openedAt) > MAIL_OVERDUE_MS
    ) {
      report.mailsOverdue++;
    }
  }
  await reschedule(ports, gate);
}

/**
 * A decided gate whose workflow never followed it: resume the wait; if the wait is gone
 * (timed out, failed, or the token was spent), follow the decision here and start what it owes.
 */
async function repairResume(ports: SweepPorts, gate: GateInstance, report: SweepReport): Promise<void> {
  if (gate.appliedAt) return;
  // Receipts before anything that may seal the trail (a close-out).
  await sendOwedReceipts(ports, gate);
  if ((await resumeWorkflow(ports, gate)) === 'resumed') {
    report.resumed++;
    // Check again later that the workflow did follow it.
    await movedMeanwhile(ports.repository.scheduleGate(gate, plusMs(nowIso(ports), START_GRACE_MS)));
    return;
  }
  if (gate.kind === 'close-out') await closeProject(ports, gate);
  else
    await applyDecision(ports, {
      projectId: gate.projectId,
      gate: { gateId: gate.gateId, sequence: gate.sequence },
    });
  const project = await ports.repository.getProject(gate.projectId);
  if (project?.pendingStart) {
    await startPending(ports, project);
    report.started++;
  }
  report.repaired++;
}

/** A write that lost to a concurrent change (a vote, a gate opening): that change reschedules the item. */
async function movedMeanwhile(write: Promise<void>): Promise<void> {
  try {
    await write;
  } catch (error) {
    const guards = error instanceof WriteRejectedError ? error.guards : [];
    if (!guards.includes('gate-unchanged') && !guards.includes('project-unchanged')) throw error;
  }
}
