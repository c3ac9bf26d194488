import * as z from 'zod/mini';
import { CLOSE_OUT_GATE_ID, gateIndex, type ProcessDefinition } from '../domain/definition.ts';
import { type DefinitionChange, diffDefinitions } from '../domain/definition-diff.ts';
import { InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { skippedGates } from '../domain/lifecycle.ts';
import { safeText } from '../domain/text.ts';
import { type Caller, requireRole } from './caller.ts';
import { parseBody, versionNumber } from './definitions.ts';
import { ACTIVE_STATUSES, type Project, type RequestSource } from './model.ts';
import { type Ports, WriteRejectedError } from './ports.ts';
import { nowIso, openedDefinition, projectEvent } from './shared.ts';

/*
 * Moving running projects to a later version of their process (explicitly: a project stays on
 * the version it started on until then). A project only records which version it follows; an
 * open gate instance carries its own copy of its rule, approvers, SLA and package, so it finishes
 * as it was opened and the new version applies from the next gate. A project whose current gate
 * is gone from the target cannot follow it and is refused, by name, as is one whose open gate
 * could recycle to a gate the target lacks; the others proceed.
 */

/** At most this many projects per call: the answer says when more remain (run it again). */
export const MAX_MIGRATED = 500;
const ATTEMPTS = 3;
const PARALLEL = 5;

const uuid = z
  .string()
  .check(
    z.regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      'must be a project id (a uuid)',
    ),
  );

export const migrationBodySchema = z.strictObject({
  fromVersion: versionNumber,
  toVersion: versionNumber,
  /** The projects to move; absent: every active project on `fromVersion`. */
  projectIds: z.optional(z.array(uuid).check(z.minLength(1), z.maxLength(100))),
  dryRun: z.boolean(),
  reason: safeText(1, 1000),
});

export interface MigratedProject {
  projectId: string;
  title: string;
  status: string;
  from: number;
  to: number;
  /** What changes for this project, one sentence each. */
  changes: string[];
  migrated: boolean;
  /** Why this project does not move. */
  refused?: string;
}

/** The gates a project stands at, with what each is to it: each must exist in the target. */
function gatesHeld(project: Project): { gateId: string; as: string }[] {
  const held: { gateId: string; as: string }[] = [];
  if (project.stage) held.push({ gateId: project.stage.gateId, as: 'the gate its current stage leads to' });
  if (project.pendingStart?.workflow === 'gate-review')
    held.push({ gateId: project.pendingStart.input.gate.gateId, as: 'the gate about to open' });
  else if (project.status === 'in-review' && project.currentGate)
    held.push({ gateId: project.currentGate.gateId, as: 'its current gate' });
  if (project.hold) held.push({ gateId: project.hold.resumeTo.gateId, as: 'the gate it is held at' });
  return held.filter((h) => h.gateId !== CLOSE_OUT_GATE_ID);
}

/** Whether a change concerns what is still ahead of the project (its gate onwards, the close-out). */
function ahead(
  change: DefinitionChange,
  from: ProcessDefinition,
  to: ProcessDefinition,
  at: string | undefined,
) {
  const gate = /^gates\.(\d+)/.exec(change.path);
  if (!gate) return change.path.startsWith('closeOut');
  if (at === undefined) return true;
  // A removed thing's path is in the earlier document, anything else's in the later one.
  const [doc, i] = [change.kind === 'removed' ? from : to, Number(gate[1])];
  const position = gateIndex(doc, at);
  return position < 0 || i >= position;
}

/**
 * Where the project's open gate (or one decided, not yet followed) could still send it back: the
 * gates before it in the version it was opened with, and any gate a Recycle on it named. The
 * project follows the target once moved, so a Recycle to a gate the target lacks could never be
 * followed: each must be in the target. Reads only for a project in review.
 */
