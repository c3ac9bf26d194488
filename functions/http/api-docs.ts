import * as z from 'zod/mini';
import { condition, decisionInputSchema } from '../domain/decision.ts';
import { processDefinitionSchema } from '../domain/definition-schema.ts';
import { exportRequestSchema } from '../domain/export-format.ts';
import { SECRET_SHAPE } from '../domain/links.ts';
import { OUTCOMES } from '../domain/outcomes.ts';
import { proposalSchema } from '../domain/proposal.ts';
import { submissionSchema } from '../domain/submission.ts';
import {
  type cancelProject,
  cancelSchema,
  type extendDeadline,
  extendSchema,
  type holdProject,
  holdSchema,
  type remindApprovers,
  remindSchema,
} from '../usecases/admin-actions.ts';
import type { Role } from '../usecases/caller.ts';
import { metSchema, waiveSchema } from '../usecases/conditions.ts';
import {
  draftBodySchema,
  draftFromVersionSchema,
  publishBodySchema,
  type publishDraft,
  type saveDraft,
  type startDraft,
} from '../usecases/definition-drafts.ts';
import {
  DEFINITION_READERS,
  type diffProcess,
  diffQuerySchema,
  dryRunBodySchema,
  type dryRunProcess,
  type listProcesses,
  type showDraft,
  type showProcess,
  type showVersion,
  validateBodySchema,
  type validateProcess,
} from '../usecases/definitions.ts';
import { delegationSchema, type reassign, reassignmentSchema } from '../usecases/delegation.ts';
import { type resumeProject, resumeSchema } from '../usecases/holds.ts';
import { IDEMPOTENCY_KEY } from '../usecases/intake.ts';
import { type migrateProjects, migrationBodySchema } from '../usecases/migration.ts';
import type { ConditionRecord, DirectoryPerson, TrailJob } from '../usecases/model.ts';
import { ACTIVE_STATUSES } from '../usecases/model.ts';
import { pendingQuery, type pendingView } from '../usecases/pending.ts';
import {
  awaySchema,
  backSchema,
  type listPeople,
  peopleQuery,
  personSchema as personBodySchema,
} from '../usecases/people.ts';
import type { projectStatus } from '../usecases/projects.ts';
import type { jobStatus } from '../usecases/trail-jobs.ts';
import { CONDITION_ROWS } from '../views/decision-page.ts';
import type { PathParameter } from './paths.ts';

/*
 * What each HTTP route takes and answers, for the OpenAPI document (infra/openapi.ts writes
 * docs/openapi.json from it). Request bodies are the very zod/mini schemas the use cases parse
 * with, so the document cannot drift from what is accepted. Imported only by the generator and
 * the tests, never by a handler: no Lambda bundle carries it.
 */

/** Who may call a route: a signed-in caller with one of the roles (none: anyone signed in, then an
 * object check), the holder of an e-mailed approval link, or anyone. */
export type Access = Role[] | 'link' | 'public';

export type Tag = 'approvals' | 'projects' | 'pmo' | 'people' | 'compliance' | 'definitions' | 'console';

export const TAGS: Record<Tag, string> = {
  approvals: 'Decision pages behind e-mailed approval links (the secret in the path is the credential)',
  projects: 'Requester API: proposals, project status, stage submissions, conditions met',
  pmo: 'PMO admin API: what is pending and with whom; act on reviews in flight, each with a reason',
  people: 'The people directory: printed names, roles, out-of-office and who stands in',
  compliance: 'Compliance API: trail exports, verification, approval records',
  definitions:
    'Process definitions: versions, diffs, drafts, validation, dry runs, publishing, migrating projects',
  console:
    'The PMO web console: a page and its assets, holding no data (every call it makes is a bearer-token call)',
};

export type BodyContentType = 'application/json' | 'application/x-www-form-urlencoded';
export type ResponseContentType = 'application/json' | 'text/html' | 'text/javascript' | 'text/css';

export interface ResponseDoc {
  description: string;
  /** Absent: no body (or a page, see contentType). */
  schema?: z.ZodMiniType;
  /** application/json unless said; several when the route answers with one of them. */
  contentType?: ResponseContentType | ResponseContentType[];
  /** Response headers worth knowing, name → what it says. */
  headers?: Record<string, string>;
}

export interface RouteDoc {
  /** Unique across the document: the CLI and generated clients name calls by it. */
  operationId: string;
  summary: string;
  description?: string;
  tags: Tag[];
  roles: Access;
  /** The path's parameters, in template order; their shapes are paths.ts SHAPES. */
  parameters: (PathParameter | 'secret')[];
  /** Request headers a route reads. */
  headers?: { name: string; description: string; schema: z.ZodMiniType }[];
  /** Query parameters: one per property. */
  query?: z.ZodMiniObject;
  body?: {
    /** The schema the use case parses the body with (a form: the fields the page posts). */
    schema: z.ZodMiniType;
    contentType: BodyContentType;
    description?: string;
  };
  responses: Record<number, ResponseDoc>;
}

/**
 * A schema the document names (components/schemas) and refers to wherever it is used. Name the
 * base, never extend a named schema (its name would go along): extend the unnamed one.
 */
function named<T extends z.ZodMiniType>(id: string, schema: T): T {
  return schema.check(z.meta({ id })) as T;
}

const inputProblem = named(
  'InputProblem',
  z.object({
    path: z.string().check(z.describe('Where: `title`, `gates.1.approvers`, `(path).projectId`…')),
    message: z.string(),
  }),
);

/** Every 4xx a JSON route answers has this body (functions/http/wrapper.ts); a 409 may say more. */
export const problemSchema = named(
  'Problem',
  z.looseObject({
    message: z.string().check(z.describe('What went wrong, for a person to read')),
    problems: z.optional(
      z.array(inputProblem).check(z.describe('On a 400: each thing wrong with the input, named by its path')),
    ),
  }),
);

/** How each path parameter that is not in paths.ts SHAPES is shaped. */
export const LINK_SECRET = { pattern: SECRET_SHAPE, says: 'the secret of an e-mailed approval link' };

// ---------------------------------------------------------------------------------------------
// Responses: no schema exists for what handlers answer, so they are written here, to the letter
// of the use cases' return values (read them before changing one).

const time = (what = 'UTC time, ISO 8601') =>
  z.string().check(z.meta({ description: what, format: 'date-time' }));
