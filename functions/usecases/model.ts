import type { Decision } from '../domain/decision.ts';
import type { VoteRule } from '../domain/definition.ts';
import type { GatePackage } from '../domain/gate-package.ts';
import type { Outcome } from '../domain/outcomes.ts';
import type { Route } from '../domain/routing.ts';

export interface Person {
  email: string;
  name: string;
}

export type ProjectStatus = 'in-review' | 'on-hold' | 'closed';

export interface Project {
  projectId: string;
  title: string;
  summary: string;
  estimatedCost?: number;
  requester: Person;
  sponsorEmail: string;
  /** Pinned at intake: the project runs on this version until explicitly migrated. */
  definition: { id: string; version: number };
  status: ProjectStatus;
  currentGate?: { gateId: string; sequence: number };
  closeReason?: string;
  submittedAt: string;
  updatedAt: string;
}

export type GateStatus = 'open' | 'decided' | 'expired';

/** One review of one gate for one project. Its task token is stored beside it and never read into this shape. */
export interface GateInstance {
  projectId: string;
  sequence: number;
  gateId: string;
  status: GateStatus;
  package: GatePackage;
  packageHash: string;
  approvers: string[];
  rule: VoteRule;
  openedAt: string;
  dueAt: string;
  outcome?: Outcome;
  route?: Route;
  decidedAt?: string;
  /** Set once the workflow has been told; a decided gate without it needs a resume. */
  resumedAt?: string;
  /** Optimistic-concurrency counter: every vote moves it. */
  version: number;
}

export interface ApprovalRequest {
  projectId: string;
  sequence: number;
  approver: string;
  status: 'pending' | 'decided' | 'closed';
  dueAt: string;
  linkHash?: string;
  notifiedAt?: string;
}

export interface ApprovalLink {
  hash: string;
  projectId: string;
  sequence: number;
  approver: string;
  expiresAt: string;
  usedAt?: string;
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
}

/** What the gate-review workflow receives when a gate is decided (the task's output). */
export interface GateResult {
  outcome: Outcome;
  decidedAt: string;
  next: Route;
}
