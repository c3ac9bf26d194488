import { MAIL_CLAIM_STALE_MS, mailRetryAt, reminderOwed } from '../domain/agenda.ts';
import type { ProcessDefinition } from '../domain/definition.ts';
import { signatureMeaning } from '../domain/gate-package.ts';
import { newLinkSecret } from '../domain/links.ts';
import type { TrailEvent } from '../domain/trail.ts';
import { decisionRequestEmail, escalationEmail, holdEmail, receiptEmail } from '../views/email.ts';
import type {
  ApprovalRequest,
  ConditionRecord,
  GateInstance,
  MailEntry,
  MailRecord,
  Project,
} from './model.ts';
import { type Mail, type MailKind, type Ports, WriteRejectedError } from './ports.ts';
import { gateProject, nowIso, plusMs, projectEvent, SYSTEM } from './shared.ts';

type NotifyPorts = Pick<Ports, 'repository' | 'mailer' | 'clock' | 'settings' | 'log'>;

/**
 * How one mail of the ledger went. `already-sent`: a retry found it sent; `busy`: another step
 * holds the claim (and may still be sending); `given-up`: its claim was taken over once already.
 */
export type Delivery = 'sent' | 'failed' | 'already-sent' | 'busy' | 'given-up';

/**
 * Sends one mail of the ledger at most once per claim: claim it (a conditional write), compose
 * it, send it, then mark it sent with SES's message id and its trail entries in one transaction.
 * A retry of the step finds it claimed: sent (nothing to do) or still claimed (left alone — were
 * its step dead, whoever comes after MAIL_CLAIM_STALE_MS takes the claim over and sends it once
 * more: the one case where a mail may arrive twice, since SES cannot be asked what it accepted).
 * SES refusing the mail releases the claim, with a retry time; a failed mark after SES accepted
 * is thrown, like any failed write, and leaves the claim to be taken over.
 */
async function sendOnce(
  ports: NotifyPorts,
  args: {
    entry: MailEntry;
    /** Tries SES refused so far. */
    attempts: number;
    /** On the agenda while claimed or refused: the sweeper sends it again from the ledger (no gate's agenda brings it back). */
    viaLedger: boolean;
    /** A notice, kept for the sweeper should the claimant die. */
    keep?: Mail;
    /** After the claim: the mail, or undefined when there is nothing to send after all. */
    compose: () => Promise<Mail | undefined>;
    /** What is recorded once SES accepted it. */
    sent: (accepted: { at: string; messageId: string }) => {
      events: TrailEvent[];
      request?: { request: ApprovalRequest; kind: MailKind };
    };
    /** An approval mail: its retry time is kept on the request too (the gate's agenda reads it). */
    request?: ApprovalRequest;
  },
): Promise<Delivery | 'nothing'> {
  const { entry } = args;
  const now = nowIso(ports);
  const claim = await ports.repository.claimMail(entry, {
    at: now,
    staleBefore: plusMs(now, -MAIL_CLAIM_STALE_MS),
    ...(args.viaLedger ? { repairAt: plusMs(now, MAIL_CLAIM_STALE_MS) } : {}),
    ...(args.keep ? { keep: args.keep } : {}),
  });
  const ids = { projectId: entry.projectId, sequence: entry.sequence, kind: entry.kind };
  if (!claim.claimed) {
    if (claim.because === 'given-up')
      ports.log.error('a mail was claimed twice and never marked sent; not sent again', ids);
    return claim.because === 'sent' ? 'already-sent' : claim.because;
  }
  if (claim.takenOver)
    ports.log.warn('a mail claim whose step died was taken over: it may arrive twice', ids);
  const mail = await args.compose();
  if (!mail) {
    await ports.repository.releaseMail(entry);
    return 'nothing';
  }
  let messageId: string;
  try {
    ({ messageId } = await ports.mailer.send(mail));
  } catch (error) {
    const attempts = args.attempts + 1;
    const retryAt = mailRetryAt(now, attempts);
    ports.log.warn('mail not sent; it is tried again', {
      ...ids,
      attempts,
      error: error instanceof Error ? error.name : 'unknown',
    });
    await ports.repository.releaseMail(entry, {
      attempts,
      retryAt,
      ...(args.viaLedger ? { repairAt: retryAt } : {}),
      ...(args.request ? { request: args.request } : {}),
    });
    return 'failed';
  }
  const accepted = { at: nowIso(ports), messageId };
  const { events, request } = args.sent(accepted);
  try {
    await ports.repository.markMailSent(entry, accepted, events, request);
  } catch (error) {
    // A receipt racing the close-out's seal, or a cancel's notice (the cancel sealed the chain):
    // the ledger still says it went out.
    if (!(error instanceof WriteRejectedError && error.guards.includes('chain-sealed'))) throw error;
    await ports.repository.markMailSent(entry, accepted, [], request);
  }
  return 'sent';
}

