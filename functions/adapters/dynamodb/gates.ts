import { QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { TrailEvent } from '../../domain/trail.ts';
import type {
  AgendaItem,
  ApprovalRequest,
  ConditionRecord,
  GateInstance,
  MailEntry,
  VoteRecord,
} from '../../usecases/model.ts';
import type { AgendaStore, GateReview, GateStore, Page, PageRequest } from '../../usecases/ports.ts';
import { AGENDA_INDEX, AGENDA_SHARDS, keys, parseAgendaKey, TABLE_KEYS } from '../keys.ts';
import { type Item, strip, type Table, toAttr } from './table.ts';

const AGENDA_ATTRIBUTES = ['gsi2pk', 'gsi2sk'];
/** Where gates opened by older versions kept their task token. */
const LEGACY_TOKEN_ATTRIBUTE = 'taskToken';

/** Gate instances and their approval requests, and the agenda the sweeper reads. */
export class GateItems implements GateStore, AgendaStore {
  constructor(private readonly table: Table) {}

  async openGate(args: Parameters<GateStore['openGate']>[0]): Promise<void> {
    const { gate, requests, taskToken, agendaAt } = args;
    const closeOut = gate.kind === 'close-out';
    await this.table.withTrail(args.events, [
      {
        op: this.table.put(
          {
            ...keys.gate(gate.projectId, gate.sequence),
            ...(agendaAt ? keys.gateAgenda(gate.projectId, gate.sequence, agendaAt) : {}),
            type: 'gate',
            ...gate,
          },
          'attribute_not_exists(pk)',
        ),
        guard: 'new-gate',
      },
      { op: this.table.put(tokenItem(gate.projectId, gate.sequence, taskToken)) },
      ...requests.map((r) => ({ op: this.table.put(requestItem(r)) })),
      {
        // The execution the project was owed has begun: off the agenda.
        op: this.table.update(keys.project(gate.projectId), {
          set: {
            currentGate: { gateId: gate.gateId, sequence: gate.sequence },
            ...(closeOut ? {} : { status: 'in-review' }),
            updatedAt: gate.openedAt,
          },
          remove: ['pendingStart', ...(closeOut ? [] : ['stage']), ...AGENDA_ATTRIBUTES],
          add: { version: 1 },
        }),
      },
    ]);
  }

  async storeTaskToken(projectId: string, sequence: number, taskToken: string): Promise<void> {
    await this.table.transact([
      { op: this.table.put(tokenItem(projectId, sequence, taskToken)) },
      {
        // Only beside an existing instance; a token an older version kept on the gate goes.
        op: this.table.update(keys.gate(projectId, sequence), {
          set: {},
          remove: [LEGACY_TOKEN_ATTRIBUTE],
          condition: 'attribute_exists(pk)',
        }),
      },
    ]);
  }

  async readTaskToken(projectId: string, sequence: number): Promise<string | undefined> {
    const item = await this.table.get(keys.taskToken(projectId, sequence), 'taskToken');
    if (item) return item.taskToken as string;
    // Gates opened before tokens had their own item kept it on the gate (data dirs and tables
    // from then); the wait's next OpenGate moves it (storeTaskToken).
    const legacy = await this.table.get(keys.gate(projectId, sequence), LEGACY_TOKEN_ATTRIBUTE);
    return legacy?.[LEGACY_TOKEN_ATTRIBUTE] as string | undefined;
  }

  async getGate(projectId: string, sequence: number): Promise<GateInstance | undefined> {
    return gateOf(await this.table.get(keys.gate(projectId, sequence)));
  }

  async getGateReview(projectId: string, sequence: number): Promise<GateReview | undefined> {
    // The instance, its requests and its votes share the `GATE#<seq>` prefix: one Query reads all three.
    const { pk, sk } = keys.gate(projectId, sequence);
    const items = await this.table.query(pk, sk);
    const gate = gateOf(items.find((i) => i.type === 'gate'));
    if (!gate) return undefined;
    return {
      gate,
      requests: items
        .filter((i) => i.type === 'request')
        .map((i) => strip<ApprovalRequest>(i) as ApprovalRequest),
      votes: items.filter((i) => i.type === 'vote').map((i) => strip<VoteRecord>(i) as VoteRecord),
    };
  }

  async listGates(projectId: string): Promise<GateInstance[]> {
    const { pk, skPrefix } = keys.gatePrefix(projectId);
    return (await this.table.query(pk, skPrefix))
      .filter((i) => i.type === 'gate')
      .map((i) => gateOf(i) as GateInstance);
  }

  async listRequests(projectId: string, sequence: number): Promise<ApprovalRequest[]> {
    const { pk, skPrefix } = keys.requestPrefix(projectId, sequence);
    return (await this.table.query(pk, skPrefix)).map((i) => strip<ApprovalRequest>(i) as ApprovalRequest);
  }

  async listPendingRequests(approver: string, page?: PageRequest): Promise<Page<ApprovalRequest>> {
    const { items, cursor } = await this.table.indexPage(
      TABLE_KEYS.indexes[0],
      keys.approverPending(approver),
      page,
    );
    return {
      items: items.map((i) => strip<ApprovalRequest>(i) as ApprovalRequest),
      ...(cursor ? { cursor } : {}),
    };
  }

  async askReminders(args: Parameters<GateStore['askReminders']>[0]): Promise<void> {
    const { gate, agendaAt } = args;
    await this.table.withTrail(args.events, [
      {
        op: this.table.update(keys.gate(gate.projectId, gate.sequence), {
          set: {
            version: gate.version + 1,
            ...(agendaAt ? keys.gateAgenda(gate.projectId, gate.sequence, agendaAt) : {}),
          },
          remove: agendaAt ? [] : AGENDA_ATTRIBUTES,
          condition: '#status = :open AND version = :version',
          values: { ':open': 'open', ':version': gate.version },
        }),
        guard: 'gate-unchanged',
      },
      ...args.requests.map((r) => ({
        op: this.table.update(keys.request(r.projectId, r.sequence, r.approver), {
          set: { remindAskedAt: args.at },
          condition: '#status = :pending',
          values: { ':pending': 'pending' },
        }),
        guard: 'request-pending' as const,
      })),
    ]);
  }

  async scheduleGate(
    gate: GateInstance,
    agendaAt: string | undefined,
    escalated?: { at: string; event: TrailEvent },
  ): Promise<void> {
    const op = {
      op: this.table.update(keys.gate(gate.projectId, gate.sequence), {
        set: {
          ...(agendaAt ? keys.gateAgenda(gate.projectId, gate.sequence, agendaAt) : {}),
          ...(escalated ? { escalatedAt: escalated.at } : {}),
        },
        remove: agendaAt ? [] : AGENDA_ATTRIBUTES,
        // Escalated once: of two sweeps escalating at once, one records it.
        condition: escalated
          ? 'version = :version AND attribute_not_exists(escalatedAt)'
          : 'version = :version',
        values: { ':version': gate.version },
      }),
      guard: 'gate-unchanged' as const,
    };
    if (escalated) await this.table.withTrail([escalated.event], [op]);
    else await this.table.transact([op]);
  }

  async expireGate(args: Parameters<GateStore['expireGate']>[0]): Promise<void> {
    const { gate, update, agendaAt } = args;
    const requests = await this.listRequests(gate.projectId, gate.sequence);
    await this.table.withTrail(args.events, [
      {
        op: this.table.update(keys.gate(gate.projectId, gate.sequence), {
          set: {
            status: 'expired',
            ...update,
            decidedBy: 'deadline',
            version: gate.version + 1,
            ...keys.gateAgenda(gate.projectId, gate.sequence, agendaAt),
          },
          condition: '#status = :open AND version = :version',
          values: { ':open': 'open', ':version': gate.version },
        }),
        guard: 'gate-open',
      },
      ...requests
        .filter((r) => r.status === 'pending')
        .map((r) => ({
          op: this.table.update(keys.request(r.projectId, r.sequence, r.approver), {
            set: { status: 'closed' },
            remove: ['gsi1pk', 'gsi1sk'],
          }),
        })),
    ]);
  }

  async listDue(now: string, limitPerShard: number): Promise<AgendaItem[]> {
    const shards = Array.from({ length: AGENDA_SHARDS }, (_, shard) =>
      this.listDueIn(shard, now, limitPerShard),
    );
    return (await Promise.all(shards)).flat();
  }

  private async listDueIn(shard: number, now: string, limit: number): Promise<AgendaItem[]> {
    const due: AgendaItem[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          IndexName: AGENDA_INDEX,
          KeyConditionExpression: 'gsi2pk = :shard AND gsi2sk <= :upTo',
          ExpressionAttributeValues: toAttr({ ':shard': keys.agendaShard(shard), ':upTo': `${now}#~` }),
          ProjectionExpression: 'gsi2sk',
          Limit: limit - due.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const raw of out.Items ?? []) {
        const parsed = parseAgendaKey(String(unmarshall(raw).gsi2sk));
        if (parsed?.kind === 'G')
          due.push({ kind: 'gate', projectId: parsed.projectId, sequence: parsed.sequence, at: parsed.at });
        else if (parsed?.kind === 'C')
          due.push({
            kind: 'condition',
            projectId: parsed.projectId,
            conditionId: parsed.conditionId,
            at: parsed.at,
          });
        else if (parsed?.kind === 'P')
          due.push({ kind: 'project', projectId: parsed.projectId, at: parsed.at });
        else if (parsed?.kind === 'M')
          due.push({
            kind: 'mail',
            projectId: parsed.mail.projectId,
            mail: parsed.mail as MailEntry,
            at: parsed.at,
          });
      }
      start = out.LastEvaluatedKey;
    } while (start && due.length < limit);
    return due;
  }

  async getCondition(projectId: string, conditionId: string): Promise<ConditionRecord | undefined> {
    return strip<ConditionRecord>(await this.table.get(keys.condition(projectId, conditionId)));
  }
}

/** A gate instance as the domain sees it: never a task token (one an older version kept on it). */
function gateOf(item: Item | undefined): GateInstance | undefined {
  if (!item) return undefined;
  const { [LEGACY_TOKEN_ATTRIBUTE]: _never, ...gate } = item;
  return strip<GateInstance>(gate);
}

/**
 * The task token a gate instance's wait resumes with, in a partition of its own (not on the
 * gate): IAM denies TOKEN# items to every function that does not resume a workflow (ADR 0012).
 */
function tokenItem(projectId: string, sequence: number, taskToken: string): Item {
  return { ...keys.taskToken(projectId, sequence), type: 'task-token', taskToken };
}

export function requestItem(r: ApprovalRequest): Item {
  return {
    ...keys.request(r.projectId, r.sequence, r.approver),
    ...(r.status === 'pending' ? keys.pendingByApprover(r.approver, r.dueAt, r.projectId, r.sequence) : {}),
    type: 'request',
    ...r,
  };
}
