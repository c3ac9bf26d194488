import * as z from 'zod/mini';
import type { ProcessDefinition } from '../domain/definition.ts';
import { type DefinitionChange, diffDefinitions } from '../domain/definition-diff.ts';
import { parseProcessDefinition } from '../domain/definition-schema.ts';
import { type DryRunResult, dryRun } from '../domain/dry-run.ts';
import { InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { checkExpression, formatExpressionError, parseExpression } from '../domain/expression.ts';
import { fieldSpecSchema } from '../domain/fields.ts';
import { textProblem } from '../domain/text.ts';
import { CHAINS, type TrailActor, type TrailEvent } from '../domain/trail.ts';
import { type Parsed, type Problem, parseWith } from '../domain/validation.ts';
import { type Caller, type Role, requireRole } from './caller.ts';
import type { RequestSource } from './model.ts';
import type { DefinitionDraft, DefinitionsRepository, Ports } from './ports.ts';
import { canonical, nowIso } from './shared.ts';

/*
 * The definitions API's reads (list, show, a version, a diff, the draft) and its checks that write
 * nothing (validate, dry-run), with what the writing use cases (definition-drafts.ts,
 * migration.ts) share: the schemas at the edge, the one validity check, the trail entries.
 */

/** Reading, validating and dry-running write nothing: PMO admins and compliance. Writing: PMO admins. */
export const DEFINITION_READERS: Role[] = ['pmo-admin', 'compliance'];

/** A definition as JSON text; with the editor's source beside it, a draft item stays far below 400 KB. */
export const MAX_DEFINITION_BYTES = 96 * 1024;
export const MAX_SOURCE_BYTES = 128 * 1024;
/** A definition is six levels deep; anything much deeper is not one. */
const MAX_DEPTH = 16;

function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, limit, depth + 1));
  return deepest;
}

/** Any JSON object, bounded in size and depth: a draft may be invalid, never unbounded. */
export const definitionValue = z.unknown().check(
  z.superRefine((value, ctx) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      ctx.addIssue('must be a process definition (a JSON object)');
    // Depth first: it stops looking past the limit, where serialising a deep enough value would throw.
    else if (depthOf(value, MAX_DEPTH) > MAX_DEPTH) ctx.addIssue(`must be at most ${MAX_DEPTH} levels deep`);
    else if (Buffer.byteLength(JSON.stringify(value)) > MAX_DEFINITION_BYTES)
      ctx.addIssue(`must be at most ${MAX_DEFINITION_BYTES / 1024} KB as JSON`);
  }),
);

/** The editor's text, kept verbatim (not trimmed): bounded, well-formed, without hidden controls. */
export const sourceText = z.string().check(
  z.superRefine((value, ctx) => {
    if (Buffer.byteLength(value) > MAX_SOURCE_BYTES)
      ctx.addIssue(`must be at most ${MAX_SOURCE_BYTES / 1024} KB`);
    else {
      const problem = textProblem(value, { oneLine: false });
      if (problem) ctx.addIssue(problem);
    }
  }),
);

const email = z.email().check(z.toLowerCase(), z.maxLength(254));
export const versionNumber = z.int().check(z.gte(1), z.lte(999_999));
export const revisionNumber = z.int().check(z.gte(1), z.lte(1_000_000_000));
export const processId = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a process id (lower-case letters, digits and dashes)'),
  );

/** Parses a body or refuses it, naming each problem. */
export function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown, what: string): T {
  const parsed = parseWith(schema, body);
  if (!parsed.ok) throw new InvalidInputError(`the ${what} has problems`, parsed.problems);
  return parsed.value;
}

/** DynamoDB keeps numbers of magnitude 1e-130 to 1e125 only: a definition beyond that could never be stored. */
function numberProblems(value: unknown, path: string[], out: Problem[]): Problem[] {
  if (typeof value === 'number') {
    const size = Math.abs(value);
    if (size !== 0 && (size >= 1e125 || size < 1e-128))
      out.push({ path: path.join('.'), message: 'is too large or too small a number to keep' });
  } else if (value !== null && typeof value === 'object')
    for (const [key, child] of Object.entries(value)) numberProblems(child, [...path, key], out);
  return out;
}

const intakeFields = z.array(fieldSpecSchema);

/**
 * The skip rules' problems, which the schema checks only once the whole shape is right: an editor
 * fixing a draft sees them with the rest rather than one round later.
 */