const date = (what = 'UTC date') => z.string().check(z.meta({ description: what, format: 'date' }));
const address = (what = 'e-mail address') => z.string().check(z.meta({ description: what, format: 'email' }));
const outcome = z.enum(OUTCOMES);
const projectStatusEnum = z.enum([...ACTIVE_STATUSES, 'closed']);
const gateStatus = z.enum(['open', 'decided', 'expired', 'closed']);

const trailActor = named(
  'TrailActor',
  z.object({
    type: z.enum(['person', 'system']),
    id: z.string().check(z.describe("A person's e-mail, or a system component's name")),
    sub: z.optional(z.string()),
    name: z.optional(z.string()),
    role: z.optional(z.string()),
  }),
);

const conditionRecord = named(
  'ConditionRecord',
  z.object({
    projectId: z.string(),
    conditionId: z.string().check(z.describe('`<gate sequence>-<n>`')),
    sequence: z.int(),
    gateId: z.string(),
    text: z.string(),
    due: date('Due date (UTC)'),
    owner: address('Who must meet it'),
    state: z.enum(['open', 'met', 'waived']),
    createdAt: time(),
    missedAt: z.optional(time('When its due date passed while still open (the project was put on hold)')),
    met: z.optional(z.object({ by: address(), at: time(), evidence: z.string(), note: z.string() })),
    waived: z.optional(z.object({ by: address(), at: time(), reason: z.string() })),
  }),
);

const hold = named(
  'Hold',
  z.object({
    since: time(),
    cause: z.enum(['decision', 'deadline', 'condition', 'pmo']),
    resumeTo: z.object({ route: z.enum(['open-gate', 'stage']), gateId: z.string() }),
    conditionId: z.optional(z.string()),
  }),
);

const projectStatusSchema = named(
  'ProjectStatus',
  z.object({
    projectId: z.string(),
    title: z.string(),
    summary: z.string(),
    status: projectStatusEnum,
    definition: z.object({ id: z.string(), version: z.int(), name: z.string() }),
    requester: address(),
    manager: address("Submits the stages' deliverables"),
    sponsorEmail: address(),
    fields: z.record(z.string(), z.union([z.number(), z.string()])),
    submittedAt: time(),
    updatedAt: time(),
    closeReason: z.optional(z.enum(['completed', 'killed', 'cancelled'])),
    closedAt: z.optional(time()),
    signOff: z.optional(
      z.union([
        z.object({ given: z.literal(true), by: address(), name: z.string(), at: time() }),
        z.object({ given: z.literal(false), lapsedAt: time() }),
      ]),
    ),
    sealedAt: z.optional(time('When the trail was sealed: from then on nothing joins it but exports')),
    stage: z.nullable(
      z.object({
        gateId: z.string(),
        gateName: z.string(),
        position: z.int(),
        enteredAt: time(),
        checklist: z.array(z.object({ id: z.string(), name: z.string(), required: z.boolean() })),
      }),
    ),
    hold: z.nullable(hold),
    currentGate: z.nullable(
      z.object({
        gateId: z.string(),
        name: z.string(),
        sequence: z.int(),
        kind: z.enum(['gate', 'close-out']),
        status: gateStatus,
        openedAt: time(),
        dueAt: time(),
        outcome: z.optional(outcome),
        approvers: z.array(
          z.object({
            email: address(),
            name: z.string(),
            status: z.enum(['pending', 'decided', 'closed', 'delegated', 'reassigned']),
            mailedAt: z.optional(time()),
            handedFrom: z.optional(
              z.object({
                approver: address(),
                why: z.enum(['delegated', 'reassigned', 'out-of-office']),
                reason: z.string(),
              }),
            ),
          }),
        ),
      }),
    ),
    gates: z.array(
      z.object({
        sequence: z.int(),
        gateId: z.string(),
        name: z.string(),
        kind: z.enum(['gate', 'close-out']),
        status: gateStatus,
        openedAt: time(),
        dueAt: time(),
        outcome: z.optional(outcome),
        decidedAt: z.optional(time()),
        decidedBy: z.optional(z.enum(['votes', 'deadline', 'pmo'])),
        score: z.optional(
          z.object({ weighted: z.number(), threshold: z.optional(z.number()), scoredBy: z.int() }),
        ),
      }),
    ),
    skipped: z.array(z.object({ gateId: z.string(), name: z.string(), rule: z.string() })),
    conditions: z.array(conditionRecord),
    actions: z
      .object({
        submit: z.boolean(),
        markMet: z.array(z.string()),
        resume: z.boolean(),
      })
      .check(z.describe('What this caller may do next')),
  }),
);

const verification = named(
  'Verification',
  z.object({
    ok: z.boolean(),
    chains: z.int(),
    entries: z.int(),
    anchor: z.nullable(
      z.object({ seq: z.int(), at: time(), ok: z.boolean(), problem: z.optional(z.string()) }),
    ),
    firstBreak: z.optional(
      z.object({
        kind: z.enum([
          'content-changed',
          'entry-missing',
          'link-broken',
          'out-of-order',
          'head-mismatch',
          'rewritten',
          'rolled-back',
          'chain-removed',
          'seal-broken',
        ]),
        chain: z.string(),
        seq: z.int(),
        expected: z.optional(z.string()),
        found: z.optional(z.string()),
        message: z.string(),
      }),
    ),
    checkedAt: time(),
  }),
);

const signedManifest = named(
  'SignedManifest',
  z.object({
    manifest: z.object({
      kind: z.literal('tollgate-trail-export'),
      version: z.literal(1),
      exportId: z.string(),
      format: z.enum(['csv', 'jsonl']),
      filters: z.omit(exportRequestSchema, { format: true }),
      file: z.object({ name: z.string(), bytes: z.int(), sha256: z.string() }),
      entries: z.object({ count: z.int(), digest: z.string() }),
      heads: z.array(z.object({ chain: z.string(), seq: z.int(), hash: z.string() })),
      anchor: z.nullable(z.object({ seq: z.int(), at: time(), hash: z.string() })),
      exportedBy: trailActor,
      exportedAt: time(),
    }),
    signature: z.object({ algorithm: z.literal('ECDSA_SHA_256'), keyId: z.string(), value: z.string() }),
  }),
);

