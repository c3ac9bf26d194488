import { ACTIVE_STATUSES, type ActiveStatus } from '../usecases/model.ts';

/**
 * The one place that knows the single table's key layout.
 *
 *   pk                       sk                          item
 *   DEF#<id>                 V#<000001>                  a published process definition version
 *   DEF#<id>                 CURRENT                     pointer to the version new projects start on
 *   DEF#<id>                 DRAFT                       the draft a PMO admin edits (revision-checked), or what
 *                                                        became of the last one (`publishedAs`)
 *   DEF#<id>                 DRAFT#<000001>              the definition of one draft revision (TTL): what a stale
 *                                                        edit is shown the later edits changed against
 *   PERSON#<email>           PERSON                      a person of the directory (canonical e-mail)
 *   PROJECT#<id>             PROJECT                     the project (proposal, status, stage, hold)
 *   PROJECT#<id>             GATE#<0001>                 a gate instance
 *   PROJECT#<id>             GATE#<0001>#REQ#<email>     an approval request (one per approver per instance)
 *   PROJECT#<id>             GATE#<0001>#VOTE#<email>    an approver's decision (exactly one, conditional put)
 *   PROJECT#<id>             SUB#<0001>                  the stage submission that opened gate instance 0001
 *   PROJECT#<id>             COND#<0001>-<n>             a condition of a Conditional Go
 *   PROJECT#<id>             MAIL#<0001>#<kind>#<email>#<n>
 *                                                        the mail ledger: one mail of gate instance 0001 (request,
 *                                                        reminder, escalation, receipt, hold, closed), claimed by a
 *                                                        conditional write before it is sent and marked sent with
 *                                                        SES's message id; <n> tells one of a kind from the next
 *   LINK#<sha256>            LINK                        an approval link, by the hash of its secret
 *   IDEMPOTENCY#<owner>      KEY#<key>                   which project a client's Idempotency-Key made
 *   JOB#<id>                 JOB                         a trail export or verification job
 *   TOKEN#<id>#<0001>        TOKEN                       the task token the wait of gate instance 0001 resumes
 *                                                        with: a partition of its own, so IAM can keep every
 *                                                        function but the resuming ones away from it (ADR 0012)
 *   GUESS#<scope>#<who>#<t>  COUNT                       failures in one guessing window (TTL)
 *   SIGNING#<sha256>         SESSION                     an e-signature session (TTL)
 *   CREDENTIAL#<email>       LOCAL                       local sign-in for e-signatures (the local runtime only)
 *
 * The trail lives in a table of its own (TRAIL_TABLE_KEYS), written only by conditional puts:
 *
 *   CHAIN#<chain>            E#<0000000001>              a trail entry (hash-chained per chain)
 *   CHAIN#<chain>            HEAD                        the chain head, moved in the same transaction
 *
 * Trail GSI "by-day": dayPk DAY#<yyyy-mm-dd>, daySk <at>#<chain>#<seq>: every entry, by time.
 * Trail GSI "heads": headsPk HEADS#<shard>, headsSk <chain>: every chain's head, without a Scan.
 *
 * GSI1 "pending by approver": gsi1pk APPROVER#<email>, gsi1sk <dueAt>#<project>#<seq>
 * GSI3 "listings": gsi3pk <listing>, gsi3sk <order>: what the PMO admin lists, without a Scan. Sparse:
 *   PEOPLE                   <email>                     every person of the directory
 *   DEFINITIONS              <id>                        every process (on its CURRENT pointer)
 *   DEFINITION-DRAFTS        <id>                        every draft being edited (a new process has nothing else)
 *   ACTIVE#<status>          <since>#<projectId>         every project not closed, by status, oldest first
 *                                                        (a closed project leaves the index)
 * GSI2 "open by deadline" (the sweeper's agenda): gsi2pk AGENDA#<shard>, gsi2sk <when>#<kind>#<ref>:
 *   when something must next happen to an open gate (send, remind, escalate, deadline), a decided
 *   gate (resume), a condition (missed), a project (an execution owed) or a mail of the ledger (a
 *   receipt owed, a notice whose claimant never marked it sent). Sharded by project so no one
 *   partition carries every open item.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLive: 'expiresAtEpoch',
  indexes: [
    { name: 'pending-by-approver', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'open-by-deadline', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { name: 'listings', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  ],
} as const;

export const TRAIL_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { name: 'by-day', partitionKey: 'dayPk', sortKey: 'daySk' },
    { name: 'heads', partitionKey: 'headsPk', sortKey: 'headsSk' },
  ],
} as const;

export const PENDING_BY_APPROVER_INDEX = TABLE_KEYS.indexes[0].name;
export const AGENDA_INDEX = TABLE_KEYS.indexes[1].name;
export const LISTINGS_INDEX = TABLE_KEYS.indexes[2].name;

export const TRAIL_BY_DAY_INDEX = TRAIL_TABLE_KEYS.indexes[0].name;
export const TRAIL_HEADS_INDEX = TRAIL_TABLE_KEYS.indexes[1].name;
/** Partitions of the heads index. Changing it hides heads from verification and anchors. */
export const HEAD_SHARDS = 8;
/** Partitions of the agenda index; the sweeper reads each. Changing it strands scheduled items. */
export const AGENDA_SHARDS = 8;
/** The leading key of every task token item: IAM grants and denies on it (infra/stack.ts). */
export const TASK_TOKEN_PREFIX = 'TOKEN#';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Which mail of the ledger: gate instance, kind, recipient and which one of its kind (never a `#`). */
export interface MailEntryKey {
  projectId: string;
  sequence: number;
  kind: string;
  to: string;
  n: string;
}

