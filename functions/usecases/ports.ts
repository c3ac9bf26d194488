import type { Anchor } from '../domain/anchor.ts';
import type { ProcessDefinition } from '../domain/definition.ts';
import type { Signature } from '../domain/signing.ts';
import type { ChainHead, TrailEntry, TrailEvent } from '../domain/trail.ts';
import type {
  ActiveStatus,
  AgendaItem,
  ApprovalLink,
  ApprovalRequest,
  ConditionRecord,
  DirectoryPerson,
  GateInstance,
  GateTaskInput,
  MailEntry,
  MailRecord,
  Project,
  SubmissionRecord,
  TrailHeadRecord,
  TrailJob,
  VoteRecord,
} from './model.ts';

/** Which guarded write lost: the repository names it, the use case decides what it means. */
export type WriteGuard =
  | 'link-unused'
  | 'first-vote'
  | 'gate-unchanged'
  | 'new-project'
  | 'new-gate'
  | 'gate-open'
  | 'project-unchanged'
  | 'request-pending'
  | 'condition-unchanged'
  | 'new-version'
  | 'new-key'
  /** A definition draft moved on from the revision read (or one exists where none was expected). */
  | 'draft-unchanged'
  | 'chain-sealed'
  /** A directory entry changed since it was read (or exists where none was expected). */
  | 'person-unchanged'
  /** The delegate named in an absence changed since it was read (e.g. went away themselves). */
  | 'delegate-unchanged'
  /** Concurrent writes on the same items kept winning, past the adapter's retries: nothing written. */
  | 'busy';

export class WriteRejectedError extends Error {
  override readonly name: string = 'WriteRejectedError';
  constructor(readonly guards: WriteGuard[]) {
    super(`write rejected by: ${guards.join(', ')}`);
  }
}

/** A page of a listing: at most `limit` items from `cursor` on (the previous page's). */
export interface PageRequest {
  limit?: number;
  cursor?: string;
  /** Only items whose order key is before this (e.g. projects unchanged since a time). */
  before?: string;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  cursor?: string;
}

/** A published version as listed: who published it and when, without its body. */
export interface DefinitionVersionInfo {
  id: string;
  version: number;
  name: string;
  published: { at: string; by: string };
}

export interface DefinitionStore {
  /** Every process, at its current version (the listings index). */
  listDefinitions(): Promise<DefinitionVersionInfo[]>;
  /** Every published version of one process, oldest first. */
  listDefinitionVersions(id: string): Promise<DefinitionVersionInfo[]>;
  getCurrentDefinition(id: string): Promise<ProcessDefinition | undefined>;
  getDefinition(id: string, version: number): Promise<ProcessDefinition | undefined>;
  /** Publishes a version and makes it current; published versions never change (`new-version`). */
  publishDefinition(definition: ProcessDefinition, event: TrailEvent): Promise<void>;
}

/**
 * A draft of a process definition as a PMO admin left it. It may be invalid (work in progress):
 * it is validated when shown and when published, never when saved.
 */
export interface DefinitionDraft {
  id: string;
  /** Moves with every save; a save names the revision it read. */
  revision: number;
  /** The version current when the draft was started (0: a new process). */
  basedOn: number;
  /** As the editor sent it (a JSON object). */
  definition: unknown;
  /** The editor's text (YAML) the definition came from, verbatim. */
  source?: string;
  updatedAt: string;
  updatedBy: { email: string; name: string };
  /** Set once published: the draft is spent, a new one may start. */
  publishedAs?: number;
}

/** What a save replaces: the revision read, live or spent; none where no draft was ever kept. */
export type DraftExpectation = { revision: number; spent: boolean } | undefined;

export interface DraftStore {
  /** The process's draft, live or spent (`publishedAs`). */
  getDraft(id: string): Promise<DefinitionDraft | undefined>;
  /** The definition of an earlier revision, while it is kept (a few months). */
  getDraftRevision(id: string, revision: number): Promise<unknown>;
  /** Every live draft (the listings index), without their definitions. */
  listDrafts(): Promise<Omit<DefinitionDraft, 'definition' | 'source'>[]>;
  /** Saves a revision over the one expected (`draft-unchanged` if it moved), with its trail entry. */
  saveDraft(draft: DefinitionDraft, expected: DraftExpectation, event: TrailEvent): Promise<void>;
  /**
   * Publishes the draft's definition (the version, the CURRENT pointer forward: `new-version`) and
   * marks the draft spent from the revision read (`draft-unchanged`), with the trail entry: one
   * transaction.
   */
  publishDraft(args: { definition: ProcessDefinition; revision: number; event: TrailEvent }): Promise<void>;
}