const trailJobFields = z.object({
  jobId: z.string(),
  kind: z.enum(['export', 'verify']),
  status: z.enum(['running', 'done', 'failed']),
  request: z.union([exportRequestSchema, z.strictObject({})]),
  requestedBy: trailActor,
  requestedAt: time(),
  finishedAt: z.optional(time()),
  manifest: z.optional(signedManifest),
  files: z.optional(z.object({ data: z.string(), manifest: z.string() })),
  verification: z.optional(verification),
  error: z.optional(z.string()),
});
const trailJob = named('TrailJob', trailJobFields);
const trailJobStatusSchema = named(
  'TrailJobStatus',
  z.extend(trailJobFields, { links: z.optional(z.object({ data: z.string(), manifest: z.string() })) }),
);

const resumedSchema = z.object({
  status: z.string().check(z.describe('Where the project is now: in-review (the gate reopened) or in-stage')),
  gateId: z.string(),
  sequence: z.optional(z.int().check(z.describe('The reopened gate instance'))),
});

const handedSchema = z.object({ from: address(), to: address() });

// Definitions (usecases/definitions.ts, definition-drafts.ts, migration.ts).

const definitionChange = named(
  'DefinitionChange',
  z.object({
    path: z
      .string()
      .check(z.describe('The dotted path in the later document (a removed thing: in the earlier)')),
    kind: z.enum(['added', 'removed', 'changed']),
    what: z
      .string()
      .check(z.describe('One sentence, e.g. `Gate "launch": rule changed from all to quorum of 1`')),
    before: z.optional(z.unknown()),
    after: z.optional(z.unknown()),
  }),
);

/** A published definition as stored: the schema it was validated with, as it reads back. */
const processDefinition = named('ProcessDefinition', processDefinitionSchema);

const published = z.object({ at: time(), by: address('Who published it') });

const draftStampFields = {
  revision: z.int(),
  updatedAt: time(),
  updatedBy: address('Who saved it'),
  updatedByName: z.string(),
};
const draftStampSchema = named('DraftStamp', z.object(draftStampFields));

const processListSchema = z.object({
  definitions: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      current: z.int().check(z.describe('The current version; 0 for a new process that has only a draft')),
      published: z.optional(published),
      draft: z.optional(draftStampSchema),
    }),
  ),
});

const processSchema = z.object({
  id: z.string(),
  name: z.string(),
  current: z.int().check(z.describe('The current version; 0 for a new process that has only a draft')),
  versions: z.array(z.object({ version: z.int(), name: z.string(), published })),
  draft: z.optional(draftStampSchema),
});

const versionSchema = z.object({ definition: processDefinition, published: z.nullable(published) });

const diffSchema = z.object({
  from: z.int(),
  to: z.union([z.int(), z.literal('draft')]),
  changes: z.array(definitionChange),
});

const draftViewFields = {
  ...draftStampFields,
  basedOn: z.int().check(z.describe('The version current when the draft was started (0: a new process)')),
  source: z.optional(z.string().check(z.describe('The editor’s text (YAML), verbatim'))),
  problems: z
    .array(inputProblem)
    .check(z.describe('Why it is not a valid definition yet (empty when it is)')),
  changes: z
    .array(definitionChange)
    .check(z.describe('What it changes against the current version, when valid')),
};
const draftSchema = named(
  'Draft',
  z.object({
    ...draftViewFields,
    definition: z.unknown().check(z.describe('As the editor sent it: a process definition, valid or not')),
  }),
);
const startedDraftSchema = z.object({ ...draftViewFields, definition: processDefinition });

const savedDraftSchema = z.object({
  revision: z.int(),
  problems: z.array(inputProblem),
  changes: z.array(definitionChange),
});

/** A 409 on a draft: who saved what meanwhile, and what their edit changed. */
const draftConflictSchema = named(
  'DraftConflict',
  z.looseObject({
    message: z.string(),
    current: z.optional(
      z.union([
        z.extend(z.object(draftStampFields), { publishedAs: z.optional(z.int()) }),
        z.int().check(z.describe('On publishing: the current version the draft must exceed')),
      ]),
    ),
    changes: z.optional(z.array(definitionChange)),
  }),
);

const validationSchema = z.object({ ok: z.boolean(), problems: z.array(inputProblem) });

const dryRunSchema = named(
  'DryRun',
  z.union([
    z.object({
      ok: z.literal(true),
      gates: z.array(
        z.object({
          gateId: z.string(),
          name: z.string(),
          position: z.int(),
          outcome: z.enum(['opens', 'skipped']),
          skipRule: z.optional(z.string()),
          opens: z.optional(z.enum(['immediately', 'on-submission'])),
          approvers: z.optional(
            z.array(
              z.object({
                email: address(),
                name: z.optional(z.string()),
                asked: address('Who is actually mailed: the approver, their delegate when away, or the PMO'),
                because: z.optional(z.string()),
              }),
            ),
          ),
          rule: z.optional(z.string()),
          esignature: z.optional(z.boolean()),
          deliverables: z.optional(z.array(z.string())),
          timeline: z.optional(
            z.array(
              z.object({
                at: time(),
                offsetHours: z.number(),
                what: z.enum(['reminder', 'escalation', 'deadline']),
                detail: z.string(),
              }),
            ),
          ),
        }),
      ),
      closeOut: z.object({
        checklist: z.array(z.string()),
        decideWithinHours: z.int(),
        remindAfterHours: z.optional(z.int()),
      }),
      notes: z.array(z.string()),
    }),
    z.object({ ok: z.literal(false), problems: z.array(inputProblem) }),
  ]),
);

const publishedSchema = z.object({ id: z.string(), version: z.int(), changes: z.array(definitionChange) });

const migrationSchema = z.object({
  dryRun: z.boolean(),
  projects: z.array(
    z.object({
      projectId: z.string(),
      title: z.string(),
      status: z.string(),
      from: z.int(),
      to: z.int(),
      changes: z.array(z.string()).check(z.describe('What changes for this project, one sentence each')),
      migrated: z.boolean(),
      refused: z.optional(z.string().check(z.describe('Why this project does not move'))),
    }),
  ),
  more: z.optional(z.boolean().check(z.describe('More projects remain on that version: run it again'))),
  note: z.optional(z.string()),
});

// The PMO admin API (usecases/people.ts, pending.ts, admin-actions.ts).