/**
 * Issues a fresh single-use link for one approval request and e-mails it (a reminder does
 * the same: the old link stops working), once per request round and reminder (the mail
 * ledger). The claim comes first, so a retry never supersedes the link of a mail in flight;
 * the link is stored before the mail goes out, so a mail never carries a link the table does
 * not know; only its hash is stored. The request counts as mailed only once SES accepted the
 * mail; a refusal is recorded for the sweeper to retry, never thrown: a mail problem must not
 * end a review.
 */
export async function sendRequestMail(
  ports: NotifyPorts,
  gate: GateInstance,
  request: ApprovalRequest,
  kind: MailKind,
): Promise<Delivery | 'not-pending'> {
  const round = request.round ?? 1;
  // A reminder a PMO admin asked for is sent once per ask, under a key of its own: a reminder the
  // ledger gave up on (`reminders` counts only those sent) must not swallow every later ask.
  const reminder = reminderOwed(request)
    ? `${round}.asked-${request.remindAskedAt}`
    : `${round}.${(request.reminders ?? 0) + 1}`;
  const entry: MailEntry = {
    projectId: gate.projectId,
    sequence: gate.sequence,
    kind,
    to: request.approver,
    n: kind === 'request' ? `${round}` : reminder,
  };
  let hash = '';
  const delivery = await sendOnce(ports, {
    entry,
    attempts: request.sendAttempts ?? 0,
    viaLedger: false,
    request,
    compose: async () => {
      const now = ports.clock.now();
      const maxAge = new Date(now.getTime() + ports.settings.linkMaxAgeHours * 3_600_000).toISOString();
      const secret = newLinkSecret();
      hash = secret.hash;
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
        if (error instanceof WriteRejectedError && error.guards.includes('request-pending')) return undefined;
        throw error;
      }
      return decisionRequestEmail({
        to: request.approver,
        name: request.name,
        // A PMO admin may have moved the deadline since the package was built (it keeps the first).
        pkg: { ...gate.package, dueAt: gate.dueAt },
        link: `${ports.settings.appUrl}/a/${secret.secret}`,
        kind,
        ...(request.handedFrom ? { handedFrom: request.handedFrom } : {}),
      });
    },
    sent: ({ at, messageId }) => ({
      events: [
        projectEvent(gateProject(gate), 'mail.sent', {
          at,
          actor: SYSTEM.gateReview,
          gate,
          detail: { to: request.approver, kind, messageId },
        }),
      ],
      request: { request: { ...request, linkHash: hash }, kind },
    }),
  });
  return delivery === 'nothing' ? 'not-pending' : delivery;
}

/**
 * A notice that is not an approval request (escalation, hold, close-out): once per recipient
 * and occasion (the mail ledger), with its trail entry. It is kept in the ledger while claimed,
 * so the sweeper sends it should its step die or SES refuse it; nothing is thrown.
 */
export async function sendNotice(
  ports: NotifyPorts,
  project: Pick<Project, 'projectId' | 'definition'>,
  notice: { sequence: number; kind: MailEntry['kind']; n: string; mail: Mail },
): Promise<Delivery | 'nothing'> {
  const { mail } = notice;
  const entry: MailEntry = {
    projectId: project.projectId,
    sequence: notice.sequence,
    kind: notice.kind,
    to: mail.to,
    n: notice.n,
  };
  try {
    return await sendKept(ports, project, entry, mail, 0);
  } catch (error) {
    ports.log.error('notice not sent', {
      projectId: project.projectId,
      kind: notice.kind,
      error: error instanceof Error ? error.name : 'unknown',
    });
    return 'failed';
  }
}

function sendKept(
  ports: NotifyPorts,
  project: Pick<Project, 'projectId' | 'definition'>,
  entry: MailEntry,
  mail: Mail,
  attempts: number,
) {
  return sendOnce(ports, {
    entry,
    attempts,
    viaLedger: true,
    keep: mail,
    compose: async () => mail,
    sent: ({ at, messageId }) => ({
      events: [
        projectEvent(project, 'mail.sent', {
          at,
          actor: SYSTEM.gateReview,
          detail: { to: entry.to, kind: entry.kind, messageId },
        }),
      ],
    }),
  });
}

/**
 * The receipts a gate instance's votes still owe (each written with its vote), sent through the
 * ledger: by the workflow step the decision wakes, or by the sweeper, whichever comes first.
 * Never throws: a mail problem must not stop the step; the receipts stay on the sweeper's agenda.
 */
