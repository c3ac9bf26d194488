import * as z from 'zod/mini';
import { MAX_DECIDE_WITHIN_HOURS } from '../domain/definition.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { safeText } from '../domain/text.ts';
import { SEAL_ACTION } from '../domain/trail.ts';
import { parseWith } from '../domain/validation.ts';
import { cancelledEmail } from '../views/email.ts';
import { type Caller, requireRole } from './caller.ts';
import type { ApprovalRequest, GateInstance, Hold, Project, RequestSource } from './model.ts';
import { inGateOrder } from './pending.ts';
import { type OwedNotice, type Ports, WriteRejectedError } from './ports.ts';
import { endWait, nudgeWorkflow } from './resume.ts';
import { awaitingOf, nextLook } from './scheduling.ts';
import { canonical, gateProject, nowIso, plusMs, projectEvent, projectFor } from './shared.ts';
import { planTransition } from './transitions.ts';

type ActionPorts = Pick<Ports, 'repository' | 'workflow' | 'clock' | 'settings' | 'log'>;

interface ProjectAction {
  projectId: string;
  body: unknown;
  source: RequestSource;
}
interface GateAction extends ProjectAction {
  sequence: number;
}

const email = z.email().check(z.toLowerCase(), z.maxLength(254));
const reason = safeText(1, 1000);
export const remindSchema = z.strictObject({ reason, approver: z.optional(email) });
export const extendSchema = z.strictObject({ dueAt: z.iso.datetime({ offset: true }), reason });
export const holdSchema = z.strictObject({ reason });
export const cancelSchema = z.strictObject({ reason });

/** A write that lost to a vote, a hand-over or the workflow is tried again from a fresh read this often. */
const ATTEMPTS = 5;

/**
 * POST /projects/{id}/gates/{sequence}/remind: a reminder now, with a fresh link (the old one stops
 * working), to every approver the gate awaits — or the one named. HTTP functions never mail (ADR
 * 0009): the ask is recorded on the requests with the trail entry, and the waiting workflow is
 * nudged; its OpenGate sends the reminders through the mail ledger (or the sweeper does, at once
 * on its agenda, should the nudge be lost). Each mail records `remindedAt`.
 */
export async function remindApprovers(
  ports: ActionPorts,
  caller: Caller,
  args: GateAction,
): Promise<{ sequence: number; approvers: string[] }> {
  requireRole(caller, 'pmo-admin');
  const body = parsed(remindSchema, args.body, 'the reminder');
  for (let attempt = 1; ; attempt++) {
    const { gate } = await openInstance(ports, args.projectId, args.sequence);
    const [requests, votes] = await Promise.all([
      ports.repository.listRequests(gate.projectId, gate.sequence),
      ports.repository.listVotes(gate.projectId, gate.sequence),
    ]);
    const awaiting = awaitingOf(gate, votes);
    const due = requests.filter(
      (r) =>
        r.status === 'pending' &&
        awaiting.includes(r.approver) &&
        (!body.approver || canonical(ports, r.approver) === canonical(ports, body.approver)),
    );
    if (due.length === 0 && body.approver)
      throw new InvalidInputError('the reminder has problems', [
        { path: 'approver', message: 'has no request on this gate that is waiting for them' },
      ]);
    if (due.length === 0) throw new ConflictError('nobody on this gate is waiting to be reminded');
    const at = nowIso(ports);
    const asked = requests.map((r) => (due.includes(r) ? { ...r, remindAskedAt: at } : r));
    const moved = { ...gate, version: gate.version + 1 };
    try {
      await ports.repository.askReminders({
        gate,
        requests: due,
        at,
        agendaAt: nextLook(moved, asked, votes),
        events: [
          // Under the version the gate runs with, which a migration since does not change.
          projectEvent(gateProject(gate), 'gate.reminded', {
            at,
            actor: caller.actor,
            gate,
            source: args.source,
            detail: { reason: body.reason, approvers: due.map((r) => r.approver), manual: true },
          }),
        ],
      });
    } catch (error) {
      if (await lostRace(error, attempt)) continue;
      throw error;
    }
    await followUp(ports, 'reminder recorded but the nudge failed', () => nudgeWorkflow(ports, moved));
    return { sequence: gate.sequence, approvers: due.map((r) => r.approver) };
  }
}

