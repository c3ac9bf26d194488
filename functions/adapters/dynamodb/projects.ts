import { conditionMissedAt } from '../../domain/agenda.ts';
import type { TrailEvent } from '../../domain/trail.ts';
import type {
  ActiveStatus,
  ApprovalRequest,
  ConditionRecord,
  Project,
  SubmissionRecord,
} from '../../usecases/model.ts';
import type {
  IdempotencyRecord,
  Page,
  PageRequest,
  ProjectChange,
  ProjectStore,
  WriteGuard,
} from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { owedNoticeItem } from './mail.ts';
import { epochSeconds, type Guarded, type Item, strip, type Table } from './table.ts';

const AGENDA_ATTRIBUTES = ['gsi2pk', 'gsi2sk'];
const LISTING_ATTRIBUTES = ['gsi3pk', 'gsi3sk'];
/** Idempotency keys are remembered for a day, as clients retry within minutes. */
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Projects, with what changes together with them: conditions, stage submissions, idempotency keys. */
export class ProjectItems implements ProjectStore {
  constructor(private readonly table: Table) {}

  async getProject(projectId: string): Promise<Project | undefined> {
    return strip<Project>(await this.table.get(keys.project(projectId)));
  }

  async createProject(project: Project, events: TrailEvent[], agendaAt?: string): Promise<void> {
    const item: Item = {
      ...keys.project(project.projectId),
      ...(agendaAt ? keys.projectAgenda(project.projectId, agendaAt) : {}),
      ...keys.activeProject(project.projectId, project.status, project.updatedAt),
      type: 'project',
      ...project,
    };
    await this.table.withTrail(events, [
      { op: this.table.put(item, 'attribute_not_exists(pk)'), guard: 'new-project' },
    ]);
  }

  async changeProject(change: ProjectChange): Promise<void> {
    const { projectId } = change;
    // A change of status moves the project in the listings index (out of it once closed).
    const status = change.set.status;
    const listing =
      status === undefined ? undefined : keys.activeProject(projectId, status, change.set.updatedAt ?? '');
    const ops: Guarded[] = [
      {
        op: this.table.update(keys.project(projectId), {
          set: {
            ...change.set,
            version: change.expectedVersion + 1,
            ...(change.agendaAt ? keys.projectAgenda(projectId, change.agendaAt) : {}),
            ...listing,
          },
          remove: [
            ...(change.remove ?? []),
            ...(change.agendaAt === null ? AGENDA_ATTRIBUTES : []),
            ...(status !== undefined && !listing ? LISTING_ATTRIBUTES : []),
          ],
          condition: 'version = :expected',
          values: { ':expected': change.expectedVersion },
        }),
        guard: 'project-unchanged',
      },
    ];
    if (change.applied) {
      ops.push({
        op: this.table.update(keys.gate(projectId, change.applied.sequence), {
          set: { appliedAt: change.applied.at, next: change.applied.next, nextStart: change.applied.start },
          remove: AGENDA_ATTRIBUTES,
        }),
      });
      ops.push(...closeRequests(this.table, change.applied.pendingRequests ?? [], 'request-pending'));
    }
    if (change.closeGate) ops.push(...this.closeGate(change.closeGate));
    for (const condition of change.dropConditions ?? []) {
      ops.push({
        op: this.table.update(keys.condition(projectId, condition.conditionId), {
          set: {},
          remove: AGENDA_ATTRIBUTES,
        }),
      });
    }
    for (const notice of change.oweNotices ?? []) ops.push({ op: this.table.put(owedNoticeItem(notice)) });
    for (const condition of change.createConditions ?? []) {
      ops.push({ op: this.table.put(conditionItem(condition), 'attribute_not_exists(pk)') });
    }
    if (change.updateCondition) {
      const { condition, expectedState } = change.updateCondition;
      ops.push({
        op: this.table.put(conditionItem(condition), '#state = :expectedState', {
          ':expectedState': expectedState,
        }),
        guard: 'condition-unchanged',
      });
    }
    if (change.submission) {
      const s = change.submission;
      ops.push({
        op: this.table.put(
          { ...keys.submission(projectId, s.sequence), type: 'submission', ...s },
          'attribute_not_exists(pk)',
        ),
      });
    }
    await this.table.withTrail(change.events, ops, { seal: change.seal ?? false });
  }

