/**
 * What must happen on a gate instance, and when (the sweeper acts on it; deadlines are data,
 * ADR 0007). Pure: given the instance, its requests and who the vote rule awaits, it lists
 * every scheduled action; the earliest one is the instance's place in the agenda index.
 */

const HOUR = 3_600_000;
/** How long a decided gate may wait for its workflow before the sweeper resumes it. */
export const RESUME_GRACE_MS = 2 * 60_000;
/** Retry a failed approval mail after 1, 2, 4 … minutes, at most an hour apart. */
export const MAIL_RETRY_BASE_MS = 60_000;
export const MAIL_RETRY_MAX_MS = HOUR;
/**
 * A mail claimed in the ledger this long ago and still not marked sent was claimed by a step
 * that died (no Lambda function runs longer): it may be taken over, once.
 */
export const MAIL_CLAIM_STALE_MS = 15 * 60_000;

export interface AgendaGate {
  status: 'open' | 'decided' | 'expired' | 'closed';
  openedAt: string;
  dueAt: string;
  sla: { remindAfterHours?: number | undefined; escalateAfterHours?: number | undefined };
  escalatedAt?: string | undefined;
  decidedAt?: string | undefined;
  /** Set when the workflow has followed the decision; until then a decided gate needs a resume. */
  appliedAt?: string | undefined;
}

export interface AgendaRequest {
  approver: string;
  status: 'pending' | 'decided' | 'closed' | 'delegated' | 'reassigned';
  /** When SES accepted the request mail. */
  sentAt?: string | undefined;
  remindedAt?: string | undefined;
  /** A reminder a PMO admin asked for: owed while later than the last mail to this approver. */
  remindAskedAt?: string | undefined;
  /** After a failed send: when to try again. */
  retryAt?: string | undefined;
}

export type AgendaAction =
  | { kind: 'send'; approver: string }
  | { kind: 'remind'; approver: string }
  | { kind: 'escalate' }
  | { kind: 'deadline' }
  | { kind: 'resume' };

export interface Scheduled {
  at: string;
  action: AgendaAction;
}

const plusHours = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * HOUR).toISOString();
const plusMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** Every action scheduled for a gate instance, earliest first. */
export function gateAgenda(
  gate: AgendaGate,
  requests: readonly AgendaRequest[],
  awaiting: readonly string[],
): Scheduled[] {
  const out: Scheduled[] = [];
  if (gate.status !== 'open') {
    if (!gate.appliedAt && gate.decidedAt)
      out.push({ at: plusMs(gate.decidedAt, RESUME_GRACE_MS), action: { kind: 'resume' } });
    return out;
  }
  const { remindAfterHours, escalateAfterHours } = gate.sla;
  for (const request of requests) {
    if (request.status !== 'pending' || !awaiting.includes(request.approver)) continue;
    if (!request.sentAt) {
      out.push({
        at: request.retryAt ?? gate.openedAt,
        action: { kind: 'send', approver: request.approver },
      });
    } else if (request.remindAskedAt && reminderOwed(request)) {
      out.push({ at: request.remindAskedAt, action: { kind: 'remind', approver: request.approver } });
    } else if (remindAfterHours !== undefined) {
      const at = plusHours(request.remindedAt ?? request.sentAt, remindAfterHours);
      if (at < gate.dueAt) out.push({ at, action: { kind: 'remind', approver: request.approver } });
    }
  }
  if (escalateAfterHours !== undefined && !gate.escalatedAt && awaiting.length > 0) {
    const at = plusHours(gate.openedAt, escalateAfterHours);
    if (at < gate.dueAt) out.push({ at, action: { kind: 'escalate' } });
  }
  out.push({ at: gate.dueAt, action: { kind: 'deadline' } });
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** A reminder a PMO admin asked for that no mail has answered yet (a request still unsent answers it when it goes). */
export function reminderOwed(request: AgendaRequest): boolean {
  const lastMail = request.remindedAt ?? request.sentAt;
  return request.remindAskedAt !== undefined && lastMail !== undefined && request.remindAskedAt > lastMail;
}

/** The actions due at `now`; a deadline that is due makes every other action moot. */
export function dueActions(agenda: readonly Scheduled[], now: string): AgendaAction[] {
  const due = agenda.filter((s) => s.at <= now).map((s) => s.action);
  return due.some((a) => a.kind === 'deadline') ? [{ kind: 'deadline' }] : due;
}

/** When the sweeper should look at the instance next; undefined when nothing is scheduled. */
export function nextAgendaAt(agenda: readonly Scheduled[]): string | undefined {
  return agenda[0]?.at;
}

/** When to retry a mail that failed `attempts` times (exponential, capped). */
export function mailRetryAt(now: string, attempts: number): string {
  return plusMs(now, Math.min(MAIL_RETRY_MAX_MS, MAIL_RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1)));
}

/** Conditions are missed at the end of their due day (UTC). */
export function conditionMissedAt(due: string): string {
  return `${due}T23:59:59.999Z`;
}
