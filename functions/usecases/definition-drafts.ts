import * as z from 'zod/mini';
import type { ProcessDefinition } from '../domain/definition.ts';
import { diffDefinitions } from '../domain/definition-diff.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { safeText } from '../domain/text.ts';
import { type Caller, requireRole } from './caller.ts';
import {
  checkDefinition,
  definitionEvent,
  definitionValue,
  draftStamp,
  draftView,
  liveDraft,
  parseBody,
  revisionNumber,
  sourceText,
  trailChanges,
  versionNumber,
} from './definitions.ts';
import type { RequestSource } from './model.ts';
import {
  type DefinitionDraft,
  type DefinitionsRepository,
  type DraftExpectation,
  type Ports,
  WriteRejectedError,
} from './ports.ts';
import { nowIso } from './shared.ts';

/*
 * The definitions API's writes: saving a draft (optimistic concurrency on its revision), starting
 * one from a published version, publishing it. PMO admins only; each with its trail entry on the
 * process's chain in the same transaction.
 */

type DraftPorts = Pick<Ports, 'clock'> & { repository: DefinitionsRepository };
interface Request {
  id: string;
  body: unknown;
  source: RequestSource;
}

const reason = safeText(1, 1000);

export const draftBodySchema = z.strictObject({
  definition: definitionValue,
  /** The editor's text (YAML), kept verbatim for the editor. */
  source: z.optional(sourceText),
  /** The revision read; absent to start a draft. */
  revision: z.optional(revisionNumber),
  reason: z.optional(reason),
});

export const draftFromVersionSchema = z.strictObject({
  fromVersion: versionNumber,
  reason: z.optional(reason),
});

export const publishBodySchema = z.strictObject({ revision: revisionNumber, reason });

/** What a save replaces: the live draft read, the spent one, or nothing ever. */
function expectationOf(stored: DefinitionDraft | undefined): DraftExpectation {
  return stored ? { revision: stored.revision, spent: stored.publishedAs !== undefined } : undefined;
}

/**
 * The 409 of an edit that lost: the draft as it is now (who saved which revision when) and, when
 * both are valid, what the edits since the caller's revision changed (from the version the draft
 * started from, for a caller who meant to start one).
 */
async function draftMovedOn(ports: DraftPorts, id: string, read: number | undefined): Promise<ConflictError> {
  const now = await ports.repository.getDraft(id);
  if (!now) return new ConflictError(`the draft of ${id} is gone: read it again`);
  if (now.publishedAs !== undefined)
    return new ConflictError(
      `revision ${now.revision} of the draft was published as version ${now.publishedAs}: start a new draft`,
      { current: { ...draftStamp(now), publishedAs: now.publishedAs }, changes: [] },
    );
  const before =
    read === undefined
      ? await ports.repository.getDefinition(id, now.basedOn)
      : await ports.repository.getDraftRevision(id, read);
  const [was, is] = [checkDefinition(before), checkDefinition(now.definition)];
  const who = `${now.updatedBy.name} <${now.updatedBy.email}>`;
  return new ConflictError(
    read === undefined
      ? `${id} has a draft already (revision ${now.revision}, saved by ${who} at ${now.updatedAt}): edit that one`
      : `the draft moved on to revision ${now.revision}, saved by ${who} at ${now.updatedAt}: read it again and redo your change`,
    {
      current: draftStamp(now),
      changes: was.ok && is.ok ? diffDefinitions(was.value, is.value) : [],
    },
  );
}

const draftLost = (error: unknown) =>
  error instanceof WriteRejectedError && error.guards.includes('draft-unchanged');

/**
 * PUT /definitions/{id}/draft: saves the editor's definition as the next revision, valid or not.
 * With `revision`, only over that revision; without, only where no draft is being edited.
 */
export async function saveDraft(ports: DraftPorts, caller: Caller, args: Request) {
  requireRole(caller, 'pmo-admin');
  const body = parseBody(draftBodySchema, args.body, 'draft');
  const { id } = args;
  const definition = body.definition as Record<string, unknown>;
  if (definition.id !== id)
    throw new InvalidInputError('the draft has problems', [
      { path: 'definition.id', message: `must be "${id}", the process this draft is for` },
    ]);
  const [stored, current] = await Promise.all([
    ports.repository.getDraft(id),
    ports.repository.getCurrentDefinition(id),
  ]);
  const live = liveDraft(stored);
  if (body.revision !== undefined && !stored)
    throw new NotFoundError(`process ${id} has no draft: start one by saving without a revision`);
  if (body.revision === undefined ? live : live?.revision !== body.revision)
    throw await draftMovedOn(ports, id, body.revision);
  const at = nowIso(ports);
  const draft: DefinitionDraft = {
    id,
    revision: (stored?.revision ?? 0) + 1,
    basedOn: live?.basedOn ?? current?.version ?? 0,
    definition,
    ...(body.source !== undefined ? { source: body.source } : {}),
    updatedAt: at,
    updatedBy: { email: caller.email, name: caller.name },
  };
  // What this save changed: against the revision it replaces, or the version it starts from.
  const [before, after] = [live ? checkDefinition(live.definition) : undefined, checkDefinition(definition)];
  const base = before?.ok ? before.value : live ? undefined : current;
  const event = definitionEvent(id, 'definition.draft-saved', {
    at,
    actor: caller.actor,
    source: args.source,
    detail: {
      revision: draft.revision,
      basedOn: draft.basedOn,
      ...(body.reason ? { reason: body.reason } : {}),
      valid: after.ok,
      ...(after.ok ? {} : { problems: after.problems.length }),
      ...(after.ok && base ? { changes: trailChanges(diffDefinitions(base, after.value)) } : {}),
    },
  });
  try {
    await ports.repository.saveDraft(draft, expectationOf(stored), event);
  } catch (error) {
    if (draftLost(error)) throw await draftMovedOn(ports, id, body.revision);
    throw error;
  }
  const view = draftView(draft, current);
  return { revision: draft.revision, problems: view.problems, changes: view.changes };
}