/**
 * POST /projects/{id}/gates/{sequence}/extend: a later deadline for the open gate (later than now and
 * than the current one, within the longest a gate may take from its opening). The gate, its pending
 * requests (and their place in the approvers' index), their links and the agenda move in one
 * transaction; the sweeper then acts at the new deadline, not the old. The gate package keeps the
 * deadline it was opened with (what approvers sign does not change); pages and mails show the new one.
 * A link that reaches its age limit before the new deadline cannot be kept alive: its approver is
 * owed a fresh one (`remindAskedAt`, as a manual reminder), mailed by the nudged workflow or the
 * sweeper; the answer names them (`freshLinks`).
 */
export async function extendDeadline(
  ports: ActionPorts,
  caller: Caller,
  args: GateAction,
): Promise<{ sequence: number; from: string; to: string; freshLinks: string[] }> {
  requireRole(caller, 'pmo-admin');
  const body = parsed(extendSchema, args.body, 'the extension');
  const dueAt = new Date(body.dueAt).toISOString();
  for (let attempt = 1; ; attempt++) {
    const { gate } = await openInstance(ports, args.projectId, args.sequence);
    const now = nowIso(ports);
    const cap = plusMs(gate.openedAt, MAX_DECIDE_WITHIN_HOURS * 3_600_000);
    const problem =
      dueAt <= now
        ? 'must be later than now'
        : dueAt <= gate.dueAt
          ? `must be later than the current deadline (${gate.dueAt})`
          : dueAt > cap
            ? `must be at most ${MAX_DECIDE_WITHIN_HOURS / 24} days after the gate opened (${cap})`
            : undefined;
    if (problem)
      throw new InvalidInputError('the extension has problems', [{ path: 'dueAt', message: problem }]);
    const [requests, votes] = await Promise.all([
      ports.repository.listRequests(gate.projectId, gate.sequence),
      ports.repository.listVotes(gate.projectId, gate.sequence),
    ]);
    const pendingRequests = requests.filter((r) => r.status === 'pending');
    const awaiting = awaitingOf(gate, votes);
    const { links, dying } = await relinked(ports, pendingRequests, dueAt);
    const freshLinks = pendingRequests
      .filter((r) => r.linkHash && dying.includes(r.linkHash) && awaiting.includes(r.approver))
      .map((r) => r.approver);
    const asked = requests.map((r) => (freshLinks.includes(r.approver) ? { ...r, remindAskedAt: now } : r));
    const moved = { ...gate, dueAt, version: gate.version + 1 };
    try {
      await ports.repository.extendGate({
        gate,
        dueAt,
        pendingRequests,
        links,
        freshLinks: { approvers: freshLinks, at: now },
        agendaAt: nextLook(moved, asked, votes),
        events: [
          projectEvent(gateProject(gate), 'gate.extended', {
            at: now,
            actor: caller.actor,
            gate,
            source: args.source,
            detail: {
              from: gate.dueAt,
              to: dueAt,
              reason: body.reason,
              ...(freshLinks.length ? { freshLinks } : {}),
            },
          }),
        ],
      });
    } catch (error) {
      if (await lostRace(error, attempt)) continue;
      throw error;
    }
    if (freshLinks.length)
      await followUp(ports, 'fresh links owed but the nudge failed', () => nudgeWorkflow(ports, moved));
    return { sequence: gate.sequence, from: gate.dueAt, to: dueAt, freshLinks };
  }
}