function skipRuleProblems(input: unknown): Problem[] {
  const draft = input as { intake?: { fields?: unknown }; gates?: unknown } | null;
  const fields = intakeFields.safeParse(draft?.intake?.fields);
  if (!fields.success || !Array.isArray(draft?.gates)) return [];
  return draft.gates.flatMap((gate: unknown, i) => {
    const rule = (gate as { skipWhen?: unknown } | null)?.skipWhen;
    if (typeof rule !== 'string' || rule.length > 500) return [];
    const parsed = parseExpression(rule);
    const messages = parsed.ok
      ? checkExpression(parsed.expr, fields.data)
      : [formatExpressionError(parsed.error)];
    return messages.map((message) => ({ path: `gates.${i}.skipWhen`, message }));
  });
}

/** The one validity check of a definition: the schema with its cross-field rules, and storable numbers. */
export function checkDefinition(input: unknown): Parsed<ProcessDefinition> {
  const parsed = parseProcessDefinition(input);
  if (!parsed.ok) {
    const seen = new Set(parsed.problems.map((p) => `${p.path}\u0000${p.message}`));
    const hidden = skipRuleProblems(input).filter((p) => !seen.has(`${p.path}\u0000${p.message}`));
    return { ok: false, problems: [...parsed.problems, ...hidden] };
  }
  const problems = numberProblems(parsed.value, [], []);
  return problems.length > 0 ? { ok: false, problems } : parsed;
}

/**
 * Changes as the trail keeps them: whole while small, else the sentences alone (a trail entry is
 * one item; the versions themselves hold every value).
 */
export function trailChanges(changes: readonly DefinitionChange[]): unknown[] {
  if (JSON.stringify(changes).length <= 16_000) return [...changes];
  return changes.slice(0, 200).map(({ path, kind, what }) => ({ path, kind, what }));
}

/** A trail entry on a process's chain. */
export function definitionEvent(
  id: string,
  action: string,
  args: {
    at: string;
    actor: TrailActor;
    source?: RequestSource;
    version?: number;
    detail: Record<string, unknown>;
  },
): TrailEvent {
  return {
    chain: CHAINS.definition(id),
    subject: { definitionId: id },
    at: args.at,
    actor: args.actor,
    action,
    ...(args.version !== undefined ? { definition: { id, version: args.version } } : {}),
    ...(args.source ? { source: args.source } : {}),
    detail: args.detail,
  };
}

/** The draft being edited, if any (a published one is spent). */
export const liveDraft = (draft: DefinitionDraft | undefined) =>
  draft && draft.publishedAs === undefined ? draft : undefined;

/** Who saved a draft and when, as listings and conflicts show it. */
export function draftStamp(draft: Pick<DefinitionDraft, 'revision' | 'updatedAt' | 'updatedBy'>) {
  return {
    revision: draft.revision,
    updatedAt: draft.updatedAt,
    updatedBy: draft.updatedBy.email,
    updatedByName: draft.updatedBy.name,
  };
}

type ReadPorts = { repository: DefinitionsRepository };

/** GET /definitions: every process, its current version and its draft; new processes by their draft. */
export async function listProcesses(ports: ReadPorts, caller: Caller) {
  requireRole(caller, ...DEFINITION_READERS);
  const [current, drafts] = await Promise.all([
    ports.repository.listDefinitions(),
    ports.repository.listDrafts(),
  ]);
  const draftOf = new Map(drafts.filter((d) => d.publishedAs === undefined).map((d) => [d.id, d]));
  const listed: {
    id: string;
    name: string;
    current: number;
    published?: { at: string; by: string };
    draft?: ReturnType<typeof draftStamp>;
  }[] = current.map((c) => {
    const draft = draftOf.get(c.id);
    return {
      id: c.id,
      name: c.name,
      current: c.version,
      published: c.published,
      ...(draft ? { draft: draftStamp(draft) } : {}),
    };
  });
  for (const [id, draft] of draftOf)
    if (!current.some((c) => c.id === id))
      listed.push({ id, name: id, current: 0, draft: draftStamp(draft) });
  return { definitions: listed.sort((a, b) => (a.id < b.id ? -1 : 1)) };
}