const personSchema = named(
  'Person',
  z.object({
    email: address('The directory’s key (canonical: lower case)'),
    name: z.string(),
    roles: z.array(z.string()).check(z.describe('What the directory records about their part')),
    sub: z.optional(z.string().check(z.describe('Their identity, once they signed in'))),
    away: z.optional(
      z
        .object({ from: date(), until: date(), delegate: address() })
        .check(z.describe('Out of office: gates opened from `from` to `until` (inclusive) ask the delegate')),
    ),
    updatedAt: time(),
  }),
);

const peopleSchema = z.object({
  people: z.array(personSchema),
  cursor: z.optional(z.string().check(z.describe('The next page: pass it back unchanged'))),
});

const pendingItem = named(
  'PendingItem',
  z.object({
    projectId: z.string(),
    title: z.string(),
    status: projectStatusEnum,
    definition: z.object({ id: z.string(), version: z.int() }),
    since: time('When the project entered its current status'),
    ageHours: z.number(),
    stage: z.optional(z.object({ gateId: z.string(), enteredAt: time() })),
    gate: z.optional(
      z.object({
        sequence: z.int(),
        gateId: z.string(),
        name: z.string(),
        openedAt: time(),
        dueAt: time(),
        overdue: z.boolean(),
        sla: z.enum(['on-track', 'due-soon', 'overdue']),
        nextReminderAt: z.optional(time()),
        escalatedAt: z.optional(time()),
        approvers: z.array(
          z.object({
            email: address(),
            name: z.string(),
            status: z.string(),
            remindedAt: z.optional(time()),
            reminders: z.optional(z.int()),
          }),
        ),
      }),
    ),
    hold: z.optional(
      z.object({ since: time(), cause: z.enum(['decision', 'deadline', 'condition', 'pmo']) }),
    ),
  }),
);

const pendingSchema = z.object({
  items: z.array(pendingItem),
  cursor: z.optional(
    z
      .string()
      .check(z.describe('The next page: pass it back unchanged (a page may hold fewer than `limit`)')),
  ),
});

const remindedSchema = z.object({
  sequence: z.int(),
  approvers: z.array(address()).check(z.describe('Who is reminded, each with a fresh link')),
});
const extendedSchema = z.object({
  sequence: z.int(),
  from: time(),
  to: time(),
  freshLinks: z
    .array(address())
    .check(
      z.describe(
        'Approvers whose link would reach its age limit (LINK_MAX_AGE_HOURS, 14 days by default) before the new deadline: each is mailed a fresh one',
      ),
    ),
});
const heldSchema = z.object({ status: z.literal('on-hold'), hold });
const cancelledSchema = z.object({
  status: z.literal('closed'),
  closeReason: z.literal('cancelled'),
  closedAt: time(),
});

// ---------------------------------------------------------------------------------------------
// Refusals: one Problem body everywhere on the JSON API.

const REFUSALS = {
  400: 'The input has problems (each named by its path)',
  401: 'Not signed in, or the e-mail is not verified',
  403: 'The caller lacks the role',
  404: 'Not found, or not the caller’s to see',
  409: 'The state changed or does not allow this (look again)',
  410: 'No longer usable',
  429: 'Too many attempts (see retry-after)',
} as const;

type RefusalStatus = keyof typeof REFUSALS;

/** The JSON refusals of a route, with the usual words unless said. */
function refused(...statuses: (RefusalStatus | [RefusalStatus, string])[]): Record<number, ResponseDoc> {
  const out: Record<number, ResponseDoc> = {};
  for (const entry of statuses) {
    const [status, description] = Array.isArray(entry) ? entry : [entry, REFUSALS[entry]];
    out[status] = { description, schema: problemSchema };
  }
  return out;
}

/** The refusal pages of an approval link (HTML: a person reads them). */
function refusedPage(...statuses: [RefusalStatus, string][]): Record<number, ResponseDoc> {
  const out: Record<number, ResponseDoc> = {};
  for (const [status, description] of statuses)
    out[status] = {
      description,
      contentType: 'text/html',
      ...(status === 429 ? { headers: { 'retry-after': 'Seconds to wait' } } : {}),
    };
  return out;
}

const JOB_LOCATION = { location: 'The job to poll: /trail/jobs/{jobId}' };

/** The form the decision page posts: a decision, or (intent=delegate) a hand-over. */
const decision = decisionInputSchema.shape;
const conditionRow = condition.shape;
const signatureFields = {
  password: z.optional(
    z.string().check(z.maxLength(200), z.describe('E-signature: the approver’s password (signing gates)')),
  ),
  code: z.optional(
    z.string().check(z.describe('E-signature: the 6-digit code (not asked again within a signing session)')),
  ),
};
/** An empty form field is as good as an absent one (the page always posts every input). */
const orEmpty = (schema: z.ZodMiniType) => z.optional(z.union([z.literal(''), schema]));
const conditionFields: Record<string, z.ZodMiniType> = {};
for (let i = 0; i < CONDITION_ROWS; i++) {
  conditionFields[`condition-${i}`] = orEmpty(conditionRow.text);
  conditionFields[`condition-${i}-due`] = orEmpty(conditionRow.due);
  conditionFields[`condition-${i}-owner`] = orEmpty(conditionRow.owner);
}
const decisionForm = z.looseObject({
  outcome: decision.outcome,
  comment: decision.comment,
  packageHash: decision.packageHash,
  recycleTo: decision.recycleTo,
  ...conditionFields,
  ...signatureFields,
});
const delegateForm = z.looseObject({
  intent: z.literal('delegate'),
  delegateTo: delegationSchema.shape.to,
  delegateReason: delegationSchema.shape.reason,
  ...signatureFields,
});
export const approvalFormSchema = z.union([delegateForm, decisionForm]);

