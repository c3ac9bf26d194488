import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ProcessDefinition } from '../domain/definition.ts';
import { appendTo, type ChainHead, type TrailEntry, type TrailEvent } from '../domain/trail.ts';
import type { ApprovalLink, ApprovalRequest, GateInstance, Project, VoteRecord } from '../usecases/model.ts';
import { type Repository, type WriteGuard, WriteRejectedError } from '../usecases/ports.ts';
import { requireEnv } from './environment.ts';
import { keys } from './keys.ts';

type Item = Record<string, unknown>;
type Guarded = { op: TransactWriteItem; guard?: WriteGuard | 'trail-head' };

const toAttr = (item: Item) =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
/** Trail head moved (or a transaction conflicted): another write on the project won; re-read and retry. */
const TRAIL_RETRIES = 8;

export class DynamoRepository implements Repository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  // ---- definitions -------------------------------------------------------

  async getCurrentDefinition(id: string): Promise<ProcessDefinition | undefined> {
    const pointer = await this.get(keys.definitionCurrent(id));
    return pointer ? this.getDefinition(id, pointer.version as number) : undefined;
  }

  async getDefinition(id: string, version: number): Promise<ProcessDefinition | undefined> {
    const item = await this.get(keys.definitionVersion(id, version));
    return item?.definition as ProcessDefinition | undefined;
  }

  async publishDefinition(
    definition: ProcessDefinition,
    trail: { at: string; actor: string },
  ): Promise<void> {
    await this.transact([
      {
        op: this.put(
          {
            ...keys.definitionVersion(definition.id, definition.version),
            type: 'definition',
            definition,
            ...trail,
          },
          'attribute_not_exists(pk)',
        ),
        guard: 'new-version',
      },
      {
        op: this.put({
          ...keys.definitionCurrent(definition.id),
          type: 'definition-pointer',
          version: definition.version,
          ...trail,
        }),
      },
    ]);
  }

  // ---- projects ----------------------------------------------------------

  async getProject(projectId: string): Promise<Project | undefined> {
    return strip<Project>(await this.get(keys.project(projectId)));
  }

  async createProject(project: Project, event: TrailEvent): Promise<void> {
    await this.withTrail(event, [
      {
        op: this.put(
          { ...keys.project(project.projectId), type: 'project', ...project },
          'attribute_not_exists(pk)',
        ),
        guard: 'new-project',
      },
    ]);
  }

  async closeProject(
    projectId: string,
    update: { at: string; reason: string },
    event: TrailEvent,
  ): Promise<void> {
    await this.withTrail(event, [
      {
        op: this.update(keys.project(projectId), {
          set: { status: 'closed', closeReason: update.reason, updatedAt: update.at },
          condition: 'attribute_exists(pk) AND #status <> :closed',
          values: { ':closed': 'closed' },
        }),
        guard: 'project-open',
      },
    ]);
  }

  async setProjectStatus(projectId: string, status: Project['status'], event: TrailEvent): Promise<void> {
    await this.withTrail(event, [
      {
        op: this.update(keys.project(projectId), {
          set: { status, updatedAt: event.at },
          condition: 'attribute_exists(pk) AND #status <> :closed',
          values: { ':closed': 'closed' },
        }),
        guard: 'project-open',
      },
    ]);
  }

  // ---- gates -------------------------------------------------------------

  async openGate(gate: GateInstance, requests: ApprovalRequest[], taskToken: string, event: TrailEvent) {
    await this.withTrail(event, [
      {
        op: this.put(
          {
            ...keys.gate(gate.projectId, gate.sequence),
            ...keys.openGateByDeadline(gate.dueAt, gate.projectId, gate.sequence),
            type: 'gate',
            ...gate,
            taskToken,
          },
          'attribute_not_exists(pk)',
        ),
        guard: 'new-gate',
      },
      ...requests.map((r) => ({ op: this.put(requestItem(r)) })),
      {
        op: this.update(keys.project(gate.projectId), {
          set: {
            currentGate: { gateId: gate.gateId, sequence: gate.sequence },
            status: 'in-review',
            updatedAt: gate.openedAt,
          },
        }),
      },
    ]);
  }

  async storeTaskToken(projectId: string, sequence: number, taskToken: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: toAttr(keys.gate(projectId, sequence)),
        UpdateExpression: 'SET taskToken = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: toAttr({ ':t': taskToken }),
      }),
    );
  }

  async readTaskToken(projectId: string, sequence: number): Promise<string | undefined> {
    const item = await this.get(keys.gate(projectId, sequence), 'taskToken');
    return item?.taskToken as string | undefined;
  }

  async getGate(projectId: string, sequence: number): Promise<GateInstance | undefined> {
    const item = await this.get(keys.gate(projectId, sequence));
    if (!item) return undefined;
    const { taskToken: _never, gsi2pk: _a, gsi2sk: _b, ...gate } = item;
    return strip<GateInstance>(gate);
  }

  async listRequests(projectId: string, sequence: number): Promise<ApprovalRequest[]> {
    const { pk, skPrefix } = keys.requestPrefix(projectId, sequence);
    return (await this.query(pk, skPrefix)).map(
      (i) => strip<ApprovalRequest>(omitIndexKeys(i)) as ApprovalRequest,
    );
  }

  async listVotes(projectId: string, sequence: number): Promise<VoteRecord[]> {
    const { pk, skPrefix } = keys.votePrefix(projectId, sequence);
    return (await this.query(pk, skPrefix)).map((i) => strip<VoteRecord>(i) as VoteRecord);
  }

  async issueLink(request: ApprovalRequest, link: ApprovalLink, notifiedAt: string): Promise<void> {
    const ops: Guarded[] = [
      {
        op: this.put({
          ...keys.link(link.hash),
          type: 'link',
          ...link,
          expiresAtEpoch: epochSeconds(link.expiresAt) + 30 * 86400,
        }),
      },
      {
        op: this.update(keys.request(request.projectId, request.sequence, request.approver), {
          set: { linkHash: link.hash, notifiedAt },
          condition: '#status = :pending',
          values: { ':pending': 'pending' },
        }),
        guard: 'gate-open',
      },
    ];
    // The previous link stops working the moment a new one is issued.
    if (request.linkHash && request.linkHash !== link.hash) {
      ops.push({ op: { Delete: { TableName: this.tableName, Key: toAttr(keys.link(request.linkHash)) } } });
    }
    await this.transact(ops);
  }

  async getLink(hash: string): Promise<ApprovalLink | undefined> {
    return strip<ApprovalLink>(await this.get(keys.link(hash)));
  }

  async recordVote(args: Parameters<Repository['recordVote']>[0]): Promise<void> {
    const { vote, gate, gateUpdate, now } = args;
    const decided = gateUpdate.status !== 'open';
    await this.withTrail(args.event, [
      {
        op: this.put(
          { ...keys.vote(vote.projectId, vote.sequence, vote.approver), type: 'vote', ...vote },
          'attribute_not_exists(pk)',
        ),
        guard: 'first-vote',
      },
      {
        op: this.update(keys.link(args.linkHash), {
          set: { usedAt: now },
          condition: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now',
          values: { ':now': now },
        }),
        guard: 'link-unused',
      },
      {
        op: this.update(keys.gate(gate.projectId, gate.sequence), {
          set: { ...gateUpdate, version: gate.version + 1 },
          remove: decided ? ['gsi2pk', 'gsi2sk'] : [],
          condition: '#status = :open AND version = :version AND packageHash = :hash',
          values: { ':open': 'open', ':version': gate.version, ':hash': vote.decision.packageHash },
        }),
        guard: 'gate-unchanged',
      },
      {
        op: this.update(keys.request(vote.projectId, vote.sequence, vote.approver), {
          set: { status: 'decided' },
          remove: ['gsi1pk', 'gsi1sk'],
        }),
      },
    ]);
  }

  async markResumed(projectId: string, sequence: number, at: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: toAttr(keys.gate(projectId, sequence)),
        UpdateExpression: 'SET resumedAt = :at',
        ExpressionAttributeValues: toAttr({ ':at': at }),
      }),
    );
  }

  async expireGate(
    gate: GateInstance,
    update: { at: string; outcome: GateInstance['outcome']; route: GateInstance['route'] },
    event: TrailEvent,
  ) {
    const requests = await this.listRequests(gate.projectId, gate.sequence);
    await this.withTrail(event, [
      {
        op: this.update(keys.gate(gate.projectId, gate.sequence), {
          set: {
            status: 'expired',
            outcome: update.outcome,
            route: update.route,
            decidedAt: update.at,
            version: gate.version + 1,
          },
          remove: ['gsi2pk', 'gsi2sk'],
          condition: '#status = :open AND version = :version',
          values: { ':open': 'open', ':version': gate.version },
        }),
        guard: 'gate-open',
      },
      ...requests
        .filter((r) => r.status === 'pending')
        .map((r) => ({
          op: this.update(keys.request(r.projectId, r.sequence, r.approver), {
            set: { status: 'closed' },
            remove: ['gsi1pk', 'gsi1sk'],
          }),
        })),
    ]);
  }

  // ---- trail -------------------------------------------------------------

  async listTrail(projectId: string): Promise<TrailEntry[]> {
    const { pk, skPrefix } = keys.trailPrefix(projectId);
    return (await this.query(pk, skPrefix)).map((i) => strip<TrailEntry>(i) as TrailEntry);
  }

  async getTrailHead(projectId: string): Promise<ChainHead | undefined> {
    const item = await this.get(keys.trailHead(projectId));
    return item ? { seq: item.seq as number, hash: item.hash as string } : undefined;
  }

  /**
   * Runs `ops` and appends the trail entry in the same transaction: the entry is written
   * only if the decision is, and the head moves only from the value read (so two writers
   * on one project cannot fork the chain; the loser re-reads the head and retries).
   */
  private async withTrail(event: TrailEvent, ops: Guarded[]): Promise<TrailEntry> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.getTrailHead(event.projectId);
      const entry = appendTo(head, event);
      const trailOps: Guarded[] = [
        {
          op: this.put(
            { ...keys.trailEntry(event.projectId, entry.seq), type: 'trail', ...entry },
            'attribute_not_exists(pk)',
          ),
          guard: 'trail-head',
        },
        {
          guard: 'trail-head',
          op: this.put(
            { ...keys.trailHead(event.projectId), type: 'trail-head', seq: entry.seq, hash: entry.hash },
            head ? 'seq = :seq' : 'attribute_not_exists(pk)',
            head ? { ':seq': head.seq } : undefined,
          ),
        },
      ];
      try {
        await this.transact([...ops, ...trailOps]);
        return entry;
      } catch (error) {
        const raceLost = error instanceof RaceLostError;
        if (!raceLost || attempt >= TRAIL_RETRIES)
          throw raceLost ? new Error('trail head kept moving') : error;
        // Jittered backoff so racing writers stop colliding.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  private async transact(ops: Guarded[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: ops.map((o) => o.op) }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
      // Another transaction on the same items was in flight: a race, not a rule. Retry like a moved head.
      if (failed.length === 0 && reasons.some((r) => r.Code === 'TransactionConflict'))
        throw new RaceLostError();
      if (failed.length === 0) throw error;
      const guards = failed.map((i) => ops[i]?.guard);
      const rules = guards.filter((g): g is WriteGuard => g !== undefined && g !== 'trail-head');
      if (rules.length > 0) throw new WriteRejectedError(rules);
      if (guards.includes('trail-head')) throw new RaceLostError();
      throw error;
    }
  }

  // ---- small helpers -----------------------------------------------------

  private async get(key: { pk: string; sk: string }, projection?: string): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: toAttr(key),
        ConsistentRead: true,
        ...(projection ? { ProjectionExpression: projection } : {}),
      }),
    );
    return out.Item ? unmarshall(out.Item) : undefined;
  }

  private async query(pk: string, skPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: toAttr({ ':pk': pk, ':prefix': skPrefix }),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) items.push(unmarshall(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private put(item: Item, condition?: string, values?: Item): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: toAttr(item),
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(values ? { ExpressionAttributeValues: toAttr(values) } : {}),
      },
    };
  }

  private update(
    key: { pk: string; sk: string },
    spec: { set: Item; remove?: string[]; condition?: string; values?: Item },
  ): TransactWriteItem {
    const names: Record<string, string> = {};
    const values: Item = { ...spec.values };
    const sets = Object.entries(spec.set)
      .filter(([, v]) => v !== undefined)
      .map(([field, value], i) => {
        names[`#f${i}`] = field;
        values[`:v${i}`] = value;
        return `#f${i} = :v${i}`;
      });
    const removes = (spec.remove ?? []).map((field, i) => {
      names[`#r${i}`] = field;
      return `#r${i}`;
    });
    if (spec.condition?.includes('#status')) names['#status'] = 'status';
    const expression = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return {
      Update: {
        TableName: this.tableName,
        Key: toAttr(key),
        UpdateExpression: expression,
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: toAttr(values) } : {}),
        ...(spec.condition ? { ConditionExpression: spec.condition } : {}),
      },
    };
  }
}

class RaceLostError extends Error {}

function requestItem(r: ApprovalRequest): Item {
  return {
    ...keys.request(r.projectId, r.sequence, r.approver),
    ...(r.status === 'pending' ? keys.pendingByApprover(r.approver, r.dueAt, r.projectId, r.sequence) : {}),
    type: 'request',
    ...r,
  };
}

/** Drops the table's own attributes so callers see only the domain shape. */
function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, expiresAtEpoch: _ttl, ...rest } = item;
  return rest as T;
}

function omitIndexKeys(item: Item): Item {
  const { gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...rest } = item;
  return rest;
}

/** The repository the handlers use; endpoint from AWS_ENDPOINT_URL_DYNAMODB when set. */
export function repositoryFromEnv(): DynamoRepository {
  return new DynamoRepository(new DynamoDBClient({}), requireEnv('TABLE_NAME'));
}