/**
 * POST /definitions/{id}/draft: starts a draft from a published version, its `version` set to
 * follow the current one. Refused while another draft is being edited.
 */
export async function startDraft(ports: DraftPorts, caller: Caller, args: Request) {
  requireRole(caller, 'pmo-admin');
  const body = parseBody(draftFromVersionSchema, args.body, 'draft');
  const { id } = args;
  const [from, current, stored] = await Promise.all([
    ports.repository.getDefinition(id, body.fromVersion),
    ports.repository.getCurrentDefinition(id),
    ports.repository.getDraft(id),
  ]);
  if (!from || !current)
    throw new NotFoundError(`version ${body.fromVersion} of process ${id} was not found`);
  if (liveDraft(stored)) throw await draftMovedOn(ports, id, undefined);
  const at = nowIso(ports);
  const definition: ProcessDefinition = { ...structuredClone(from), version: current.version + 1 };
  const draft: DefinitionDraft = {
    id,
    revision: (stored?.revision ?? 0) + 1,
    basedOn: current.version,
    definition,
    updatedAt: at,
    updatedBy: { email: caller.email, name: caller.name },
  };
  const event = definitionEvent(id, 'definition.draft-saved', {
    at,
    actor: caller.actor,
    source: args.source,
    detail: {
      revision: draft.revision,
      basedOn: draft.basedOn,
      fromVersion: body.fromVersion,
      ...(body.reason ? { reason: body.reason } : {}),
      valid: true,
      changes: trailChanges(diffDefinitions(current, definition)),
    },
  });
  try {
    await ports.repository.saveDraft(draft, expectationOf(stored), event);
  } catch (error) {
    if (draftLost(error)) throw await draftMovedOn(ports, id, undefined);
    throw error;
  }
  return { ...draftView(draft, current), definition };
}

/**
 * POST /definitions/{id}/publish: the draft, at the revision read, valid, and later than the
 * current version, becomes the new version — with the current pointer moved, the draft spent and
 * the trail entry, in one transaction. Running projects stay on their version until migrated.
 */
export async function publishDraft(ports: DraftPorts, caller: Caller, args: Request) {
  requireRole(caller, 'pmo-admin');
  const body = parseBody(publishBodySchema, args.body, 'publication');
  const { id } = args;
  const [stored, current] = await Promise.all([
    ports.repository.getDraft(id),
    ports.repository.getCurrentDefinition(id),
  ]);
  if (!stored) throw new NotFoundError(`process ${id} has no draft to publish`);
  if (stored.publishedAs !== undefined || stored.revision !== body.revision)
    throw await draftMovedOn(ports, id, body.revision);
  const checked = checkDefinition(stored.definition);
  if (!checked.ok)
    throw new InvalidInputError(
      'the draft is not a valid definition: fix its problems before publishing',
      checked.problems,
    );
  const definition = checked.value;
  if (current && definition.version <= current.version)
    throw new ConflictError(
      `the draft is version ${definition.version}, but version ${current.version} is current: raise its version above ${current.version}`,
      { current: current.version },
    );
  const changes = current ? diffDefinitions(current, definition) : [];
  const event = definitionEvent(id, 'definition.published', {
    at: nowIso(ports),
    actor: caller.actor,
    source: args.source,
    version: definition.version,
    detail: {
      reason: body.reason,
      revision: stored.revision,
      name: definition.name,
      gates: definition.gates.map((g) => g.id),
      previous: current?.version ?? null,
      changes: trailChanges(changes),
    },
  });
  try {
    await ports.repository.publishDraft({ definition, revision: body.revision, event });
  } catch (error) {
    if (draftLost(error)) throw await draftMovedOn(ports, id, body.revision);
    if (error instanceof WriteRejectedError && error.guards.includes('new-version'))
      throw new ConflictError(
        `version ${definition.version} of ${id} was published meanwhile: read it again`,
      );
    throw error;
  }
  return { id, version: definition.version, changes };
}