/** What a directory write was decided on: it is refused if any of it moved since it was read. */
export interface PersonExpected {
  /** The entry as read (`person-unchanged`); `null`: none may exist yet. */
  entry: { updatedAt?: string } | null;
  /** The delegate's entry as read, when the write names one (`delegate-unchanged`). */
  delegate?: { email: string; updatedAt?: string };
}

export interface PeopleStore {
  /** By canonical e-mail. */
  getPerson(email: string): Promise<DirectoryPerson | undefined>;
  /** Writes an entry with its trail entry, over what `expected` says was read (absent: unconditional). */
  putPerson(person: DirectoryPerson, event: TrailEvent, expected?: PersonExpected): Promise<void>;
  /** The directory, by e-mail (the listings index). */
  listPeople(page?: PageRequest): Promise<Page<DirectoryPerson>>;
}

/** A change to a project, with whatever changes with it, in one transaction with its trail entries. */
export interface ProjectChange {
  projectId: string;
  /** The version read; the change is refused (`project-unchanged`) if the project moved since. */
  expectedVersion: number;
  set: Partial<Omit<Project, 'projectId' | 'version'>>;
  remove?: (keyof Project)[];
  /** When the sweeper should look at the project (a pending start); null takes it off the agenda. */
  agendaAt?: string | null;
  /**
   * The decided gate instance whose decision this change follows (marked applied, off the agenda).
   * `pendingRequests`: its requests nobody answered (the votes settled it first), closed with it and
   * out of the approvers' index, each only while still pending (`request-pending`).
   */
  applied?: {
    sequence: number;
    at: string;
    next: GateInstance['next'];
    start?: GateInstance['nextStart'];
    pendingRequests?: ApprovalRequest[];
  };
  createConditions?: ConditionRecord[];
  updateCondition?: { condition: ConditionRecord; expectedState: ConditionRecord['state'] };
  submission?: SubmissionRecord;
  events: TrailEvent[];
  /** Seal the project's chain with these entries (close-out). */
  seal?: boolean;
  /**
   * The open gate instance a PMO admin closes with this change (a hold, a cancel): closed from the
   * version read (`gate-unchanged`), followed at once (`next`), its pending requests closed — their
   * links stop working — and off the agenda.
   */
  closeGate?: {
    gate: GateInstance;
    pendingRequests: ApprovalRequest[];
    at: string;
    next?: GateInstance['next'];
  };
  /** Conditions that no longer fall due (the project closed): off the agenda. */
  dropConditions?: ConditionRecord[];
  /** Notices owed from this change (a cancel's), written to the mail ledger for the sweeper to send. */
  oweNotices?: OwedNotice[];
}

/** A notice the mail ledger owes, rendered when it became owed (the sweeper sends it as it is). */
export interface OwedNotice {
  entry: MailEntry;
  mail: Mail;
  /** Owed, and on the sweeper's agenda, from then. */
  at: string;
}

export interface ProjectStore {
  getProject(projectId: string): Promise<Project | undefined>;
  /** Projects in one status, least recently changed first (the listings index); closed ones are not listed. */
  listActiveProjects(status: ActiveStatus, page?: PageRequest): Promise<Page<Project>>;
  /** Creates the project with its first trail entries; `new-project` guards against a second intake. */
  createProject(project: Project, events: TrailEvent[], agendaAt?: string): Promise<void>;
  changeProject(change: ProjectChange): Promise<void>;
  listConditions(projectId: string): Promise<ConditionRecord[]>;
  getSubmission(projectId: string, sequence: number): Promise<SubmissionRecord | undefined>;
  /** Remembers which project an idempotency key made (`new-key` if the key was used already). */
  rememberIdempotencyKey(record: IdempotencyRecord): Promise<void>;
  getIdempotencyKey(owner: string, key: string): Promise<IdempotencyRecord | undefined>;
}

export interface IdempotencyRecord {
  owner: string;
  key: string;
  /** sha256 of the request body: the same key with another body is refused. */
  requestHash: string;
  projectId: string;
  at: string;
}

export interface GateReview {
  gate: GateInstance;
  requests: ApprovalRequest[];
  votes: VoteRecord[];
}