/** A project's agenda shard: from the random tail of its uuid. */
export function agendaShard(projectId: string): number {
  return Number.parseInt(projectId.slice(-2), 16) % AGENDA_SHARDS || 0;
}

const agenda = (projectId: string, at: string, kind: 'G' | 'C' | 'P' | 'M', ref: string) => ({
  gsi2pk: `AGENDA#${agendaShard(projectId)}`,
  gsi2sk: `${at}#${kind}#${projectId}${ref ? `#${ref}` : ''}`,
});

export const keys = {
  definitionVersion: (id: string, version: number) => ({ pk: `DEF#${id}`, sk: `V#${pad(version, 6)}` }),
  definitionCurrent: (id: string) => ({ pk: `DEF#${id}`, sk: 'CURRENT' }),
  person: (email: string) => ({ pk: `PERSON#${email}`, sk: 'PERSON' }),
  /** A person's place in the listings index. */
  personListing: (email: string) => ({ gsi3pk: 'PEOPLE', gsi3sk: email }),
  /** A process's place in the listings index (on its CURRENT pointer). */
  definitionListing: (id: string) => ({ gsi3pk: 'DEFINITIONS', gsi3sk: id }),
  definitionVersionPrefix: (id: string) => ({ pk: `DEF#${id}`, skPrefix: 'V#' }),
  definitionDraft: (id: string) => ({ pk: `DEF#${id}`, sk: 'DRAFT' }),
  definitionDraftRevision: (id: string, revision: number) => ({
    pk: `DEF#${id}`,
    sk: `DRAFT#${pad(revision, 6)}`,
  }),
  /** A live draft's place in the listings index (a published one leaves it). */
  draftListing: (id: string) => ({ gsi3pk: 'DEFINITION-DRAFTS', gsi3sk: id }),
  /** A project's place among the active ones: by status, oldest change first; none once closed. */
  activeProject: (projectId: string, status: string, since: string) =>
    (ACTIVE_STATUSES as readonly string[]).includes(status)
      ? { gsi3pk: `ACTIVE#${status}`, gsi3sk: `${since}#${projectId}` }
      : undefined,
  listing: {
    people: 'PEOPLE',
    definitions: 'DEFINITIONS',
    drafts: 'DEFINITION-DRAFTS',
    active: (status: ActiveStatus) => `ACTIVE#${status}`,
  },
  project: (projectId: string) => ({ pk: `PROJECT#${projectId}`, sk: 'PROJECT' }),
  gate: (projectId: string, sequence: number) => ({
    pk: `PROJECT#${projectId}`,
    sk: `GATE#${pad(sequence, 4)}`,
  }),
  gatePrefix: (projectId: string) => ({ pk: `PROJECT#${projectId}`, skPrefix: 'GATE#' }),
  request: (projectId: string, sequence: number, approver: string) => ({
    pk: `PROJECT#${projectId}`,
    sk: `GATE#${pad(sequence, 4)}#REQ#${approver}`,
  }),
  requestPrefix: (projectId: string, sequence: number) => ({
    pk: `PROJECT#${projectId}`,
    skPrefix: `GATE#${pad(sequence, 4)}#REQ#`,
  }),
  vote: (projectId: string, sequence: number, approver: string) => ({
    pk: `PROJECT#${projectId}`,
    sk: `GATE#${pad(sequence, 4)}#VOTE#${approver}`,
  }),
  votePrefix: (projectId: string, sequence: number) => ({
    pk: `PROJECT#${projectId}`,
    skPrefix: `GATE#${pad(sequence, 4)}#VOTE#`,
  }),
  submission: (projectId: string, sequence: number) => ({
    pk: `PROJECT#${projectId}`,
    sk: `SUB#${pad(sequence, 4)}`,
  }),
  condition: (projectId: string, conditionId: string) => ({
    pk: `PROJECT#${projectId}`,
    sk: `COND#${conditionId}`,
  }),
  conditionPrefix: (projectId: string) => ({ pk: `PROJECT#${projectId}`, skPrefix: 'COND#' }),
  mail: (m: MailEntryKey) => ({
    pk: `PROJECT#${m.projectId}`,
    sk: `MAIL#${pad(m.sequence, 4)}#${m.kind}#${m.to}#${m.n}`,
  }),
  mailPrefix: (projectId: string, sequence: number) => ({
    pk: `PROJECT#${projectId}`,
    skPrefix: `MAIL#${pad(sequence, 4)}#`,
  }),
  link: (hash: string) => ({ pk: `LINK#${hash}`, sk: 'LINK' }),
  idempotency: (owner: string, key: string) => ({ pk: `IDEMPOTENCY#${owner}`, sk: `KEY#${key}` }),
  job: (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' }),
  taskToken: (projectId: string, sequence: number) => ({
    pk: `${TASK_TOKEN_PREFIX}${projectId}#${pad(sequence, 4)}`,
    sk: 'TOKEN',
  }),
  guessCounter: (counter: string) => ({ pk: `GUESS#${counter}`, sk: 'COUNT' }),
  signingSession: (hash: string) => ({ pk: `SIGNING#${hash}`, sk: 'SESSION' }),
  localCredential: (email: string) => ({ pk: `CREDENTIAL#${email}`, sk: 'LOCAL' }),
  trailEntry: (chain: string, seq: number) => ({ pk: `CHAIN#${chain}`, sk: `E#${pad(seq, 10)}` }),
  trailHead: (chain: string) => ({ pk: `CHAIN#${chain}`, sk: 'HEAD' }),
  trailPrefix: (chain: string) => ({ pk: `CHAIN#${chain}`, skPrefix: 'E#' }),
  /** An entry's place in the by-day index. */
  trailDay: (at: string, chain: string, seq: number) => ({
    dayPk: `DAY#${at.slice(0, 10)}`,
    daySk: `${at}#${chain}#${pad(seq, 10)}`,
  }),
  trailDayPartition: (day: string) => `DAY#${day}`,
  /** A head's place in the heads index. */
  trailHeadIndex: (chain: string) => ({ headsPk: `HEADS#${headShard(chain)}`, headsSk: chain }),
  trailHeadsShard: (shard: number) => `HEADS#${shard}`,
  /** One approver's partition of the pending-by-approver index. */
  approverPending: (approver: string) => `APPROVER#${approver}`,
  pendingByApprover: (approver: string, dueAt: string, projectId: string, sequence: number) => ({
    gsi1pk: `APPROVER#${approver}`,
    gsi1sk: `${dueAt}#${projectId}#${pad(sequence, 4)}`,
  }),
  gateAgenda: (projectId: string, sequence: number, at: string) =>
    agenda(projectId, at, 'G', pad(sequence, 4)),
  conditionAgenda: (projectId: string, conditionId: string, at: string) =>
    agenda(projectId, at, 'C', conditionId),
  projectAgenda: (projectId: string, at: string) => agenda(projectId, at, 'P', ''),
  mailAgenda: (m: MailEntryKey, at: string) =>
    agenda(m.projectId, at, 'M', `${pad(m.sequence, 4)}#${m.kind}#${m.to}#${m.n}`),
  agendaShard: (shard: number) => `AGENDA#${shard}`,
};

/** A chain's heads-index shard: a small stable hash of its name. */
function headShard(chain: string): number {
  let h = 0;
  for (let i = 0; i < chain.length; i++) h = (h * 31 + chain.charCodeAt(i)) >>> 0;
  return h % HEAD_SHARDS;
}

/** Reads an agenda index sort key back into what it points at. */
export function parseAgendaKey(
  gsi2sk: string,
):
  | { kind: 'G'; at: string; projectId: string; sequence: number }
  | { kind: 'C'; at: string; projectId: string; conditionId: string }
  | { kind: 'P'; at: string; projectId: string }
  | { kind: 'M'; at: string; mail: MailEntryKey }
  | undefined {
  const [at, kind, projectId, ref, ...mail] = gsi2sk.split('#');
  if (!at || !projectId) return undefined;
  if (kind === 'G' && ref) return { kind, at, projectId, sequence: Number(ref) };
  if (kind === 'C' && ref) return { kind, at, projectId, conditionId: ref };
  if (kind === 'P') return { kind, at, projectId };
  const [mailKind, to, n] = mail;
  if (kind === 'M' && ref && mailKind && to && n)
    return { kind, at, mail: { projectId, sequence: Number(ref), kind: mailKind, to, n } };
  return undefined;
}