/** GET /definitions/{id}: its versions and its draft (a new process has only the draft: `current` 0). */
export async function showProcess(ports: ReadPorts, caller: Caller, id: string) {
  requireRole(caller, ...DEFINITION_READERS);
  const [versions, stored] = await Promise.all([
    ports.repository.listDefinitionVersions(id),
    ports.repository.getDraft(id),
  ]);
  const draft = liveDraft(stored);
  const last = versions[versions.length - 1];
  if (!last && !draft) throw new NotFoundError(`process ${id} was not found`);
  return {
    id,
    name: last?.name ?? id,
    current: last?.version ?? 0,
    versions: versions.map((v) => ({ version: v.version, name: v.name, published: v.published })),
    ...(draft ? { draft: draftStamp(draft) } : {}),
  };
}

/** A published version, or the same 404 for an unknown process and an unknown version. */
async function publishedVersion(ports: ReadPorts, id: string, version: number) {
  const definition = await ports.repository.getDefinition(id, version);
  if (!definition) throw new NotFoundError(`version ${version} of process ${id} was not found`);
  return definition;
}

/** GET /definitions/{id}/versions/{version}. */
export async function showVersion(ports: ReadPorts, caller: Caller, id: string, version: number) {
  requireRole(caller, ...DEFINITION_READERS);
  const [definition, versions] = await Promise.all([
    publishedVersion(ports, id, version),
    ports.repository.listDefinitionVersions(id),
  ]);
  return { definition, published: versions.find((v) => v.version === version)?.published ?? null };
}

const versionText = z.pipe(
  z.string().check(z.regex(/^[1-9][0-9]{0,5}$/, 'must be a version number (1–999999)')),
  z.transform(Number),
);

export const diffQuerySchema = z.object({
  from: z.optional(versionText),
  to: z.optional(z.union([z.literal('draft'), versionText])),
});

/** The draft's definition, refused when it is not valid yet (400 with its problems). */
function validDraft(draft: DefinitionDraft | undefined, id: string): ProcessDefinition {
  if (!draft) throw new NotFoundError(`process ${id} has no draft`);
  const checked = checkDefinition(draft.definition);
  if (!checked.ok)
    throw new InvalidInputError(
      'the draft is not a valid definition yet: fix its problems first',
      checked.problems,
    );
  return checked.value;
}

/**
 * GET /definitions/{id}/diff?from=&to=: what changed from one version to another (or to the
 * draft). By default from the current version to the draft, or to the current one from the last.
 */
export async function diffProcess(
  ports: ReadPorts,
  caller: Caller,
  id: string,
  query: Record<string, string | undefined>,
) {
  requireRole(caller, ...DEFINITION_READERS);
  const parsed = parseWith(diffQuerySchema, { from: query.from, to: query.to });
  if (!parsed.ok)
    throw new InvalidInputError(
      'the query has problems',
      parsed.problems.map((p) => ({ ...p, path: `(query).${p.path}` })),
    );
  const [versions, stored] = await Promise.all([
    ports.repository.listDefinitionVersions(id),
    ports.repository.getDraft(id),
  ]);
  const draft = liveDraft(stored);
  const current = versions[versions.length - 1]?.version ?? 0;
  if (current === 0 && !draft) throw new NotFoundError(`process ${id} was not found`);
  const to = parsed.value.to ?? (draft ? 'draft' : current);
  const from = parsed.value.from ?? (to === 'draft' ? current : to - 1);
  if (from === 0)
    throw new NotFoundError(
      to === 'draft'
        ? `process ${id} has no published version to compare the draft with`
        : `version ${to} of process ${id} is its first: there is nothing before it`,
    );
  const load = (v: number | 'draft') =>
    v === 'draft' ? Promise.resolve(validDraft(draft, id)) : publishedVersion(ports, id, v);
  const [before, after] = await Promise.all([load(from), load(to)]);
  return { from, to, changes: diffDefinitions(before, after) };
}

/** GET /definitions/{id}/draft: the draft as saved, its problems, and what it changes against the current version. */
export async function showDraft(ports: ReadPorts, caller: Caller, id: string) {
  requireRole(caller, ...DEFINITION_READERS);
  const [stored, current] = await Promise.all([
    ports.repository.getDraft(id),
    ports.repository.getCurrentDefinition(id),
  ]);
  const draft = liveDraft(stored);
  if (!draft) throw new NotFoundError(`process ${id} has no draft`);
  return { ...draftView(draft, current), definition: draft.definition };
}

