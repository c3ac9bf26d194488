import * as z from 'zod/mini';
import { gateAgenda } from '../domain/agenda.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { type Caller, requireRole } from './caller.ts';
import {
  ACTIVE_STATUSES,
  type ActiveStatus,
  type ApprovalRequest,
  type GateInstance,
  type Hold,
  type Project,
  type VoteRecord,
} from './model.ts';
import type { Page, Ports } from './ports.ts';
import { pageCursor, pageLimit, parseQuery } from './query.ts';
import { awaitingOf } from './scheduling.ts';
import { nowIso } from './shared.ts';

type PendingPorts = Pick<Ports, 'repository' | 'clock'>;

const HOUR = 3_600_000;
/** A gate due within this is `due-soon`. */
const DUE_SOON_MS = 24 * HOUR;
const DEFAULT_LIMIT = 50;

export const pendingQuery = z.strictObject({
  approver: z.optional(z.email().check(z.toLowerCase(), z.maxLength(254))),
  gate: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a gate id'))),
  overdue: z.optional(z.enum(['true', 'false'])),
  status: z.optional(z.enum(ACTIVE_STATUSES)),
  limit: z.optional(pageLimit),
  cursor: z.optional(pageCursor),
});

export interface PendingApprover {
  email: string;
  name: string;
  status: string;
  remindedAt?: string;
  reminders?: number;
}

export interface PendingItem {
  projectId: string;
  title: string;
  status: Project['status'];
  definition: { id: string; version: number };
  /** When the project entered its current status (the gate opened, the stage began, the hold). */
  since: string;
  ageHours: number;
  stage?: { gateId: string; enteredAt: string };
  gate?: {
    sequence: number;
    gateId: string;
    name: string;
    openedAt: string;
    dueAt: string;
    overdue: boolean;
    sla: 'on-track' | 'due-soon' | 'overdue';
    nextReminderAt?: string;
    escalatedAt?: string;
    approvers: PendingApprover[];
  };
  hold?: Pick<Hold, 'since' | 'cause'>;
}

/**
 * GET /pending: what is under way and with whom, a page at a time — from the listings index by
 * status (every active status in turn when none is named), or with `approver=` from that
 * person's pending requests, earliest deadline first. Never a Scan. `gate` and `overdue` filter
 * each page, so a page may hold fewer than `limit` items: follow `cursor` until it is absent.
 */
export async function pendingView(
  ports: PendingPorts,
  caller: Caller,
  args: { query: Record<string, string | undefined> | undefined },
): Promise<{ items: PendingItem[]; cursor?: string }> {
  requireRole(caller, 'pmo-admin');
  const query = parseQuery(pendingQuery, args.query);
  const now = nowIso(ports);
  const limit = query.limit ? Number(query.limit) : DEFAULT_LIMIT;
  // As requests name their approver: lower case (the schema lowers the query), otherwise as the
  // definition or the proposal wrote it. Not canonical: a +tag is part of the key, so the query
  // keeps its tag too (canonicalising would miss requests stored with one).
  const approver = query.approver;
  const found = approver
    ? await byApprover(ports, approver, { limit, cursor: query.cursor, overdue: query.overdue, now })
    : await byStatus(ports, query.status ? [query.status] : ACTIVE_STATUSES, limit, query.cursor);
  const items = (await Promise.all(found.items.map((p) => pendingItem(ports, p, now)))).filter(
    (item) =>
      (!approver ||
        item.gate?.approvers.some((a) => a.email === approver && a.status === 'pending') === true) &&
      (!query.status || item.status === query.status) &&
      (!query.gate || gateOf(item, found.items) === query.gate) &&
      (query.overdue === undefined || (item.gate?.overdue ?? false) === (query.overdue === 'true')),
  );
  return { items, ...(found.cursor ? { cursor: found.cursor } : {}) };
}

/**
 * Active projects, one status after another. The cursor names the status it stopped in and the
 * listing's own cursor there (`<status>~<cursor>`); both are checked when they come back.
 */
async function byStatus(
  ports: PendingPorts,
  statuses: readonly ActiveStatus[],
  limit: number,
  cursor: string | undefined,
): Promise<Page<Project>> {
  let [index, inner] = cursor === undefined ? [0, undefined] : readStatusCursor(cursor, statuses);
  const items: Project[] = [];
  while (index < statuses.length && items.length < limit) {
    const page = await ports.repository.listActiveProjects(statuses[index] as ActiveStatus, {
      limit: limit - items.length,
      ...(inner ? { cursor: inner } : {}),
    });
    items.push(...page.items);
    inner = page.cursor;
    if (!inner) index++;
  }
  const next = index < statuses.length ? `${statuses[index]}~${inner ?? ''}` : undefined;
  return { items, ...(next ? { cursor: next } : {}) };
}

