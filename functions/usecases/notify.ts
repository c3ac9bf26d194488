import { mailRetryAt } from '../domain/agenda.ts';
import type { ProcessDefinition } from '../domain/definition.ts';
import { newLinkSecret } from '../domain/links.ts';
import { decisionRequestEmail, escalationEmail, holdEmail } from '../views/email.ts';
import type { ApprovalRequest, ConditionRecord, GateInstance, Project } from './model.ts';
import { type Mail, type MailKind, type Ports, WriteRejectedError } from './ports.ts';
import { gateProject, nowIso, projectEvent, SYSTEM } from './shared.ts';

type NotifyPorts = Pick<Ports, 'repository' | 'mailer' | 'clock' | 'settings' | 'log'>;

/**
 * Issues a fresh single-use link for one approval request and e-mails it (a reminder does
 * the same: the old link stops working). The link is stored before the mail goes out, so a
 * mail never carries a link the table does not know; only its hash is stored. The request
 * counts as mailed only once SES accepted the mail; a failure is recorded for the sweeper to
 * retry, never thrown: a mail problem must not end a review.
 */
export async function sendRequestMail(
  ports: NotifyPorts,
  gate: GateInstance,
  request: ApprovalRequest,
  kind: MailKind,
): Promise<'sent' | 'failed' | 'not-pending'> {
  const now = ports.clock.now();
  const maxAge = new Date(now.getTime() + ports.settings.linkMaxAgeHours * 3_600_000).toISOString();
  const { secret, hash } = newLinkSecret();
  try {
    await ports.repository.issueLink(request, {
      hash,
      projectId: gate.projectId,
      sequence: gate.sequence,
      approver: request.approver,
      issuedAt: now.toISOString(),
      // The earlier of the two: ISO-8601 UTC strings sort like the instants they name.
      expiresAt: [gate.dueAt, maxAge].sort()[0] as string,
    });
  } catch (error) {
    if (error instanceof WriteRejectedError && error.guards.includes('request-pending')) return 'not-pending';
    throw error;
  }
  const mail = decisionRequestEmail({
    to: request.approver,
    name: request.name,
    pkg: gate.package,
    link: `${ports.settings.appUrl}/a/${secret}`,
    kind,
    ...(request.handedFrom ? { handedFrom: request.handedFrom } : {}),
  });
  let messageId: string;
  try {
    ({ messageId } = await ports.mailer.send(mail));
  } catch (error) {
    const attempts = (request.sendAttempts ?? 0) + 1;
    ports.log.warn('approval mail not sent; the sweeper retries it', {
      projectId: gate.projectId,
      sequence: gate.sequence,
      kind,
      attempts,
      error: error instanceof Error ? error.name : 'unknown',
    });
    await ports.repository.markMailFailed(request, {
      attempts,
      retryAt: mailRetryAt(now.toISOString(), attempts),
    });
    return 'failed';
  }
  const at = nowIso(ports);
  await ports.repository.markMailed(
    { ...request, linkHash: hash },
    kind,
    { at, messageId },
    projectEvent(gateProject(gate), 'mail.sent', {
      at,
      actor: SYSTEM.gateReview,
      gate,
      detail: { to: request.approver, kind, messageId },
    }),
  );
  return 'sent';
}

/**
 * A notice that is not an approval request (escalation, hold, close-out): sent once, with
 * its trail entry; a failure is logged, not retried.
 */
export async function sendNotice(
  ports: NotifyPorts,
  project: Pick<Project, 'projectId' | 'definition'>,
  mail: Mail,
  kind: string,
): Promise<void> {
  try {
    const { messageId } = await ports.mailer.send(mail);
    const at = nowIso(ports);
    await ports.repository.appendTrail([
      projectEvent(project, 'mail.sent', {
        at,
        actor: SYSTEM.gateReview,
        detail: { to: mail.to, kind, messageId },
      }),
    ]);
  } catch (error) {
    ports.log.error('notice not sent', {
      projectId: project.projectId,
      kind,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}

/** Tells the escalation contact (the PMO when none is named) who has not decided. */
export async function escalationNotice(
  ports: NotifyPorts,
  args: { gate: GateInstance; definition: ProcessDefinition; awaiting: ApprovalRequest[] },
): Promise<void> {
  const to = args.definition.contacts.escalation ?? args.definition.contacts.pmo;
  await sendNotice(
    ports,
    gateProject(args.gate),
    escalationEmail({
      to,
      pkg: args.gate.package,
      awaiting: args.awaiting.map((r) => ({ email: r.approver, name: r.name })),
    }),
    'escalation',
  );
}

/** Tells the PMO (and a missed condition's owner) that the system put a project on hold. */
export async function holdNotice(
  ports: NotifyPorts,
  args: {
    project: Project;
    definition: ProcessDefinition;
    cause: 'deadline' | 'condition';
    gateName?: string;
    condition?: ConditionRecord;
  },
): Promise<void> {
  const recipients = new Set([
    args.definition.contacts.pmo,
    ...(args.condition ? [args.condition.owner] : []),
  ]);
  for (const to of recipients) {
    await sendNotice(
      ports,
      args.project,
      holdEmail({
        to,
        title: args.project.title,
        cause: args.cause,
        ...(args.gateName ? { gateName: args.gateName } : {}),
        ...(args.condition ? { condition: args.condition } : {}),
        at: nowIso(ports),
      }),
      `hold-${args.cause}`,
    );
  }
}
