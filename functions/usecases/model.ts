import type { Condition, Decision } from '../domain/decision.ts';
import type { VoteRule } from '../domain/definition.ts';
import type { ExportRequest } from '../domain/export-format.ts';
import type { Literal } from '../domain/expression.ts';
import type { GatePackage } from '../domain/gate-package.ts';
import type { Break } from '../domain/integrity.ts';
import type { Next } from '../domain/lifecycle.ts';
import type { SignedManifest } from '../domain/manifest.ts';
import type { Outcome } from '../domain/outcomes.ts';
import type { Submission } from '../domain/submission.ts';
import type { TrailActor } from '../domain/trail.ts';

export interface Person {
  email: string;
  name: string;
  /** The identity provider's subject, once the person has signed in. */
  sub?: string;
}

/** An entry of the people directory: who someone is, and who stands in while they are away. */
export interface DirectoryPerson {
  /** Canonical e-mail address: the key. */
  email: string;
  name: string;
  roles: string[];
  sub?: string;
  /** Out of office: requests opened in [from, until] (UTC dates) go to the delegate. */
  away?: { from: string; until: string; delegate: string };
  updatedAt: string;
}

/**
 * Where a project is. `in-stage`: the team works on the stage before `stage.gateId`; the
 * gate opens on its submission. `in-review`: a gate instance is open. `on-hold`: parked
 * until a PMO admin resumes it. `closing`: waiting for the sponsor's close-out sign-off.
 */
export type ProjectStatus = 'in-stage' | 'in-review' | 'on-hold' | 'closing' | 'closed';
/** The statuses of a project still under way: the ones the PMO lists (a closed project leaves the listing). */
export const ACTIVE_STATUSES = ['in-stage', 'in-review', 'on-hold', 'closing'] as const;
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

export interface Hold {
  since: string;
  /** A Hold decision, a deadline's Hold, a missed condition, or a PMO admin. */
  cause: 'decision' | 'deadline' | 'condition' | 'pmo';
  /** What a resume returns to: the held gate (a new instance) or the stage. */
  resumeTo: { route: 'open-gate' | 'stage'; gateId: string };
  conditionId?: string;
}

/** A workflow execution the project is owed; the sweeper starts it again if it never began. */
export interface PendingStart {
  workflow: 'gate-review' | 'close-out';
  input: GateTaskInput;
  since: string;
}

export interface GateRef {
  gateId: string;
  sequence: number;
}

/** Every workflow task about one gate instance gets this. */
export interface GateTaskInput {
  projectId: string;
  gate: GateRef;
}

export interface Project {
  projectId: string;
  title: string;
  summary: string;
  /** The proposal's typed fields (the definition's intake fields). */
  fields: Record<string, Literal>;
  requester: Person;
  /** Named at intake; submits the stages' deliverables. The requester when absent. */
  manager?: Person;
  sponsorEmail: string;
  /** Pinned at intake: the project runs on this version until explicitly migrated. */
  definition: { id: string; version: number };
  status: ProjectStatus;
  stage?: { gateId: string; enteredAt: string };
  /** The latest gate instance (open, or the last one decided). */
  currentGate?: GateRef;
  hold?: Hold;
  /** The highest gate-instance sequence number given out. */
  lastSequence: number;
  pendingStart?: PendingStart;
  /** `cancelled`: a PMO admin ended it (no close-out sign-off). */
  closeReason?: 'completed' | 'killed' | 'cancelled';
  closedAt?: string;
  /** The sponsor's close-out sign-off, or that it lapsed at its deadline. */
  signOff?: { given: true; by: string; name: string; at: string } | { given: false; lapsedAt: string };
  /** When the closing notices went out (the chain is sealed after them). */
  noticesSentAt?: string;
  /** When the project's trail was sealed: from then on nothing joins it but exports. */
  sealedAt?: string;
  submittedAt: string;
  updatedAt: string;
  /** Optimistic concurrency: every change moves it. */
  version: number;
}

/** `closed`: a PMO admin closed it undecided (a hold, a cancel). */
export type GateStatus = 'open' | 'decided' | 'expired' | 'closed';

/** One review of one gate for one project. Its task token is stored beside it and never read into this shape. */
export interface GateInstance {
  projectId: string;
  sequence: number;
  gateId: string;
  kind: GatePackage['kind'];
  status: GateStatus;
  package: GatePackage;
  packageHash: string;
  approvers: string[];
  rule: VoteRule;
  /** The SLA the instance was opened with (a later definition never changes it). */
  sla: { remindAfterHours?: number; escalateAfterHours?: number; atDeadline?: Outcome };
  openedAt: string;
  dueAt: string;
  outcome?: Outcome;
  recycleTo?: string;
  decidedAt?: string;
  /** `votes`; `deadline` when the system took the deadline outcome; `pmo` when a PMO admin closed it. */
  decidedBy?: 'votes' | 'deadline' | 'pmo';
  score?: { weighted: number; threshold?: number; scoredBy: number };
  /** Conditional Go: the conditions the approving votes set. */
  conditions?: Condition[];
  escalatedAt?: string;
  /** When the workflow (or the sweeper) followed the decision. */
  appliedAt?: string;
  /** Where the project went (set when applied). */
  next?: Next;
  /** The gate instance (or close-out) the decision started, if any. */
  nextStart?: GateRef;
  /** Optimistic-concurrency counter: every vote, hand-over and deadline moves it. */
  version: number;
}