async function recycleReach(
  ports: Pick<Ports, 'repository'>,
  project: Project,
  from: ProcessDefinition,
): Promise<{ gateId: string; as: string }[]> {
  const ref = project.currentGate;
  if (project.status !== 'in-review' || !ref || project.pendingStart) return [];
  const [gate, votes] = await Promise.all([
    ports.repository.getGate(project.projectId, ref.sequence),
    ports.repository.listVotes(project.projectId, ref.sequence),
  ]);
  if (gate?.kind !== 'gate' || gate.appliedAt) return [];
  const opened = await openedDefinition(ports, gate, from);
  const before = opened.gates.slice(0, Math.max(gateIndex(opened, gate.gateId), 0)).map((g) => ({
    gateId: g.id,
    as: `its gate "${gate.gateId}" can recycle to it, as opened under version ${opened.version}`,
  }));
  const named = [gate.recycleTo, ...votes.map((v) => v.decision.recycleTo)].flatMap((gateId) =>
    gateId ? [{ gateId, as: `a Recycle on its gate "${gate.gateId}" names it` }] : [],
  );
  return [...before, ...named];
}

/**
 * What moving one project from `from` to `to` changes for it, or why it cannot move. `reach`:
 * the gates its open gate could still recycle to (recycleReach).
 */
export function planMigration(
  project: Project,
  from: ProcessDefinition,
  to: ProcessDefinition,
  reach: readonly { gateId: string; as: string }[] = [],
): { changes: string[]; refused?: string } {
  const missing = [...gatesHeld(project), ...reach].find((h) => gateIndex(to, h.gateId) < 0);
  if (missing)
    return {
      changes: [],
      refused: `gate "${missing.gateId}" (${missing.as}) is not in version ${to.version}: it cannot follow it`,
    };
  const at = gatesHeld(project)[0]?.gateId ?? (project.status === 'closing' ? CLOSE_OUT_GATE_ID : undefined);
  const changes: string[] = [];
  if (project.status === 'in-review' && project.currentGate && !project.pendingStart)
    changes.push(
      `The open gate "${project.currentGate.gateId}" keeps the rules it was opened with; version ${to.version} applies from the next gate`,
    );
  const position = at === undefined ? 0 : at === CLOSE_OUT_GATE_ID ? to.gates.length : gateIndex(to, at);
  const [before, after] = [skippedGates(from, project.fields), skippedGates(to, project.fields)];
  for (const gate of to.gates.slice(position)) {
    const rule = gate.skipWhen ?? '';
    if (after.includes(gate.id) && !before.includes(gate.id))
      changes.push(`Gate "${gate.id}" will be skipped for this project (${rule})`);
    if (!after.includes(gate.id) && before.includes(gate.id))
      changes.push(`Gate "${gate.id}" will no longer be skipped for this project`);
  }
  const relevant = diffDefinitions(from, to).filter((c) =>
    at === CLOSE_OUT_GATE_ID ? c.path.startsWith('closeOut') : ahead(c, from, to, at),
  );
  changes.push(...relevant.map((c) => c.what));
  return { changes };
}

