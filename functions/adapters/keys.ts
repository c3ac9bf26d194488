/**
 * The one place that knows the single table's key layout.
 *
 *   pk                  sk                         item
 *   DEF#<id>            V#<000001>                 a published process definition version
 *   DEF#<id>            CURRENT                    pointer to the version new projects start on
 *   PROJECT#<id>        PROJECT                    the project (proposal, status, pinned definition)
 *   PROJECT#<id>        GATE#<0001>                a gate instance (task token kept here, server-side)
 *   PROJECT#<id>        GATE#<0001>#REQ#<email>    an approval request (one per approver per instance)
 *   PROJECT#<id>        GATE#<0001>#VOTE#<email>   an approver's decision (exactly one, conditional put)
 *   PROJECT#<id>        TRAIL#<0000000001>         a trail entry (hash-chained)
 *   PROJECT#<id>        TRAIL#HEAD                 the chain head, moved in the same transaction
 *   LINK#<sha256>       LINK                       an approval link, by the hash of its secret
 *
 * GSI1 "pending by approver": gsi1pk APPROVER#<email>, gsi1sk <dueAt>#<project>#<seq>
 * GSI2 "open gates by deadline": gsi2pk OPEN_GATES, gsi2sk <dueAt>#<project>#<seq>
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLive: 'expiresAtEpoch',
  indexes: [
    { name: 'pending-by-approver', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'open-gates-by-deadline', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export const keys = {
  definitionVersion: (id: string, version: number) => ({ pk: `DEF#${id}`, sk: `V#${pad(version, 6)}` }),
  definitionCurrent: (id: string) => ({ pk: `DEF#${id}`, sk: 'CURRENT' }),
  project: (projectId: string) => ({ pk: `PROJECT#${projectId}`, sk: 'PROJECT' }),
  gate: (projectId: string, sequence: number) => ({
    pk: `PROJECT#${projectId}`,
    sk: `GATE#${pad(sequence, 4)}`,
  }),
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
  trailEntry: (projectId: string, seq: number) => ({
    pk: `PROJECT#${projectId}`,
    sk: `TRAIL#${pad(seq, 10)}`,
  }),
  trailHead: (projectId: string) => ({ pk: `PROJECT#${projectId}`, sk: 'TRAIL#HEAD' }),
  trailPrefix: (projectId: string) => ({ pk: `PROJECT#${projectId}`, skPrefix: 'TRAIL#0' }),
  link: (hash: string) => ({ pk: `LINK#${hash}`, sk: 'LINK' }),
  pendingByApprover: (approver: string, dueAt: string, projectId: string, sequence: number) => ({
    gsi1pk: `APPROVER#${approver}`,
    gsi1sk: `${dueAt}#${projectId}#${pad(sequence, 4)}`,
  }),
  openGateByDeadline: (dueAt: string, projectId: string, sequence: number) => ({
    gsi2pk: 'OPEN_GATES',
    gsi2sk: `${dueAt}#${projectId}#${pad(sequence, 4)}`,
  }),
};