/**
 * POST /projects/{id}/hold: a PMO hold (`Hold.cause` `pmo`) of a project in a stage or in review.
 * An open gate is closed with it, as a Hold decision would close it: its links stop working, and
 * its waiting execution is woken to end; a resume reopens the gate as a new instance (or returns
 * to the stage). Of a hold and an approver's deciding vote, exactly one lands.
 */
export async function holdProject(
  ports: ActionPorts,
  caller: Caller,
  args: ProjectAction,
): Promise<{ status: 'on-hold'; hold: Hold }> {
  requireRole(caller, 'pmo-admin');
  const body = parsed(holdSchema, args.body, 'the hold');
  let seen: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const { project, definition } = await projectFor(ports, args.projectId, () => true);
    refuseClosed(project);
    if (project.status !== 'in-stage' && project.status !== 'in-review')
      throw new ConflictError(
        `the project is ${project.status}: only a project in a stage or in review can be put on hold`,
      );
    seen = sameSituation(project, seen);
    const { gate, pendingRequests } = await closable(ports, project);
    const gateId = gate?.gateId ?? project.stage?.gateId ?? '';
    const at = nowIso(ports);
    const plan = planTransition(
      project,
      definition,
      { next: { route: 'hold', gateId }, skipped: [] },
      { at, actor: caller.actor, holdCause: 'pmo' },
    );
    const hold: Hold = {
      ...(plan.set.hold as Hold),
      ...(gate ? {} : { resumeTo: { route: 'stage', gateId } }),
    };
    const held = projectEvent(project, 'project.held', {
      at,
      actor: caller.actor,
      source: args.source,
      ...(gate ? { gate } : {}),
      detail: {
        reason: body.reason,
        from: project.status,
        resumeTo: hold.resumeTo,
        ...(gate ? { closed: closedDetail(gate, pendingRequests) } : {}),
      },
    });
    try {
      await ports.repository.changeProject({
        projectId: project.projectId,
        expectedVersion: project.version,
        set: { ...plan.set, hold },
        ...(plan.remove ? { remove: plan.remove } : {}),
        agendaAt: null,
        ...(gate ? { closeGate: { gate, pendingRequests, at, next: { route: 'hold', gateId } } } : {}),
        events: [held, ...plan.events],
      });
    } catch (error) {
      if (await lostRace(error, attempt)) continue;
      throw error;
    }
    if (gate) await ended(ports, gate, at);
    return { status: 'on-hold', hold };
  }
}

/**
 * POST /projects/{id}/cancel: a PMO admin ends a project that is under way (not one already closing
 * out). It is closed (`cancelled`) and its trail sealed in one transaction with the entry that says
 * why; an open gate is closed (its links stop working, its waiting execution is woken to end), open
 * conditions leave the agenda, and the project leaves the listings. The HTTP function mails nobody
 * (ADR 0009): the same transaction owes each person concerned one 'closed' notice in the mail ledger,
 * on the agenda at once, which the sweeper sends. The chain is sealed by then, so a notice's sending
 * is recorded in the ledger only (as a receipt racing a close-out's seal); the cancel's own entry
 * names who is owed one.
 */