export const API_DOCS: Record<string, RouteDoc> = {
  'GET /a/{secret}': {
    operationId: 'showDecisionPage',
    summary: 'The decision page behind an approval link',
    description:
      'Shows exactly what the approver decides and signs. Reads only (mail scanners pre-fetch links): nothing is decided here.',
    tags: ['approvals'],
    roles: 'link',
    parameters: ['secret'],
    responses: {
      200: { description: 'The decision page', contentType: 'text/html' },
      ...refusedPage(
        [404, 'The link is not known'],
        [410, 'The link was used, has expired or was replaced'],
        [429, 'Too many unknown links from this client'],
      ),
    },
  },
  'HEAD /a/{secret}': {
    operationId: 'checkDecisionPage',
    summary: 'What link checkers ask: the decision page’s status, without a body',
    tags: ['approvals'],
    roles: 'link',
    parameters: ['secret'],
    responses: {
      200: { description: 'The link works' },
      404: { description: 'The link is not known' },
      410: { description: 'The link was used, has expired or was replaced' },
      429: {
        description: 'Too many unknown links from this client',
        headers: { 'retry-after': 'Seconds to wait' },
      },
    },
  },
  'POST /a/{secret}': {
    operationId: 'decide',
    summary: 'Decide a gate (or hand the decision to someone else) from the decision page',
    description:
      'The page posts a form. A decision: `outcome`, `comment`, `packageHash` (the version shown), `recycleTo`, conditions as `condition-<i>`, `condition-<i>-due`, `condition-<i>-owner`, should-meet scores as `score-<criterionId>` (0–10), must-meet answers as `mustMeet-<criterionId>` (yes|no), close-out checklist items as `check-<n>=yes`. These become the decision the use case parses (domain/decision.ts `decisionInputSchema`). A hand-over: `intent=delegate`, `delegateTo`, `delegateReason` (usecases/delegation.ts `delegationSchema`). Gates that ask for an e-signature also take `password` and `code`.',
    tags: ['approvals'],
    roles: 'link',
    parameters: ['secret'],
    body: { schema: approvalFormSchema, contentType: 'application/x-www-form-urlencoded' },
    responses: {
      200: {
        description: 'The receipt (or, for a hand-over, who has it now); may set the signing-session cookie',
        contentType: 'text/html',
      },
      ...refusedPage(
        [400, 'The page again, with each problem named'],
        [401, 'The page again: the e-signature was refused'],
        [404, 'The link is not known'],
        [409, 'What was shown changed meanwhile: the new version, to decide again'],
        [410, 'The link was used, has expired or was replaced'],
        [429, 'Too many attempts'],
      ),
    },
  },
  'POST /proposals': {
    operationId: 'submitProposal',
    summary: 'Submit a proposal',
    description:
      'Checked against its process (typed fields, separation of duties) before anything starts; the intake workflow records it.',
    tags: ['projects'],
    roles: ['requester'],
    parameters: [],
    headers: [
      {
        name: 'Idempotency-Key',
        description:
          'A retried submission with the same key answers with the same project, never a second one',
        schema: z.string().check(z.regex(IDEMPOTENCY_KEY)),
      },
    ],
    body: { schema: proposalSchema, contentType: 'application/json' },
    responses: {
      202: {
        description: 'Accepted: the intake workflow records it',
        schema: z.object({ projectId: z.string(), status: z.literal('submitted'), href: z.string() }),
        headers: {
          location: 'The project: /projects/{projectId}',
          'idempotent-replayed': '`true` when an earlier submission with this Idempotency-Key answered',
        },
      },
      ...refused(400, 401, 403, [409, 'This Idempotency-Key was used for a different proposal']),
    },
  },
  'GET /projects/{projectId}': {
    operationId: 'getProject',
    summary: 'Where a project stands',
    description:
      'Its stage and checklist, the open gate and who decides it, every gate instance so far, its conditions and any hold. Visible to its requester, manager and sponsor and to PMO admins and compliance; anyone else gets the same 404 as for a missing project.',
    tags: ['projects'],
    roles: [],
    parameters: ['projectId'],
    responses: {
      200: { description: 'The project', schema: projectStatusSchema },
      ...refused(400, 401, 404),
    },
  },
  'POST /projects/{projectId}/submissions': {
    operationId: 'submitStage',
    summary: 'Submit the current stage’s deliverables: the gate opens',
    tags: ['projects'],
    roles: ['requester'],
    parameters: ['projectId'],
    body: { schema: submissionSchema, contentType: 'application/json' },
    responses: {
      202: {
        description: 'The gate instance opening',
        schema: z.object({
          gateId: z.string(),
          sequence: z.int(),
          status: z.literal('in-review'),
          href: z.string(),
        }),
      },
      ...refused(
        400,
        401,
        403,
        [404, 'No such project, or not the caller’s (its requester or manager)'],
        [409, 'Not working on a stage, or conditions still open'],
      ),
    },
  },
  'POST /projects/{projectId}/conditions/{conditionId}/met': {
    operationId: 'markConditionMet',
    summary: 'Mark a condition of a Conditional Go met, with a link to the evidence',
    description: 'By the condition’s owner; a PMO admin may record it for them.',
    tags: ['projects'],
    roles: ['requester', 'pmo-admin'],
    parameters: ['projectId', 'conditionId'],
    body: { schema: metSchema, contentType: 'application/json' },
    responses: {
      200: { description: 'The condition, met', schema: conditionRecord },
      ...refused(400, 401, 403, 404, [409, 'Already met or waived, or the project is closing or closed']),
    },
  },
  'POST /projects/{projectId}/conditions/{conditionId}/waive': {
    operationId: 'waiveCondition',
    summary: 'Waive a condition, with a reason',
    tags: ['pmo'],
    roles: ['pmo-admin'],
    parameters: ['projectId', 'conditionId'],
    body: { schema: waiveSchema, contentType: 'application/json' },
    responses: {
      200: { description: 'The condition, waived', schema: conditionRecord },
      ...refused(400, 401, 403, 404, [409, 'Already met or waived, or the project is closing or closed']),
    },
  },
  'POST /projects/{projectId}/resume': {
    operationId: 'resumeProject',
    summary: 'Lift a hold, with a reason',
    description:
      'A gate held by its decision or deadline reopens as a new instance with the same submission; a project held for a missed condition goes back to its stage.',
    tags: ['pmo'],
    roles: ['pmo-admin'],
    parameters: ['projectId'],
    body: { schema: resumeSchema, contentType: 'application/json' },
    responses: {
      202: {
        description: 'Resumed',
        schema: resumedSchema,
      },
      ...refused(400, 401, 403, 404, [409, 'The project is not on hold']),
    },
  },
  'POST /projects/{projectId}/gates/{sequence}/reassign': {
    operationId: 'reassignApprover',
    summary: 'Hand a pending approval request to someone else, with a reason',
    tags: ['pmo'],
    roles: ['pmo-admin'],
    parameters: ['projectId', 'sequence'],
    body: { schema: reassignmentSchema, contentType: 'application/json' },
    responses: {
      200: { description: 'Handed over', schema: handedSchema },
      ...refused(
        400,
        401,
        403,
        [404, 'No such project or gate instance'],
        [409, 'The gate is not open, or changed meanwhile'],
      ),
    },
  },
  'POST /trail/exports': {
    operationId: 'requestExport',
    summary: 'Export the approval trail (CSV or JSON Lines), with a signed manifest',
    description: 'A job streams the file; poll it for the download links.',
    tags: ['compliance'],
    roles: ['compliance', 'pmo-admin'],
    parameters: [],
    body: { schema: exportRequestSchema, contentType: 'application/json' },
    responses: {
      202: { description: 'The export job, started', schema: trailJob, headers: JOB_LOCATION },
      ...refused(400, 401, 403, [404, 'The project named is not there']),
    },
  },
  'POST /trail/verifications': {
    operationId: 'requestVerification',
    summary: 'Verify every chain of the trail and its anchors',
    tags: ['compliance'],
    roles: ['compliance', 'pmo-admin'],
    parameters: [],
    responses: {
      202: { description: 'The verification job, started', schema: trailJob, headers: JOB_LOCATION },
      ...refused(401, 403),
    },
  },
  'GET /trail/jobs/{jobId}': {
    operationId: 'getTrailJob',
    summary: 'Where an export or verification job stands',
    tags: ['compliance'],
    roles: ['compliance', 'pmo-admin'],
    parameters: ['jobId'],
    responses: {
      200: {
        description: 'The job; a finished export comes with short-lived download links',
        schema: trailJobStatusSchema,
      },
      ...refused(400, 401, 403, 404),
    },
  },
  'GET /trail/public-key': {
    operationId: 'getTrailPublicKey',
    summary: 'The public key that checks export manifests and anchors offline',
    tags: ['compliance'],
    roles: ['compliance', 'pmo-admin'],
    parameters: [],
    responses: {
      200: {
        description: 'The key',
        schema: z.object({ algorithm: z.literal('ECDSA_SHA_256'), publicKeyPem: z.string() }),
      },
      ...refused(401, 403),
    },
  },
  'GET /projects/{projectId}/record': {
    operationId: 'getApprovalRecord',
    summary: 'A project’s approval record, as a printable page',
    tags: ['compliance'],
    roles: ['compliance', 'pmo-admin'],
    parameters: ['projectId'],
    responses: {
      200: { description: 'The record', contentType: 'text/html' },
      ...refused(400, 401, 403, 404),
    },
  },
  'GET /console': {
    operationId: 'showConsole',
    summary: 'The PMO console',
    description:
      'One page for everyone, holding no data: its script signs in (authorization code with PKCE) and calls this API with a bearer token.',
    tags: ['console'],
    roles: 'public',
    parameters: [],
    responses: { 200: { description: 'The console’s page', contentType: 'text/html' } },
  },
  'GET /console/{asset}': {
    operationId: 'getConsoleAsset',
    summary: 'The console’s script or stylesheet',
    tags: ['console'],
    roles: 'public',
    parameters: ['asset'],
    query: z.object({
      v: z.optional(
        z
          .string()
          .check(z.describe('The first 16 hex digits of its sha256: the answer may be cached for good')),
      ),
    }),
    responses: {
      200: { description: 'The file', contentType: ['text/javascript', 'text/css'] },
      ...refused([404, 'Not a file of the console']),
    },
  },
  'GET /definitions': {
    operationId: 'listDefinitions',
    summary: 'Every process: its current version and its draft',
    tags: ['definitions'],
    roles: [...DEFINITION_READERS],
    parameters: [],
    responses: {
      200: { description: 'The processes, by id', schema: processListSchema },
      ...refused(401, 403),
    },
  },
  'GET /definitions/{definitionId}': {
    operationId: 'getDefinition',
    summary: 'A process: its published versions and its draft',
    tags: ['definitions'],
    roles: [...DEFINITION_READERS],
    parameters: ['definitionId'],
    responses: {
      200: { description: 'The process', schema: processSchema },
      ...refused(400, 401, 403, 404),
    },
  },
  'GET /definitions/{definitionId}/versions/{version}': {
    operationId: 'getDefinitionVersion',
    summary: 'A published version of a process (immutable)',
    tags: ['definitions'],
    roles: [...DEFINITION_READERS],
    parameters: ['definitionId', 'version'],
    responses: {
      200: { description: 'The version and who published it', schema: versionSchema },
      ...refused(400, 401, 403, [404, 'No such process or version']),
    },
  },
  'GET /definitions/{definitionId}/diff': {
    operationId: 'diffDefinition',
    summary: 'What changed from one version to another, or to the draft',
    description:
      'By default from the current version to the draft, or (no draft) to the current version from the one before.',
    tags: ['definitions'],
    roles: [...DEFINITION_READERS],
    parameters: ['definitionId'],
    query: diffQuerySchema,
    responses: {
      200: { description: 'The changes', schema: diffSchema },
      ...refused([400, 'The query has problems, or the draft is not a valid definition yet'], 401, 403, [
        404,
        'No such process, version or draft',
      ]),
    },
  },
  'GET /definitions/{definitionId}/draft': {
    operationId: 'getDefinitionDraft',
    summary: 'The draft being edited: as saved, its problems, and what it changes',
    tags: ['definitions'],
    roles: [...DEFINITION_READERS],
    parameters: ['definitionId'],
    responses: {
      200: { description: 'The draft', schema: draftSchema },
      ...refused(400, 401, 403, [404, 'The process has no draft']),
    },
  },
  'PUT /definitions/{definitionId}/draft': {
    operationId: 'saveDefinitionDraft',
    summary: 'Save the draft (valid or not) as its next revision',
    description:
      'With `revision`, only over that revision; without, only where no draft is being edited (a new process starts so). `definition.id` must be the process of the path. A draft may be invalid: the answer names its problems.',
    tags: ['definitions'],
    roles: ['pmo-admin'],
    parameters: ['definitionId'],
    body: {
      schema: draftBodySchema,
      contentType: 'application/json',
      description:
        '`definition`: a process definition as JSON (see ProcessDefinition), valid or not, at most 96 KB and 16 levels deep; `source`: the editor’s text (YAML), kept verbatim, at most 128 KB; `revision`: the one read (omit to start a draft).',
    },
    responses: {
      200: {
        description: 'Saved: the new revision, its problems, what it changes',
        schema: savedDraftSchema,
      },
      ...refused(400, 401, 403, [404, 'A revision was named, but the process has no draft']),
      409: {
        description: 'The draft moved on (or one exists already): who saved which revision, and what changed',
        schema: draftConflictSchema,
      },
    },
  },
  'POST /definitions/{definitionId}/draft': {
    operationId: 'startDefinitionDraft',
    summary: 'Start a draft from a published version (its version set to follow the current one)',
    tags: ['definitions'],
    roles: ['pmo-admin'],
    parameters: ['definitionId'],
    body: { schema: draftFromVersionSchema, contentType: 'application/json' },
    responses: {
      201: { description: 'The new draft', schema: startedDraftSchema },
      ...refused(400, 401, 403, [404, 'No such process or version']),
      409: { description: 'A draft is being edited already', schema: draftConflictSchema },
    },
  },
  'POST /definitions/validate': {
    operationId: 'validateDefinition',
    summary: 'Validate a definition: its problems, each named by its path (writes nothing)',
    tags: ['definitions'],
    roles: [...DEFINITION_READERS],
    parameters: [],
    body: {
      schema: validateBodySchema,
      contentType: 'application/json',
      description:
        '`definition`: a process definition as JSON (see ProcessDefinition), at most 96 KB and 16 levels deep',
    },
    responses: {
      200: { description: 'Whether it is valid, and its problems', schema: validationSchema },
      ...refused([400, 'Not a JSON object, or too large'], 401, 403),
    },
  },
  'POST /definitions/dry-run': {
    operationId: 'dryRunDefinition',
    summary: 'What a definition would do to a sample proposal (writes nothing)',
    description:
      'The definition sent, or a stored one (`definitionId`, with `version`: a number, `draft`, or the current one when absent). Which gates open or are skipped, who is asked (out-of-office delegates applied), by what rule, and when reminders, escalation and deadline fall.',
    tags: ['definitions'],
    roles: [...DEFINITION_READERS],
    parameters: [],
    body: {
      schema: dryRunBodySchema,
      contentType: 'application/json',
      description:
        'Either `definition` (a process definition as JSON, see ProcessDefinition) or `definitionId`. `proposal.fields`: at most 50. `startAt`: when the gates would open (now when absent).',
    },
    responses: {
      200: { description: 'The dry run, or the definition’s problems', schema: dryRunSchema },
      ...refused(400, 401, 403, [404, 'No such process, version or draft']),
    },
  },
  'POST /definitions/{definitionId}/publish': {
    operationId: 'publishDefinition',
    summary: 'Publish the draft as the next version (immutable); running projects stay on theirs',
    tags: ['definitions'],
    roles: ['pmo-admin'],
    parameters: ['definitionId'],
    body: { schema: publishBodySchema, contentType: 'application/json' },
    responses: {
      201: { description: 'Published: the version and what it changes', schema: publishedSchema },
      ...refused([400, 'The body has problems, or the draft is not a valid definition'], 401, 403, [
        404,
        'The process has no draft',
      ]),
      409: {
        description:
          'The draft moved on or was published, its version is not above the current one, or that version was published meanwhile',
        schema: draftConflictSchema,
      },
    },
  },
  'POST /definitions/{definitionId}/migrations': {
    operationId: 'migrateProjects',
    summary: 'Move running projects forward to a later version (or, with dryRun, say what would change)',
    description:
      'Each project in its own transaction, trailed. An open gate keeps the rules it was opened with: the new version applies from the next gate. A project whose current gate is gone from the target is refused, by name. Without `projectIds`: the active projects on `fromVersion` (at most 500 per call; `more` says when to run it again).',
    tags: ['definitions'],
    roles: ['pmo-admin'],
    parameters: ['definitionId'],
    body: { schema: migrationBodySchema, contentType: 'application/json' },
    responses: {
      200: {
        description: 'Each project: what changes, whether it moved, or why not',
        schema: migrationSchema,
      },
      ...refused(400, 401, 403, [404, 'No such process or version']),
    },
  },
  'GET /people': {
    operationId: 'listPeople',
    summary: 'The people directory, by e-mail, a page at a time',
    tags: ['people'],
    roles: ['pmo-admin'],
    parameters: [],
    query: peopleQuery,
    responses: {
      200: { description: 'A page of the directory', schema: peopleSchema },
      ...refused([400, 'The query has problems (a cursor not given out by this listing)'], 401, 403),
    },
  },
  'GET /people/{email}': {
    operationId: 'getPerson',
    summary: 'One entry of the directory, by any spelling of the address',
    tags: ['people'],
    roles: ['pmo-admin'],
    parameters: ['email'],
    responses: {
      200: { description: 'The entry', schema: personSchema },
      ...refused(400, 401, 403, [404, 'Not in the directory']),
    },
  },
  'PUT /people/{email}': {
    operationId: 'putPerson',
    summary: 'Add someone to the directory or change their name and roles, with a reason',
    description: 'Their away entry and identity are kept; an unchanged entry writes nothing.',
    tags: ['people'],
    roles: ['pmo-admin'],
    parameters: ['email'],
    body: { schema: personBodySchema, contentType: 'application/json' },
    responses: {
      200: { description: 'Changed (or unchanged)', schema: personSchema },
      201: { description: 'Added', schema: personSchema },
      ...refused(400, 401, 403, [409, 'The entry changed meanwhile']),
    },
  },
  'PUT /people/{email}/away': {
    operationId: 'setAway',
    summary: 'Out of office: gates opened in those days ask the delegate instead',
    description:
      'The delegate is someone else in the directory who is not away themselves then; `until` is on or after `from`, and not past.',
    tags: ['people'],
    roles: ['pmo-admin'],
    parameters: ['email'],
    body: { schema: awaySchema, contentType: 'application/json' },
    responses: {
      200: { description: 'The entry, away', schema: personSchema },
      ...refused(400, 401, 403, [404, 'Not in the directory'], [409, 'The entry changed meanwhile']),
    },
  },
  'POST /people/{email}/back': {
    operationId: 'setBack',
    summary: 'The absence ends now: gates that open ask them again',
    tags: ['people'],
    roles: ['pmo-admin'],
    parameters: ['email'],
    body: { schema: backSchema, contentType: 'application/json' },
    responses: {
      200: { description: 'The entry, back', schema: personSchema },
      ...refused(
        400,
        401,
        403,
        [404, 'Not in the directory'],
        [409, 'Not away, or the entry changed meanwhile'],
      ),
    },
  },
  'GET /pending': {
    operationId: 'listPending',
    summary: 'What is under way and with whom, for how long',
    description:
      'From the listings index by status (every active status in turn when none is named), or with `approver` from their pending requests, earliest deadline first. `gate` and `overdue` filter each page: follow `cursor` until it is absent.',
    tags: ['pmo'],
    roles: ['pmo-admin'],
    parameters: [],
    query: pendingQuery,
    responses: {
      200: { description: 'A page of projects under way', schema: pendingSchema },
      ...refused([400, 'The query has problems (a cursor not given out by this listing)'], 401, 403),
    },
  },
  'POST /projects/{projectId}/gates/{sequence}/remind': {
    operationId: 'remindApprovers',
    summary: 'Remind the approvers the gate awaits (or the one named) now, each with a fresh link',
    description:
      'Recorded with the trail entry; the waiting workflow sends the reminders through the mail ledger (or the sweeper, should the nudge be lost). The old links stop working.',
    tags: ['pmo'],
    roles: ['pmo-admin'],
    parameters: ['projectId', 'sequence'],
    body: { schema: remindSchema, contentType: 'application/json' },
    responses: {
      202: { description: 'Reminders asked for', schema: remindedSchema },
      ...refused(
        [400, 'The body has problems, or the approver named is not awaited'],
        401,
        403,
        [404, 'No such project or gate instance'],
        [409, 'The project is closed, the gate is not open, or nobody is waiting to be reminded'],
      ),
    },
  },
  'POST /projects/{projectId}/gates/{sequence}/extend': {
    operationId: 'extendDeadline',
    summary: 'A later deadline for the open gate, with a reason',
    description:
      'Later than now and than the current deadline, and within the longest a gate may take from its opening. The requests, their links and the agenda move with it (an approver whose link would reach its age limit first is mailed a fresh one); what approvers sign keeps the deadline it was opened with.',
    tags: ['pmo'],
    roles: ['pmo-admin'],
    parameters: ['projectId', 'sequence'],
    body: { schema: extendSchema, contentType: 'application/json' },
    responses: {
      200: { description: 'The deadline moved', schema: extendedSchema },
      ...refused(
        400,
        401,
        403,
        [404, 'No such project or gate instance'],
        [409, 'The project is closed or the gate is not open'],
      ),
    },
  },
  'POST /projects/{projectId}/hold': {
    operationId: 'holdProject',
    summary: 'Put a project in a stage or in review on hold, with a reason',
    description:
      'An open gate is closed as a Hold decision would close it (its links stop working); a resume reopens it as a new instance, or returns to the stage.',
    tags: ['pmo'],
    roles: ['pmo-admin'],
    parameters: ['projectId'],
    body: { schema: holdSchema, contentType: 'application/json' },
    responses: {
      200: { description: 'On hold', schema: heldSchema },
      ...refused(400, 401, 403, 404, [409, 'The project is closed, closing or on hold already']),
    },
  },
  'POST /projects/{projectId}/cancel': {
    operationId: 'cancelProject',
    summary: 'End a project under way, with a reason: closed (cancelled), its trail sealed',
    description:
      'An open gate is closed (its links stop working, its waiting execution ends), open conditions leave the agenda. Nobody is mailed.',
    tags: ['pmo'],
    roles: ['pmo-admin'],
    parameters: ['projectId'],
    body: { schema: cancelSchema, contentType: 'application/json' },
    responses: {
      200: { description: 'Cancelled', schema: cancelledSchema },
      ...refused(400, 401, 403, 404, [409, 'The project is closed or closing']),
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Compile-time: each written response schema describes exactly what its use case returns, so a
// change to a return value fails `tsc` until the document follows.

type Exactly<Documented, Returned> = [Documented] extends [Returned]
  ? [Returned] extends [Documented]
    ? true
    : { returnedDoesNotFit: Returned }
  : { documentedIsNotReturned: Documented };
type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export const RESPONSES_MATCH_USE_CASES: [
  Exactly<z.output<typeof projectStatusSchema>, Answer<typeof projectStatus>>,
  Exactly<z.output<typeof conditionRecord>, ConditionRecord>,
  Exactly<z.output<typeof trailJob>, TrailJob>,
  Exactly<z.output<typeof trailJobStatusSchema>, Answer<typeof jobStatus>>,
  Exactly<z.output<typeof resumedSchema>, Answer<typeof resumeProject>>,
  Exactly<z.output<typeof handedSchema>, Answer<typeof reassign>>,
  Exactly<z.output<typeof processListSchema>, Answer<typeof listProcesses>>,
  Exactly<z.output<typeof processSchema>, Answer<typeof showProcess>>,
  Exactly<z.output<typeof versionSchema>, Answer<typeof showVersion>>,
  Exactly<z.output<typeof diffSchema>, Answer<typeof diffProcess>>,
  Exactly<z.output<typeof draftSchema>, Answer<typeof showDraft>>,
  Exactly<z.output<typeof savedDraftSchema>, Answer<typeof saveDraft>>,
  Exactly<z.output<typeof startedDraftSchema>, Answer<typeof startDraft>>,
  Exactly<z.output<typeof validationSchema>, Answer<typeof validateProcess>>,
  Exactly<z.output<typeof dryRunSchema>, Answer<typeof dryRunProcess>>,
  Exactly<z.output<typeof publishedSchema>, Answer<typeof publishDraft>>,
  Exactly<z.output<typeof migrationSchema>, Answer<typeof migrateProjects>>,
  Exactly<z.output<typeof personSchema>, DirectoryPerson>,
  Exactly<z.output<typeof peopleSchema>, Answer<typeof listPeople>>,
  Exactly<z.output<typeof pendingSchema>, Answer<typeof pendingView>>,
  Exactly<z.output<typeof remindedSchema>, Answer<typeof remindApprovers>>,
  Exactly<z.output<typeof extendedSchema>, Answer<typeof extendDeadline>>,
  Exactly<z.output<typeof heldSchema>, Answer<typeof holdProject>>,
  Exactly<z.output<typeof cancelledSchema>, Answer<typeof cancelProject>>,
] = [
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
];