export interface GateStore {
  /** Creates the gate instance, its requests and the trail entries; `new-gate` if it exists. */
  openGate(args: {
    gate: GateInstance;
    requests: ApprovalRequest[];
    taskToken: string;
    agendaAt: string | undefined;
    events: TrailEvent[];
  }): Promise<void>;
  /** Replaces the stored task token (a redelivered wait carries a new one). */
  storeTaskToken(projectId: string, sequence: number, taskToken: string): Promise<void>;
  readTaskToken(projectId: string, sequence: number): Promise<string | undefined>;
  getGate(projectId: string, sequence: number): Promise<GateInstance | undefined>;
  /** The instance with its requests and votes, in one read (what a view of the review needs). */
  getGateReview(projectId: string, sequence: number): Promise<GateReview | undefined>;
  /** One approver's pending requests, earliest deadline first (the pending-by-approver index). */
  listPendingRequests(approver: string, page?: PageRequest): Promise<Page<ApprovalRequest>>;
  /**
   * A PMO admin asks for reminders now: the requests marked (`request-pending` if one is no longer
   * pending), the gate moved from the version read (`gate-unchanged`) to its next place in the
   * agenda, with the trail entries.
   */
  askReminders(args: {
    gate: GateInstance;
    requests: ApprovalRequest[];
    at: string;
    agendaAt: string | undefined;
    events: TrailEvent[];
  }): Promise<void>;
  listGates(projectId: string): Promise<GateInstance[]>;
  listRequests(projectId: string, sequence: number): Promise<ApprovalRequest[]>;
  /** Moves the instance in the agenda (undefined: nothing scheduled) and records an escalation. */
  scheduleGate(
    gate: GateInstance,
    agendaAt: string | undefined,
    escalated?: { at: string; event: TrailEvent },
  ): Promise<void>;
  /** The deadline outcome, taken as a system decision (`gate-open` if decided meanwhile). */
  expireGate(args: {
    gate: GateInstance;
    update: Pick<GateInstance, 'outcome' | 'decidedAt' | 'recycleTo'>;
    agendaAt: string;
    events: TrailEvent[];
  }): Promise<void>;
}

export type MailKind = 'request' | 'reminder';

export interface LinkVoteStore {
  /**
   * Stores a fresh link for a request; the previous one stops working (`request-pending` if
   * the request is no longer pending).
   */
  issueLink(request: ApprovalRequest, link: ApprovalLink): Promise<void>;
  getLink(hash: string): Promise<ApprovalLink | undefined>;
  listVotes(projectId: string, sequence: number): Promise<VoteRecord[]>;
  /**
   * The decision transaction: the vote (first-vote), the link spent (link-unused), the gate
   * moved on from the version read (gate-unchanged), the request closed, the approver's
   * receipt owed (in the mail ledger, on the agenda at once) and the trail entry appended —
   * all or nothing.
   */
  recordVote(args: {
    vote: VoteRecord;
    linkHash: string;
    gate: GateInstance;
    gateUpdate: Partial<
      Pick<
        GateInstance,
        'status' | 'outcome' | 'recycleTo' | 'decidedAt' | 'decidedBy' | 'score' | 'conditions'
      >
    >;
    agendaAt: string | undefined;
    events: TrailEvent[];
  }): Promise<void>;
  /**
   * Hands a pending request to someone else (delegation by the approver, reassignment by a
   * PMO admin): the old request and its link end, the new request is pending, the gate's
   * approvers change from the version read.
   */
  /**
   * A PMO admin moves an open gate's deadline: the gate (from the version read, `gate-unchanged`),
   * its pending requests (their deadline and place in the pending-by-approver index; each still on
   * the link read, `gate-unchanged`), their links' expiry and the agenda, with the trail entry — one
   * transaction. `freshLinks`: approvers whose link dies before the new deadline, owed a fresh one.
   */
  extendGate(args: {
    gate: GateInstance;
    dueAt: string;
    pendingRequests: ApprovalRequest[];
    links: { hash: string; expiresAt: string }[];
    freshLinks: { approvers: string[]; at: string };
    agendaAt: string | undefined;
    events: TrailEvent[];
  }): Promise<void>;
  handOver(args: {
    gate: GateInstance;
    from: ApprovalRequest;
    to: ApprovalRequest;
    /** The link the approver used (spent); absent for a reassignment (the old link is revoked). */
    spentLink?: { hash: string; at: string };
    events: TrailEvent[];
  }): Promise<void>;
}