export async function cancelProject(
  ports: ActionPorts,
  caller: Caller,
  args: ProjectAction,
): Promise<{ status: 'closed'; closeReason: 'cancelled'; closedAt: string }> {
  requireRole(caller, 'pmo-admin');
  const body = parsed(cancelSchema, args.body, 'the cancellation');
  let seen: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const { project } = await projectFor(ports, args.projectId, () => true);
    refuseClosed(project);
    if (project.status === 'closing')
      throw new ConflictError('the project is closing: its close-out is under way and ends it');
    seen = sameSituation(project, seen);
    const { gate, pendingRequests } = await closable(ports, project);
    const conditions = (await ports.repository.listConditions(project.projectId)).filter(
      (c) => c.state === 'open' && !c.missedAt,
    );
    const at = nowIso(ports);
    const event = (action: string, detail: Record<string, unknown>) =>
      projectEvent(project, action, { at, actor: caller.actor, source: args.source, detail });
    const notices = cancelNotices(ports, caller, project, pendingRequests, { at, reason: body.reason });
    try {
      await ports.repository.changeProject({
        projectId: project.projectId,
        expectedVersion: project.version,
        set: { status: 'closed', closeReason: 'cancelled', closedAt: at, sealedAt: at, updatedAt: at },
        remove: ['pendingStart', 'hold', 'stage'],
        agendaAt: null,
        ...(gate ? { closeGate: { gate, pendingRequests, at } } : {}),
        dropConditions: conditions,
        oweNotices: notices,
        events: [
          event('project.cancelled', {
            reason: body.reason,
            from: project.status,
            ...(gate ? { closed: closedDetail(gate, pendingRequests) } : {}),
            ...(conditions.length ? { conditionsDropped: conditions.map((c) => c.conditionId) } : {}),
            notified: notices.map((n) => n.entry.to),
          }),
          event(SEAL_ACTION, { closeReason: 'cancelled' }),
        ],
        seal: true,
      });
    } catch (error) {
      if (await lostRace(error, attempt)) continue;
      throw error;
    }
    if (gate) await ended(ports, gate, at);
    return { status: 'closed', closeReason: 'cancelled', closedAt: at };
  }
}

/**
 * One 'closed' notice per person concerned by a cancel: the requester, the manager, the sponsor and
 * each approver whose request it closed, once each by canonical address. With the open gate's at
 * most 20 requests, the cancel's transaction stays within DynamoDB's 100 items: project, gate,
 * ≤ 20 requests, ≤ 23 notices, 2 trail entries and the head, and the open conditions.
 */
function cancelNotices(
  ports: ActionPorts,
  caller: Caller,
  project: Project,
  pendingRequests: ApprovalRequest[],
  args: { at: string; reason: string },
): OwedNotice[] {
  const concerned = [
    project.requester.email,
    ...(project.manager ? [project.manager.email] : []),
    project.sponsorEmail,
    ...pendingRequests.map((r) => r.approver),
  ];
  const by = caller.actor.name ? `${caller.actor.name} (${caller.actor.id})` : caller.actor.id;
  return [...new Set(concerned.map((e) => canonical(ports, e)))].map((to) => ({
    // About the project, not a gate instance; a project is cancelled once.
    entry: { projectId: project.projectId, sequence: 0, kind: 'closed', to, n: 'cancelled' },
    mail: cancelledEmail({ to, title: project.title, reason: args.reason, by, at: args.at }),
    at: args.at,
  }));
}

function parsed<T>(schema: z.ZodMiniType<T>, body: unknown, what: string): T {
  const result = parseWith(schema, body);
  if (!result.ok) throw new InvalidInputError(`${what} has problems`, result.problems);
  return result.value;
}

/** Nothing happens to a closed project any more: a 409 that names how it closed. */
function refuseClosed(project: Project): void {
  if (project.status === 'closed')
    throw new ConflictError(
      `the project is closed (${project.closeReason ?? 'closed'}${project.sealedAt ? ', trail sealed' : ''}): nothing more happens to it`,
    );
}

/** The project and its open gate instance `sequence`: 404 when there is no such instance, 409 when it is not open. */
async function openInstance(
  ports: ActionPorts,
  projectId: string,
  sequence: number,
): Promise<{ project: Project; gate: GateInstance }> {
  const { project } = await projectFor(ports, projectId, () => true);
  refuseClosed(project);
  const gate = await ports.repository.getGate(project.projectId, sequence);
  if (!gate) throw new NotFoundError(`gate instance ${sequence} of this project was not found`);
  if (gate.status !== 'open')
    throw new ConflictError(`gate instance ${sequence} is not the open one (it is ${gate.status})`);
  return { project, gate };
}