/** The active projects on one version, from the listings index (no Scan), at most MAX_MIGRATED. */
async function activeOn(ports: Pick<Ports, 'repository'>, id: string, version: number) {
  const found: string[] = [];
  for (const status of ACTIVE_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await ports.repository.listActiveProjects(status, {
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      for (const p of page.items) {
        if (p.definition.id !== id || p.definition.version !== version || found.includes(p.projectId))
          continue;
        if (found.length === MAX_MIGRATED) return { projectIds: found, more: true };
        found.push(p.projectId);
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return { projectIds: found, more: false };
}

/**
 * POST /definitions/{id}/migrations: moves projects forward from one version to a later one, each
 * in its own transaction with a `project.migrated` entry on its chain; `dryRun` only says what
 * would change. A project refused (not on that version, closed, its gate gone) is named with why.
 */
export async function migrateProjects(
  ports: Pick<Ports, 'repository' | 'clock'>,
  caller: Caller,
  args: { id: string; body: unknown; source: RequestSource },
) {
  requireRole(caller, 'pmo-admin');
  const body = parseBody(migrationBodySchema, args.body, 'migration');
  if (body.toVersion <= body.fromVersion)
    throw new InvalidInputError('the migration has problems', [
      { path: 'toVersion', message: 'must be later than fromVersion: projects only move forward' },
    ]);
  const [from, to] = await Promise.all([
    ports.repository.getDefinition(args.id, body.fromVersion),
    ports.repository.getDefinition(args.id, body.toVersion),
  ]);
  if (!from) throw new NotFoundError(`version ${body.fromVersion} of process ${args.id} was not found`);
  if (!to) throw new NotFoundError(`version ${body.toVersion} of process ${args.id} was not found`);
  const { projectIds, more } = body.projectIds
    ? { projectIds: [...new Set(body.projectIds)], more: false }
    : await activeOn(ports, args.id, body.fromVersion);
  const one = (projectId: string) =>
    migrateOne(ports, caller, {
      projectId,
      from,
      to,
      dryRun: body.dryRun,
      reason: body.reason,
      source: args.source,
    });
  const projects: MigratedProject[] = [];
  for (let i = 0; i < projectIds.length; i += PARALLEL)
    projects.push(...(await Promise.all(projectIds.slice(i, i + PARALLEL).map(one))));
  return {
    dryRun: body.dryRun,
    projects,
    ...(more
      ? {
          more: true,
          note: `only the first ${MAX_MIGRATED} projects on version ${from.version} were taken: run it again for the rest`,
        }
      : {}),
  };
}

async function migrateOne(
  ports: Pick<Ports, 'repository' | 'clock'>,
  caller: Caller,
  args: {
    projectId: string;
    from: ProcessDefinition;
    to: ProcessDefinition;
    dryRun: boolean;
    reason: string;
    source: RequestSource;
  },
): Promise<MigratedProject> {
  const { projectId, from, to } = args;
  for (let attempt = 1; ; attempt++) {
    // Read afresh (the listing is eventually consistent), and again after a concurrent change.
    const project = await ports.repository.getProject(projectId);
    const entry = (changes: string[], migrated: boolean, refused?: string): MigratedProject => ({
      projectId,
      title: project?.title ?? '',
      status: project?.status ?? 'unknown',
      from: project?.definition.version ?? from.version,
      to: to.version,
      changes,
      migrated,
      ...(refused ? { refused } : {}),
    });
    if (!project) return entry([], false, 'no such project');
    const pinned = project.definition;
    if (pinned.id !== from.id || pinned.version !== from.version)
      return entry(
        [],
        false,
        `it follows ${pinned.id} version ${pinned.version}, not version ${from.version}`,
      );
    if (project.status === 'closed') return entry([], false, 'it is closed');
    const plan = planMigration(project, from, to, await recycleReach(ports, project, from));
    if (plan.refused || args.dryRun) return entry(plan.changes, false, plan.refused);
    const at = nowIso(ports);
    try {
      await ports.repository.changeProject({
        projectId,
        expectedVersion: project.version,
        set: { definition: { id: to.id, version: to.version }, updatedAt: at },
        events: [
          projectEvent({ projectId, definition: { id: to.id, version: to.version } }, 'project.migrated', {
            at,
            actor: caller.actor,
            source: args.source,
            detail: {
              from: from.version,
              to: to.version,
              changes: plan.changes.slice(0, 200),
              reason: args.reason,
            },
          }),
        ],
      });
      return entry(plan.changes, true);
    } catch (error) {
      if (!(error instanceof WriteRejectedError)) throw error;
      if (error.guards.includes('chain-sealed')) return entry([], false, 'it was closed meanwhile');
      if (attempt >= ATTEMPTS) return entry([], false, 'it kept changing while being migrated: try again');
    }
  }
}