export interface TrailStore {
  listTrail(chain: string): Promise<TrailEntry[]>;
  /** A chain's entries in sequence order, a page at a time (constant memory). */
  chainPages(chain: string, pageSize?: number): AsyncIterable<TrailEntry[]>;
  /**
   * A chain's entries after `afterSeq`, then its head, in one read: the head comes with the
   * last page (it sorts after every entry), read after the entries it covers.
   */
  chainWithHead(
    chain: string,
    afterSeq?: number,
  ): AsyncIterable<{ entries: TrailEntry[]; head?: ChainHead & { sealed?: boolean } }>;
  /** Every chain's entries of one UTC day, in time order, a page at a time. */
  dayPages(day: string, pageSize?: number): AsyncIterable<TrailEntry[]>;
  /** Every chain's head (from the heads index: no Scan). */
  listHeads(): Promise<TrailHeadRecord[]>;
  /** One entry of a chain (the anchoring checks the entry it anchored before). */
  getTrailEntry(chain: string, seq: number): Promise<TrailEntry | undefined>;
  getTrailHead(chain: string): Promise<(ChainHead & { sealed?: boolean }) | undefined>;
  /** Appends entries on their own (a refusal, a notice); refused on a sealed chain. */
  appendTrail(events: TrailEvent[]): Promise<void>;
  /** Appends `event` and seals its chain: from then on only APPENDABLE_AFTER_SEAL actions join it. */
  sealChain(event: TrailEvent): Promise<void>;
}

/** Export and verification jobs: who asked, how it went, where the result is. */
export interface JobStore {
  putJob(job: TrailJob): Promise<void>;
  getJob(jobId: string): Promise<TrailJob | undefined>;
}

export interface AgendaStore {
  /** Items whose time has come, from every shard of the agenda (at most `limitPerShard` from each). */
  listDue(now: string, limitPerShard: number): Promise<AgendaItem[]>;
  getCondition(projectId: string, conditionId: string): Promise<ConditionRecord | undefined>;
}

/** Failure counters of the guessing limits (domain/guessing.ts), each expiring with its window. */
export interface GuessingStore {
  /** Adds one failure to a window's counter; the count after it. */
  countFailure(counter: string, endsAt: string): Promise<number>;
  /** The failures counted so far in a window. */
  failures(counter: string): Promise<number>;
}

/**
 * Signing sessions (21 CFR Part 11 §11.200(a)(1)): after a signing with both components, later
 * signings by the same person within the session take the password alone. Kept by the hash of
 * the session secret, which only the approver's browser holds (a cookie).
 */
export interface SigningSessionStore {
  putSigningSession(session: SigningSession): Promise<void>;
  getSigningSession(hash: string): Promise<SigningSession | undefined>;
}

export interface SigningSession {
  hash: string;
  /** The approver it belongs to (canonical e-mail) and their verified identity. */
  email: string;
  sub: string;
  startedAt: string;
  expiresAt: string;
}

/**
 * The identity provider behind e-signatures (Cognito with MFA on AWS, the local sign-in
 * locally): checks an approver's password, and with `code` their authenticator's one-time code
 * too, returning the verified identity (`sub`) when both were given.
 */
export interface IdentityVerifier {
  verify(approver: string, proof: { password: string; code?: string }): Promise<IdentityCheck>;
}

export type IdentityCheck =
  /** `sub` is present when the code was checked too (both components). */
  { ok: true; sub?: string } | { ok: false; refused: 'password' | 'code' | 'not-enrolled' | 'identity' };

/** How a claim on a mail of the ledger went. */
export type MailClaim =
  | { claimed: true; takenOver: boolean }
  /**
   * `sent`: it went out already (a retry); `busy`: another step claimed it and may still be
   * sending; `given-up`: a claim was taken over once already and never marked sent either (taken
   * off the agenda; an operator looks).
   */
  | { claimed: false; because: 'sent' | 'busy' | 'given-up' };

/**
 * The mail ledger (ADR 0013): every mail that must go out once — per approver, gate instance,
 * kind and round — is claimed by a conditional write before it is sent and marked sent (with
 * SES's message id) after. A claim whose step died is taken over at most once.
 */
export interface MailLedgerStore {
  claimMail(
    entry: MailEntry,
    args: {
      at: string;
      /** A claim made before this is stale: its step died. */
      staleBefore: string;
      /** When the sweeper should look again should this claim never be marked sent (none: another agenda brings it). */
      repairAt?: string;
      /** The rendered notice, kept for the sweeper's re-send (never an approval mail: it carries a link secret). */
      keep?: Mail;
    },
  ): Promise<MailClaim>;
  /**
   * SES accepted it: the entry marked sent, with its trail entries (none once the chain is
   * sealed), and for an approval mail the request marked sent or reminded — in one transaction.
   */
  markMailSent(
    entry: MailEntry,
    sent: { at: string; messageId: string },
    events: TrailEvent[],
    request?: { request: ApprovalRequest; kind: MailKind },
  ): Promise<void>;
  /**
   * The claim released without a mail sent: SES refused it (`retry`: when to try again, on the
   * agenda with `repairAt` or through the request's retry time) or there was nothing to send.
   */
  releaseMail(
    entry: MailEntry,
    retry?: { attempts: number; retryAt: string; repairAt?: string; request?: ApprovalRequest },
  ): Promise<void>;
  getMail(entry: MailEntry): Promise<MailRecord | undefined>;
  /** Every mail of a gate instance's ledger. */
  listMail(projectId: string, sequence: number): Promise<MailRecord[]>;
}