/**
 * What a hold or a cancel closes with the project: its open gate and pending requests. A gate
 * already decided (being followed), or one about to open, is not closed under the workflow's feet:
 * 409, look again in a moment.
 */
async function closable(
  ports: ActionPorts,
  project: Project,
): Promise<{ gate?: GateInstance; pendingRequests: ApprovalRequest[] }> {
  if (project.status !== 'in-review') return { pendingRequests: [] };
  if (project.pendingStart)
    throw new ConflictError('a gate of this project is opening right now; look again in a minute');
  const ref = project.currentGate;
  const gate = ref && (await ports.repository.getGate(project.projectId, ref.sequence));
  if (gate?.status !== 'open')
    throw new ConflictError(
      `gate instance ${ref?.sequence ?? '?'} was decided${gate?.outcome ? ` (${gate.outcome})` : ''} and the project is moving on; look again`,
    );
  const requests = await ports.repository.listRequests(project.projectId, gate.sequence);
  return { gate, pendingRequests: inGateOrder(gate, requests).filter((r) => r.status === 'pending') };
}

/**
 * A write that lost is tried again from a fresh read — but only while the project is where the
 * admin saw it: once it moved on (a vote decided the gate), the admin looks again (409).
 */
function sameSituation(project: Project, seen: string | undefined): string {
  const now = `${project.status}#${project.currentGate?.sequence ?? 0}`;
  if (seen !== undefined && seen !== now)
    throw new ConflictError(`the project moved on meanwhile (it is ${project.status} now); look again`);
  return now;
}

async function lostRace(error: unknown, attempt: number): Promise<boolean> {
  if (!(error instanceof WriteRejectedError)) return false;
  if (error.guards.includes('chain-sealed'))
    throw new ConflictError('the project is closed and its trail sealed');
  if (attempt >= ATTEMPTS)
    throw new ConflictError('the project is busy (a decision or another change is landing); look again');
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
  return true;
}

function closedDetail(gate: GateInstance, pendingRequests: ApprovalRequest[]) {
  return { sequence: gate.sequence, gateId: gate.gateId, requests: pendingRequests.map((r) => r.approver) };
}

/** The closed gate's waiting execution is woken to end; the change is committed, so a lost wake is only logged. */
async function ended(ports: ActionPorts, gate: GateInstance, at: string): Promise<void> {
  const closed: GateInstance = { ...gate, status: 'closed', decidedAt: at, decidedBy: 'pmo', appliedAt: at };
  await followUp(ports, 'gate closed but its workflow was not woken', () => endWait(ports, closed));
}

async function followUp(ports: ActionPorts, message: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    ports.log.warn(message, { error: error instanceof Error ? error.name : 'unknown' });
  }
}

/**
 * The links of pending requests that the new deadline keeps alive longer (never past their own age
 * limit), and the hashes of those whose age limit falls before it (they need a fresh link).
 */
async function relinked(
  ports: ActionPorts,
  pendingRequests: ApprovalRequest[],
  dueAt: string,
): Promise<{ links: { hash: string; expiresAt: string }[]; dying: string[] }> {
  const found = await Promise.all(
    pendingRequests.flatMap((r) => (r.linkHash ? [ports.repository.getLink(r.linkHash)] : [])),
  );
  const links: { hash: string; expiresAt: string }[] = [];
  const dying: string[] = [];
  for (const link of found) {
    if (!link || link.usedAt || link.superseded) continue;
    const maxAge = plusMs(link.issuedAt, ports.settings.linkMaxAgeHours * 3_600_000);
    if (maxAge < dueAt) dying.push(link.hash);
    const expiresAt = [dueAt, maxAge].sort()[0] as string;
    if (expiresAt !== link.expiresAt) links.push({ hash: link.hash, expiresAt });
  }
  return { links, dying };
}
