import * as z from 'zod/mini';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { safeText } from '../domain/text.ts';
import { parseWith } from '../domain/validation.ts';
import { type Caller, requireRole } from './caller.ts';
import type { ConditionRecord, Project, RequestSource } from './model.ts';
import type { Ports } from './ports.ts';
import { canonical, nowIso, projectEvent, projectFor } from './shared.ts';
import { changeWithRetry } from './transitions.ts';

const evidenceLink = z
  .string()
  .check(z.maxLength(2000), z.url({ protocol: /^https?$/, error: 'must be an http(s) link' }));
export const metSchema = z.strictObject({
  evidence: evidenceLink,
  note: z.optional(z.union([z.literal(''), safeText(1, 2000)])),
});
export const waiveSchema = z.strictObject({ reason: safeText(1, 1000) });

/**
 * POST /projects/{id}/conditions/{conditionId}/met: the condition's owner marks it met,
 * with a link to the evidence. A PMO admin may record it for them.
 */
export async function markConditionMet(
  ports: Pick<Ports, 'repository' | 'clock' | 'settings'>,
  caller: Caller,
  args: { projectId: string; conditionId: string; body: unknown; source: RequestSource },
): Promise<ConditionRecord> {
  requireRole(caller, 'requester', 'pmo-admin');
  const admin = caller.groups.includes('pmo-admin');
  const parsed = parseWith(metSchema, args.body);
  if (!parsed.ok) throw new InvalidInputError('the condition update has problems', parsed.problems);
  const { project, condition } = await conditionFor(
    ports,
    args,
    (c) => admin || canonical(ports, c.owner) === canonical(ports, caller.email),
  );
  const at = nowIso(ports);
  const met: ConditionRecord = {
    ...condition,
    state: 'met',
    met: { by: caller.email, at, evidence: parsed.value.evidence, note: parsed.value.note ?? '' },
  };
  await changeCondition(ports, project, condition, met, {
    action: 'condition.met',
    at,
    caller,
    source: args.source,
    detail: {
      conditionId: condition.conditionId,
      evidence: met.met?.evidence,
      note: met.met?.note,
      late: Boolean(condition.missedAt),
    },
  });
  return met;
}

/** POST /projects/{id}/conditions/{conditionId}/waive: a PMO admin waives a condition, with a reason. */
export async function waiveCondition(
  ports: Pick<Ports, 'repository' | 'clock' | 'settings'>,
  caller: Caller,
  args: { projectId: string; conditionId: string; body: unknown; source: RequestSource },
): Promise<ConditionRecord> {
  requireRole(caller, 'pmo-admin');
  const parsed = parseWith(waiveSchema, args.body);
  if (!parsed.ok) throw new InvalidInputError('the waiver has problems', parsed.problems);
  const { project, condition } = await conditionFor(ports, args, () => true);
  const at = nowIso(ports);
  const waived: ConditionRecord = {
    ...condition,
    state: 'waived',
    waived: { by: caller.email, at, reason: parsed.value.reason },
  };
  await changeCondition(ports, project, condition, waived, {
    action: 'condition.waived',
    at,
    caller,
    source: args.source,
    detail: { conditionId: condition.conditionId, reason: parsed.value.reason },
  });
  return waived;
}

async function conditionFor(
  ports: Pick<Ports, 'repository'>,
  args: { projectId: string; conditionId: string },
  mayAct: (condition: ConditionRecord) => boolean,
): Promise<{ project: Project; condition: ConditionRecord }> {
  const condition = await ports.repository.getCondition(args.projectId, args.conditionId);
  // Missing, or not the caller's to act on: the same 404 (no IDOR).
  if (!condition || !mayAct(condition))
    throw new NotFoundError(`condition ${args.conditionId} was not found`);
  const { project } = await projectFor(ports, args.projectId, () => true);
  if (condition.state !== 'open')
    throw new ConflictError(`condition ${args.conditionId} is already ${condition.state}`);
  if (project.status === 'closed' || project.status === 'closing')
    throw new ConflictError(`the project is ${project.status}: its conditions no longer change`);
  return { project, condition };
}

async function changeCondition(
  ports: Pick<Ports, 'repository' | 'clock'>,
  project: Project,
  before: ConditionRecord,
  after: ConditionRecord,
  entry: {
    action: string;
    at: string;
    caller: Caller;
    source: RequestSource;
    detail: Record<string, unknown>;
  },
): Promise<void> {
  await changeWithRetry(ports, project.projectId, (current) => ({
    projectId: current.projectId,
    expectedVersion: current.version,
    set: { updatedAt: entry.at },
    updateCondition: { condition: after, expectedState: before.state },
    events: [
      projectEvent(current, entry.action, {
        at: entry.at,
        actor: entry.caller.actor,
        source: entry.source,
        detail: entry.detail,
      }),
    ],
  }));
}