/** The definitions API's repository: the rest, and the drafts only it writes (kept out of other bundles). */
export type DefinitionsRepository = Repository & DraftStore;

export type Repository = DefinitionStore &
  PeopleStore &
  ProjectStore &
  GateStore &
  LinkVoteStore &
  TrailStore &
  AgendaStore &
  JobStore &
  GuessingStore &
  SigningSessionStore &
  MailLedgerStore;

/** The trail's public key (read by the compliance routes, which never sign). */
export interface PublicKeySource {
  /** The public key, PEM: enough to verify anything signed, offline. */
  publicKeyPem(): Promise<string>;
}

/** Signs anchors and export manifests (a KMS asymmetric key on AWS, a local key on one machine). */
export interface Signer extends PublicKeySource {
  sign(document: unknown): Promise<Signature>;
}

export interface SignedAnchor {
  anchor: Anchor;
  signature: Signature;
}

/** The latest anchor, read by verification. */
export interface AnchorReader {
  latest(): Promise<SignedAnchor | undefined>;
}

/** The anchors, outside the table: S3 with Object Lock on AWS, an append-only file locally. */
export interface AnchorStore extends AnchorReader {
  /** Refused if `anchor.seq` is not the next one (`AnchorConflictError`). */
  append(signed: SignedAnchor): Promise<void>;
}

export class AnchorConflictError extends Error {
  override readonly name = 'AnchorConflictError';
}

export interface ExportWriter {
  write(chunk: string): Promise<void>;
  close(): Promise<void>;
}

/** Export files and their manifests (S3 on AWS, the data dir locally), written by the export job. */
export interface ExportStore {
  open(name: string, contentType: string): ExportWriter;
  put(name: string, body: string, contentType: string): Promise<void>;
}

/** Links to download an export's files (presigned on AWS), handed out by the compliance routes. */
export interface ExportLinks {
  /** A short-lived link to download a file. */
  link(name: string): Promise<string>;
}

/** One mail to one person: nobody sees who else was told, and each mail can carry its own link. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Resolves with the provider's message id once it accepted the mail. */
  send(mail: Mail): Promise<{ messageId: string }>;
}

/** Execution names: one per gate instance, one close-out per project (ADR 0006). */
export const executionNames = {
  intake: (projectId: string) => `intake-${projectId}`,
  gateReview: (input: GateTaskInput) =>
    `gate-${input.projectId}-${String(input.gate.sequence).padStart(4, '0')}`,
  closeOut: (input: GateTaskInput) => `close-${input.projectId}`,
};

export interface Workflow {
  /** Starts the intake workflow for a proposal; the name makes a retried submission idempotent. */
  startIntake(name: string, input: unknown): Promise<void>;
  /** Starts the review of one gate instance (idempotent per instance). */
  startGateReview(input: GateTaskInput): Promise<void>;
  /** Starts the project's close-out (idempotent per project). */
  startCloseOut(input: GateTaskInput): Promise<void>;
  /** Starts an export or verification job. */
  startTrailJob(jobId: string): Promise<void>;
  /**
   * Resumes a waiting workflow. The output is a reference only: the workflow re-reads the
   * gate's recorded result. `gone` if the wait no longer exists (timed out, stopped).
   */
  resumeGate(taskToken: string, ref: GateTaskInput): Promise<'resumed' | 'gone'>;
}

export interface Clock {
  now(): Date;
}

export interface Settings {
  /** Base URL that e-mailed links point at (the HTTP API's). */
  appUrl: string;
  /** Approval links never outlive this, even when the gate's deadline is later. */
  linkMaxAgeHours: number;
  /** Domains whose `+tag` sub-addresses are the same mailbox (separation of duties). */
  subaddressDomains: readonly string[];
}

/** Structured logs; never pass a secret, a link or a task token. */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface Ports {
  log: Log;
  repository: Repository;
  mailer: Mailer;
  workflow: Workflow;
  clock: Clock;
  settings: Settings;
}
