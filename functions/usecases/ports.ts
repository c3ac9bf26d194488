import type { ProcessDefinition } from '../domain/definition.ts';
import type { ChainHead, TrailEntry, TrailEvent } from '../domain/trail.ts';
import type {
  ApprovalLink,
  ApprovalRequest,
  GateInstance,
  GateResult,
  Project,
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
  | 'project-open'
  | 'new-version';

export class WriteRejectedError extends Error {
  override readonly name = 'WriteRejectedError';
  constructor(readonly guards: WriteGuard[]) {
    super(`write rejected by: ${guards.join(', ')}`);
  }
}

export interface Repository {
  getCurrentDefinition(id: string): Promise<ProcessDefinition | undefined>;
  getDefinition(id: string, version: number): Promise<ProcessDefinition | undefined>;
  /** Publishes a version and makes it current; published versions never change (`new-version`). */
  publishDefinition(definition: ProcessDefinition, trail: { at: string; actor: string }): Promise<void>;

  getProject(projectId: string): Promise<Project | undefined>;
  /** Creates the project with its first trail entry; `new-project` guards against a second intake. */
  createProject(project: Project, event: TrailEvent): Promise<void>;
  /** Closes the project and appends the close-out entry; `project-open` if it was closed already. */
  closeProject(projectId: string, update: { at: string; reason: string }, event: TrailEvent): Promise<void>;
  setProjectStatus(projectId: string, status: Project['status'], event: TrailEvent): Promise<void>;

  /** Creates the gate instance, its approval requests, and the trail entry; `new-gate` if it exists. */
  openGate(
    gate: GateInstance,
    requests: ApprovalRequest[],
    taskToken: string,
    event: TrailEvent,
  ): Promise<void>;
  /** Replaces the stored task token (a redelivered wait carries a new one on AWS). */
  storeTaskToken(projectId: string, sequence: number, taskToken: string): Promise<void>;
  readTaskToken(projectId: string, sequence: number): Promise<string | undefined>;
  getGate(projectId: string, sequence: number): Promise<GateInstance | undefined>;
  listRequests(projectId: string, sequence: number): Promise<ApprovalRequest[]>;
  listVotes(projectId: string, sequence: number): Promise<VoteRecord[]>;

  /** Stores a fresh link for a request (a previous one stops working) and marks it sent. */
  issueLink(request: ApprovalRequest, link: ApprovalLink, notifiedAt: string): Promise<void>;
  getLink(hash: string): Promise<ApprovalLink | undefined>;

  /**
   * The decision transaction: the vote (first-vote), the link spent (link-unused),
   * the gate moved on from the version read (gate-unchanged), the request closed and the
   * trail entry appended — all or nothing.
   */
  recordVote(args: {
    vote: VoteRecord;
    linkHash: string;
    now: string;
    gate: GateInstance;
    gateUpdate: Pick<GateInstance, 'status'> & Partial<Pick<GateInstance, 'outcome' | 'route' | 'decidedAt'>>;
    event: TrailEvent;
  }): Promise<void>;
  markResumed(projectId: string, sequence: number, at: string): Promise<void>;
  /** Marks an open gate expired at its deadline (`gate-open` if it was decided meanwhile). */
  expireGate(
    gate: GateInstance,
    update: { at: string; outcome: GateResult['outcome']; route: GateResult['next'] },
    event: TrailEvent,
  ): Promise<void>;

  listTrail(projectId: string): Promise<TrailEntry[]>;
  getTrailHead(projectId: string): Promise<ChainHead | undefined>;
}

/** One mail to one person: nobody sees who else was told, and each mail can carry its own link. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export interface Workflow {
  /** Starts the intake workflow for a proposal; the name makes a retried submission idempotent. */
  startIntake(name: string, input: unknown): Promise<void>;
  /** Resumes a waiting gate review. `gone` if the wait no longer exists (timed out, stopped). */
  resumeGate(taskToken: string, result: GateResult): Promise<'resumed' | 'gone'>;
}

export interface Clock {
  now(): Date;
}

export interface Settings {
  /** Base URL that e-mailed links point at (the HTTP API's). */
  appUrl: string;
  /** Approval links never outlive this, even when the gate's deadline is later. */
  linkMaxAgeHours: number;
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