export type RequestStatus = 'pending' | 'decided' | 'closed' | 'delegated' | 'reassigned';

export interface ApprovalRequest {
  projectId: string;
  sequence: number;
  approver: string;
  /** The printed name, from the directory. */
  name: string;
  status: RequestStatus;
  dueAt: string;
  linkHash?: string;
  /** When SES accepted the request mail (a mail counts as sent only then). */
  sentAt?: string;
  messageId?: string;
  sendAttempts?: number;
  retryAt?: string;
  remindedAt?: string;
  reminders?: number;
  /** A PMO admin asked for a reminder now: owed while later than the last mail (usecases/admin-actions.ts). */
  remindAskedAt?: string;
  /** Who handed this request on (delegation, reassignment, out of office). */
  handedFrom?: { approver: string; why: 'delegated' | 'reassigned' | 'out-of-office'; reason: string };
  /** Who it was handed to. */
  handedTo?: string;
  /**
   * 2 and up when the request was handed back to someone who had it before: a new round, mailed
   * afresh (the mail ledger tells rounds apart). Absent for the first.
   */
  round?: number;
}

export interface ApprovalLink {
  hash: string;
  projectId: string;
  sequence: number;
  approver: string;
  issuedAt: string;
  expiresAt: string;
  usedAt?: string;
  /** A newer link replaced it (a reminder) or the request changed hands: kept to say so. */
  superseded?: { at: string; by: 'reminder' | 'delegation' | 'reassignment' };
}

export interface RequestSource {
  ip: string;
  userAgent: string;
}

export interface VoteRecord {
  projectId: string;
  sequence: number;
  approver: string;
  decision: Decision;
  at: string;
  source: RequestSource;
  /** The signature manifestation as the trail records it (absent on votes from before it was kept). */
  signature?: {
    name: string;
    at: string;
    meaning: string;
    method: 'link' | 'password+code' | 'password (session)';
  };
}

export type ConditionState = 'open' | 'met' | 'waived';

export interface ConditionRecord {
  projectId: string;
  /** `<gate sequence>-<n>`. */
  conditionId: string;
  sequence: number;
  gateId: string;
  text: string;
  due: string;
  owner: string;
  state: ConditionState;
  createdAt: string;
  /** Set when the due date passed while still open (the project was put on hold). */
  missedAt?: string;
  met?: { by: string; at: string; evidence: string; note: string };
  waived?: { by: string; at: string; reason: string };
}

export interface SubmissionRecord extends Submission {
  projectId: string;
  sequence: number;
  submittedBy: string;
  submittedAt: string;
}

/** What the sweeper finds due in the agenda index. */
export type AgendaItem =
  | { kind: 'gate'; projectId: string; sequence: number; at: string }
  | { kind: 'condition'; projectId: string; conditionId: string; at: string }
  | { kind: 'project'; projectId: string; at: string }
  | { kind: 'mail'; projectId: string; mail: MailEntry; at: string };

/** The mails the ledger keeps to one each: approval mails, receipts and notices. */
export type LedgerMailKind = 'request' | 'reminder' | 'escalation' | 'receipt' | 'hold' | 'closed';

/**
 * One mail of the ledger: about which gate instance, which kind, to whom, and which one of its
 * kind (a request's round, `<round>.<k>` for a reminder, `1` for what happens once).
 */
export interface MailEntry {
  projectId: string;
  sequence: number;
  kind: LedgerMailKind;
  to: string;
  n: string;
}

/** Where one mail of the ledger stands: owed, claimed, sent — or released after SES refused it. */
export interface MailRecord extends MailEntry {
  /** A receipt is owed from the decision on (written with the vote). */
  owedAt?: string;
  /** Claimed by a step about to send it; absent again once SES refused it. */
  claimedAt?: string;
  /** A claim whose step died was taken over (its mail may have gone out): never again. */
  takenOverAt?: string;
  sentAt?: string;
  messageId?: string;
  /** Tries SES refused, and when to try again. */
  attempts?: number;
  retryAt?: string;
  /** A notice as it was first rendered, for the sweeper to send should its claimant die. */
  mail?: { to: string; subject: string; text: string; html: string };
}

/** A chain's head as the heads index has it. */
export interface TrailHeadRecord {
  chain: string;
  seq: number;
  hash: string;
  at: string;
  sealed?: boolean;
}

/** What a verification found: OK with counts, or the first broken place. */
export interface Verification {
  ok: boolean;
  chains: number;
  entries: number;
  /** The latest anchor checked against, if any, and whether its signature and link hold. */
  anchor: { seq: number; at: string; ok: boolean; problem?: string } | null;
  firstBreak?: Break;
  checkedAt: string;
}

/** An export or verification run by the trail job workflow. */
export interface TrailJob {
  jobId: string;
  kind: 'export' | 'verify';
  status: 'running' | 'done' | 'failed';
  request: ExportRequest | Record<string, never>;
  requestedBy: TrailActor;
  requestedAt: string;
  finishedAt?: string;
  manifest?: SignedManifest;
  /** File names in the export store. */
  files?: { data: string; manifest: string };
  verification?: Verification;
  error?: string;
}