  /**
   * An open gate closed by a PMO admin: from the version read, followed at once (nothing left for
   * the workflow or the sweeper to apply), its pending requests closed and out of the approvers'
   * index. A vote or hand-over that got in first moved the version: the whole change is refused.
   */
  private closeGate(close: NonNullable<ProjectChange['closeGate']>): Guarded[] {
    const { gate, at } = close;
    return [
      {
        op: this.table.update(keys.gate(gate.projectId, gate.sequence), {
          set: {
            status: 'closed',
            decidedAt: at,
            decidedBy: 'pmo',
            appliedAt: at,
            next: close.next,
            version: gate.version + 1,
          },
          remove: AGENDA_ATTRIBUTES,
          condition: '#status = :open AND version = :version',
          values: { ':open': 'open', ':version': gate.version },
        }),
        guard: 'gate-unchanged',
      },
      ...closeRequests(this.table, close.pendingRequests, 'gate-unchanged'),
    ];
  }

  async listActiveProjects(status: ActiveStatus, page?: PageRequest): Promise<Page<Project>> {
    const { items, cursor } = await this.table.listPage(keys.listing.active(status), page);
    return { items: items.map((i) => strip<Project>(i) as Project), ...(cursor ? { cursor } : {}) };
  }

  async listConditions(projectId: string): Promise<ConditionRecord[]> {
    const { pk, skPrefix } = keys.conditionPrefix(projectId);
    return (await this.table.query(pk, skPrefix)).map((i) => strip<ConditionRecord>(i) as ConditionRecord);
  }

  async getSubmission(projectId: string, sequence: number): Promise<SubmissionRecord | undefined> {
    return strip<SubmissionRecord>(await this.table.get(keys.submission(projectId, sequence)));
  }

  async rememberIdempotencyKey(record: IdempotencyRecord): Promise<void> {
    await this.table.transact([
      {
        op: this.table.put(
          {
            ...keys.idempotency(record.owner, record.key),
            type: 'idempotency',
            ...record,
            expiresAtEpoch: epochSeconds(record.at) + IDEMPOTENCY_TTL_SECONDS,
          },
          'attribute_not_exists(pk)',
        ),
        guard: 'new-key',
      },
    ]);
  }

  async getIdempotencyKey(owner: string, key: string): Promise<IdempotencyRecord | undefined> {
    return strip<IdempotencyRecord>(await this.table.get(keys.idempotency(owner, key)));
  }
}

/**
 * Requests of an ending gate instance that nobody answered: closed (their links answer for the gate)
 * and out of the pending-by-approver index, each only while still pending — `guard` names what a
 * request that moved meanwhile means to the caller.
 */
function closeRequests(table: Table, requests: readonly ApprovalRequest[], guard: WriteGuard): Guarded[] {
  return requests.map((r) => ({
    op: table.update(keys.request(r.projectId, r.sequence, r.approver), {
      set: { status: 'closed' },
      remove: ['gsi1pk', 'gsi1sk'],
      condition: '#status = :pending',
      values: { ':pending': 'pending' },
    }),
    guard,
  }));
}

/** A condition item; on the agenda while open and not yet missed. */
export function conditionItem(condition: ConditionRecord): Item {
  const scheduled = condition.state === 'open' && !condition.missedAt;
  return {
    ...keys.condition(condition.projectId, condition.conditionId),
    ...(scheduled
      ? keys.conditionAgenda(condition.projectId, condition.conditionId, conditionMissedAt(condition.due))
      : {}),
    type: 'condition',
    ...condition,
  };
}