/** What a draft's author sees after each save: its problems, or what it changes. */
export function draftView(draft: DefinitionDraft, current: ProcessDefinition | undefined) {
  const checked = checkDefinition(draft.definition);
  return {
    ...draftStamp(draft),
    basedOn: draft.basedOn,
    ...(draft.source !== undefined ? { source: draft.source } : {}),
    problems: checked.ok ? [] : checked.problems,
    changes: checked.ok && current ? diffDefinitions(current, checked.value) : [],
  };
}

export const validateBodySchema = z.strictObject({ definition: definitionValue });

/** POST /definitions/validate: the definition's problems, by path (writes nothing). */
export function validateProcess(caller: Caller, body: unknown): { ok: boolean; problems: Problem[] } {
  requireRole(caller, ...DEFINITION_READERS);
  const { definition } = parseBody(validateBodySchema, body, 'request');
  const checked = checkDefinition(definition);
  return { ok: checked.ok, problems: checked.ok ? [] : checked.problems };
}

const isoTime = z.string().check(
  z.regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO date and time',
  ),
  z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time that exists'),
);
const fieldValue = z.union([z.string().check(z.maxLength(4000)), z.number(), z.boolean(), z.null()]);

export const dryRunBodySchema = z.strictObject({
  definition: z.optional(definitionValue),
  definitionId: z.optional(processId),
  version: z.optional(z.union([versionNumber, z.literal('draft')])),
  proposal: z.strictObject({
    sponsorEmail: email,
    requesterEmail: z.optional(email),
    fields: z._default(
      z
        .record(z.string().check(z.maxLength(64)), fieldValue)
        .check(z.refine((f) => Object.keys(f).length <= 50, 'must have at most 50 fields')),
      {},
    ),
  }),
  startAt: z.optional(isoTime),
});

/**
 * POST /definitions/dry-run: what a definition (sent, or a stored version or the draft) would do
 * to a sample proposal. Writes nothing; reads the directory for the approvers' out-of-office.
 */
export async function dryRunProcess(
  ports: Pick<Ports, 'clock' | 'settings'> & { repository: DefinitionsRepository },
  caller: Caller,
  body: unknown,
): Promise<DryRunResult> {
  requireRole(caller, ...DEFINITION_READERS);
  const input = parseBody(dryRunBodySchema, body, 'dry run');
  const which = (path: string, message: string) => {
    throw new InvalidInputError('the dry run has problems', [{ path, message }]);
  };
  if ((input.definition === undefined) === (input.definitionId === undefined))
    which('definition', 'send either a definition or a definitionId');
  if (input.version !== undefined && input.definitionId === undefined)
    which('version', 'goes with a definitionId');
  let candidate: unknown = input.definition;
  if (input.definitionId !== undefined) {
    const id = input.definitionId;
    if (input.version === 'draft') {
      const draft = liveDraft(await ports.repository.getDraft(id));
      if (!draft) throw new NotFoundError(`process ${id} has no draft`);
      candidate = draft.definition;
    } else if (input.version !== undefined) candidate = await publishedVersion(ports, id, input.version);
    else {
      candidate = await ports.repository.getCurrentDefinition(id);
      if (!candidate) throw new NotFoundError(`process ${id} was not found`);
    }
  }
  const checked = checkDefinition(candidate);
  if (!checked.ok)
    return { ok: false, problems: checked.problems.map((p) => ({ ...p, path: `definition.${p.path}` })) };
  const definition = checked.value;
  return dryRun({
    definition,
    proposal: input.proposal,
    startAt: input.startAt ?? nowIso(ports),
    directory: await approverDirectory(ports, definition, input.proposal.sponsorEmail),
    subaddressDomains: ports.settings.subaddressDomains,
  });
}

/** The directory entries of the people a definition asks (names, out-of-office), read one by one. */
async function approverDirectory(
  ports: Pick<Ports, 'repository' | 'settings'>,
  definition: ProcessDefinition,
  sponsorEmail: string,
) {
  const named = definition.gates.flatMap((g) => g.approvers.flatMap((a) => ('email' in a ? [a.email] : [])));
  const emails = [...new Set([sponsorEmail, ...named].map((e) => canonical(ports, e)))].slice(0, 100);
  const people = await Promise.all(emails.map((e) => ports.repository.getPerson(e)));
  return Object.fromEntries(
    people.flatMap((p) => (p ? [[p.email, { name: p.name, ...(p.away ? { away: p.away } : {}) }]] : [])),
  );
}
