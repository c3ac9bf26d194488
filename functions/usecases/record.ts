import { signatureMeaning } from '../domain/gate-package.ts';
import { CHAINS } from '../domain/trail.ts';
import { type Caller, requireRole } from './caller.ts';
import type { ConditionRecord, GateInstance, Project, Verification } from './model.ts';
import { nowIso, projectFor } from './shared.ts';
import { type VerifyPorts, verifyTrail } from './verification.ts';

export interface SignedVote {
  approver: string;
  /** The printed name, from the people directory. */
  name: string;
  at: string;
  /** What the signature means, e.g. "Go: Gate 2 Go to development". */
  meaning: string;
  comment: string;
  weightedScore?: number;
  knockouts: string[];
  conditions: { text: string; due: string; owner?: string }[];
  packageHash: string;
}

export interface ApprovalRecord {
  project: Project;
  definitionName: string;
  gates: {
    gate: GateInstance;
    votes: SignedVote[];
    handovers: { from: string; to: string; why: string; reason: string }[];
  }[];
  conditions: ConditionRecord[];
  integrity: Verification;
  printedAt: string;
  printedBy: Caller['actor'];
}

/**
 * GET /projects/{id}/record: the project's approval record, ready to print — each gate with the
 * package hash approvers signed, each vote with its signature manifestation (printed name,
 * UTC time, meaning), hand-overs, conditions, outcomes, and the trail's integrity right now.
 */
export async function approvalRecord(
  ports: VerifyPorts,
  caller: Caller,
  projectId: string,
): Promise<ApprovalRecord> {
  requireRole(caller, 'compliance', 'pmo-admin');
  const { project, definition } = await projectFor(ports, projectId, () => true);
  const [instances, conditions, integrity] = await Promise.all([
    ports.repository.listGates(project.projectId),
    ports.repository.listConditions(project.projectId),
    verifyTrail(ports, { chains: [CHAINS.project(project.projectId)] }),
  ]);
  const gates = await Promise.all(
    instances.map(async (gate) => {
      const [votes, requests] = await Promise.all([
        ports.repository.listVotes(gate.projectId, gate.sequence),
        ports.repository.listRequests(gate.projectId, gate.sequence),
      ]);
      return {
        gate,
        votes: votes.map((v) => ({
          approver: v.approver,
          name: requests.find((r) => r.approver === v.approver)?.name ?? v.approver,
          at: v.at,
          meaning: signatureMeaning(gate.package, v.decision.outcome),
          comment: v.decision.comment,
          ...(v.decision.weightedScore === undefined ? {} : { weightedScore: v.decision.weightedScore }),
          knockouts: v.decision.knockouts,
          conditions: v.decision.conditions,
          packageHash: v.decision.packageHash,
        })),
        handovers: requests.flatMap((r) =>
          r.handedFrom
            ? [
                {
                  from: r.handedFrom.approver,
                  to: r.approver,
                  why: r.handedFrom.why,
                  reason: r.handedFrom.reason,
                },
              ]
            : [],
        ),
      };
    }),
  );
  return {
    project,
    definitionName: definition.name,
    gates,
    conditions,
    integrity,
    printedAt: nowIso(ports),
    printedBy: caller.actor,
  };
}