export async function sendOwedReceipts(
  ports: NotifyPorts,
  gate: GateInstance,
  only?: MailRecord[],
): Promise<Delivery[]> {
  try {
    const owed = (only ?? (await ports.repository.listMail(gate.projectId, gate.sequence))).filter(
      (m) => m.kind === 'receipt' && !m.sentAt,
    );
    if (owed.length === 0) return [];
    const [votes, requests] = await Promise.all([
      ports.repository.listVotes(gate.projectId, gate.sequence),
      ports.repository.listRequests(gate.projectId, gate.sequence),
    ]);
    const out: Delivery[] = [];
    for (const record of owed) {
      const vote = votes.find((v) => v.approver === record.to);
      if (!vote) continue;
      const name = requests.find((r) => r.approver === record.to)?.name ?? record.to;
      const delivery = await sendOnce(ports, {
        entry: record,
        attempts: record.attempts ?? 0,
        viaLedger: true,
        compose: async () =>
          receiptEmail({
            to: record.to,
            pkg: gate.package,
            packageHash: vote.decision.packageHash,
            decision: vote.decision,
            signature: vote.signature ?? {
              name,
              at: vote.at,
              meaning: signatureMeaning(gate.package, vote.decision.outcome),
            },
            ...(gate.status === 'decided' && gate.outcome ? { gateOutcome: gate.outcome } : {}),
          }),
        sent: ({ at, messageId }) => ({
          events: [
            projectEvent(gateProject(gate), 'mail.sent', {
              at,
              actor: SYSTEM.gateReview,
              gate,
              detail: { to: record.to, kind: 'receipt', messageId },
            }),
          ],
        }),
      });
      if (delivery !== 'nothing') out.push(delivery);
    }
    return out;
  } catch (error) {
    ports.log.error('receipts not sent; the sweeper sends them', {
      projectId: gate.projectId,
      sequence: gate.sequence,
      error: error instanceof Error ? error.name : 'unknown',
    });
    return ['failed'];
  }
}

/**
 * A mail of the ledger the sweeper found due: a receipt still owed, or a notice whose step died
 * or that SES refused (sent from the copy kept in the ledger).
 */
export async function sendFromLedger(ports: NotifyPorts, entry: MailEntry): Promise<Delivery | 'nothing'> {
  const record = await ports.repository.getMail(entry);
  if (!record || record.sentAt) return 'already-sent';
  if (record.kind === 'receipt') {
    const gate = await ports.repository.getGate(record.projectId, record.sequence);
    if (!gate) return 'nothing';
    const [delivery] = await sendOwedReceipts(ports, gate, [record]);
    return delivery ?? 'nothing';
  }
  if (record.mail) {
    const project = await ports.repository.getProject(record.projectId);
    if (!project) return 'nothing';
    return sendKept(ports, project, record, record.mail, record.attempts ?? 0);
  }
  // Nothing kept to send (an approval mail: its gate's agenda brings it back): off this agenda.
  await ports.repository.releaseMail(record);
  return 'nothing';
}

/** Tells the escalation contact (the PMO when none is named) who has not decided. */
export async function escalationNotice(
  ports: NotifyPorts,
  args: { gate: GateInstance; definition: ProcessDefinition; awaiting: ApprovalRequest[] },
): Promise<Delivery | 'nothing'> {
  const to = args.definition.contacts.escalation ?? args.definition.contacts.pmo;
  // Once per gate instance.
  return sendNotice(ports, gateProject(args.gate), {
    sequence: args.gate.sequence,
    kind: 'escalation',
    n: '1',
    mail: escalationEmail({
      to,
      // A PMO admin may have moved the deadline since the package was built (it keeps the first).
      pkg: { ...args.gate.package, dueAt: args.gate.dueAt },
      awaiting: args.awaiting.map((r) => ({ email: r.approver, name: r.name })),
    }),
  });
}

/** Tells the PMO (and a missed condition's owner) that the system put a project on hold. */
export async function holdNotice(
  ports: NotifyPorts,
  args: {
    project: Project;
    definition: ProcessDefinition;
    cause: 'deadline' | 'condition';
    /** The gate instance that was not decided by its deadline (a deadline's hold). */
    gate?: Pick<GateInstance, 'sequence' | 'dueAt' | 'package'>;
    condition?: ConditionRecord;
  },
): Promise<void> {
  const recipients = new Set([
    args.definition.contacts.pmo,
    ...(args.condition ? [args.condition.owner] : []),
  ]);
  const { gate, condition } = args;
  for (const to of recipients) {
    // Once per recipient and occasion: the gate instance's deadline, or the missed condition.
    await sendNotice(ports, args.project, {
      sequence: condition?.sequence ?? gate?.sequence ?? 0,
      kind: 'hold',
      n: condition ? `condition-${condition.conditionId}` : 'deadline',
      mail: holdEmail({
        to,
        title: args.project.title,
        cause: args.cause,
        ...(gate ? { gateName: gate.package.gate.name, dueAt: gate.dueAt } : {}),
        ...(condition ? { condition } : {}),
        at: nowIso(ports),
      }),
    });
  }
}