function readStatusCursor(cursor: string, statuses: readonly ActiveStatus[]): [number, string | undefined] {
  const at = cursor.indexOf('~');
  const index = statuses.indexOf(cursor.slice(0, at) as ActiveStatus);
  if (at < 0 || index < 0)
    throw new InvalidInputError('the cursor is not one this listing gave out', [
      { path: '(query).cursor', message: 'must be the cursor of the previous page, unchanged' },
    ]);
  return [index, cursor.slice(at + 1) || undefined];
}

/** The projects where one approver has a pending request, earliest deadline first (overdue ones by key). */
async function byApprover(
  ports: PendingPorts,
  approver: string,
  args: { limit: number; cursor: string | undefined; overdue: 'true' | 'false' | undefined; now: string },
): Promise<Page<Project>> {
  const page = await ports.repository.listPendingRequests(approver, {
    limit: args.limit,
    ...(args.cursor ? { cursor: args.cursor } : {}),
    // The index sorts by deadline: the overdue ones are a key range.
    ...(args.overdue === 'true' ? { before: args.now } : {}),
  });
  const ids = [...new Set(page.items.map((r) => r.projectId))];
  const projects = await Promise.all(ids.map((id) => ports.repository.getProject(id)));
  return {
    items: projects.filter((p): p is Project => p !== undefined && p.status !== 'closed'),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/** One project as the PMO sees it: how long it has been where it is, and the open gate's SLA. */
async function pendingItem(ports: PendingPorts, project: Project, now: string): Promise<PendingItem> {
  const ref = project.currentGate;
  const reviewing = project.status === 'in-review' || project.status === 'closing';
  const review =
    reviewing && ref ? await ports.repository.getGateReview(project.projectId, ref.sequence) : undefined;
  const gate = review?.gate.status === 'open' ? review.gate : undefined;
  const since =
    (project.status === 'on-hold' && project.hold?.since) ||
    (project.status === 'in-stage' && project.stage?.enteredAt) ||
    gate?.openedAt ||
    project.pendingStart?.since ||
    project.updatedAt;
  return {
    projectId: project.projectId,
    title: project.title,
    status: project.status,
    definition: project.definition,
    since,
    ageHours: Math.round(((Date.parse(now) - Date.parse(since)) / HOUR) * 10) / 10,
    ...(project.stage ? { stage: project.stage } : {}),
    ...(gate && review ? { gate: gateView({ ...review, gate }, now) } : {}),
    ...(project.hold ? { hold: { since: project.hold.since, cause: project.hold.cause } } : {}),
  };
}

function gateView(
  { gate, requests, votes }: { gate: GateInstance; requests: ApprovalRequest[]; votes: VoteRecord[] },
  now: string,
): NonNullable<PendingItem['gate']> {
  const reminders = gateAgenda(gate, requests, awaitingOf(gate, votes)).filter(
    (s) => s.action.kind === 'remind',
  );
  const left = Date.parse(gate.dueAt) - Date.parse(now);
  const sla = left < 0 ? 'overdue' : left <= DUE_SOON_MS ? 'due-soon' : 'on-track';
  return {
    sequence: gate.sequence,
    gateId: gate.gateId,
    name: gate.package.gate.name,
    openedAt: gate.openedAt,
    dueAt: gate.dueAt,
    overdue: sla === 'overdue',
    sla,
    ...(reminders[0] ? { nextReminderAt: reminders[0].at } : {}),
    ...(gate.escalatedAt ? { escalatedAt: gate.escalatedAt } : {}),
    approvers: inGateOrder(gate, requests).map((r) => ({
      email: r.approver,
      name: r.name,
      status: r.status,
      ...(r.remindedAt ? { remindedAt: r.remindedAt } : {}),
      ...(r.reminders ? { reminders: r.reminders } : {}),
    })),
  };
}

/** Requests in the order the gate asks its approvers (the ones handed on last). */
export function inGateOrder<T extends { approver: string }>(
  gate: Pick<GateInstance, 'approvers'>,
  requests: T[],
): T[] {
  const rank = (r: T) => {
    const i = gate.approvers.indexOf(r.approver);
    return i < 0 ? gate.approvers.length : i;
  };
  return [...requests].sort((a, b) => rank(a) - rank(b));
}

/** The gate a project is at: the open one, the one its stage leads to, the one it is held at. */
function gateOf(item: PendingItem, projects: readonly Project[]): string | undefined {
  const project = projects.find((p) => p.projectId === item.projectId);
  return (
    item.gate?.gateId ??
    project?.stage?.gateId ??
    project?.hold?.resumeTo.gateId ??
    project?.pendingStart?.input.gate.gateId ??
    project?.currentGate?.gateId
  );
}
