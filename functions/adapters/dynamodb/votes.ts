import type { ApprovalLink, ApprovalRequest, VoteRecord } from '../../usecases/model.ts';
import type { LinkVoteStore } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { requestItem } from './gates.ts';
import { owedReceiptItem } from './mail.ts';
import { epochSeconds, type Guarded, strip, type Table } from './table.ts';

/** Links are kept a month past their expiry, so a late click still gets a clear answer. */
const LINK_RETENTION_SECONDS = 30 * 86400;

/** Approval links, votes, and hand-overs (delegation, reassignment); mail state is in the ledger (mail.ts). */
export class LinkVoteItems implements LinkVoteStore {
  constructor(private readonly table: Table) {}

  async issueLink(request: ApprovalRequest, link: ApprovalLink): Promise<void> {
    const ops: Guarded[] = [
      {
        op: this.table.put({
          ...keys.link(link.hash),
          type: 'link',
          ...link,
          expiresAtEpoch: epochSeconds(link.expiresAt) + LINK_RETENTION_SECONDS,
        }),
      },
      {
        op: this.table.update(keys.request(request.projectId, request.sequence, request.approver), {
          set: { linkHash: link.hash },
          condition: '#status = :pending',
          values: { ':pending': 'pending' },
        }),
        guard: 'request-pending',
      },
    ];
    // The previous link stops working the moment a new one is issued (and says why when used).
    if (request.linkHash && request.linkHash !== link.hash)
      ops.push({ op: this.supersede(request.linkHash, { at: link.issuedAt, by: 'reminder' }) });
    await this.table.transact(ops);
  }

  async getLink(hash: string): Promise<ApprovalLink | undefined> {
    return strip<ApprovalLink>(await this.table.get(keys.link(hash)));
  }

  async listVotes(projectId: string, sequence: number): Promise<VoteRecord[]> {
    const { pk, skPrefix } = keys.votePrefix(projectId, sequence);
    return (await this.table.query(pk, skPrefix)).map((i) => strip<VoteRecord>(i) as VoteRecord);
  }

  async recordVote(args: Parameters<LinkVoteStore['recordVote']>[0]): Promise<void> {
    const { vote, gate, gateUpdate, agendaAt } = args;
    await this.table.withTrail(args.events, [
      {
        op: this.table.put(
          { ...keys.vote(vote.projectId, vote.sequence, vote.approver), type: 'vote', ...vote },
          'attribute_not_exists(pk)',
        ),
        guard: 'first-vote',
      },
      this.spendLink(args.linkHash, vote.at),
      {
        op: this.table.update(keys.gate(gate.projectId, gate.sequence), {
          set: {
            ...gateUpdate,
            version: gate.version + 1,
            ...(agendaAt ? keys.gateAgenda(gate.projectId, gate.sequence, agendaAt) : {}),
          },
          remove: agendaAt ? [] : ['gsi2pk', 'gsi2sk'],
          condition: '#status = :open AND version = :version AND packageHash = :hash',
          values: { ':open': 'open', ':version': gate.version, ':hash': vote.decision.packageHash },
        }),
        guard: 'gate-unchanged',
      },
      {
        op: this.table.update(keys.request(vote.projectId, vote.sequence, vote.approver), {
          set: { status: 'decided' },
          remove: ['gsi1pk', 'gsi1sk'],
        }),
      },
      // The approver's receipt, owed from now: the workflow step the decision wakes sends it, or
      // the sweeper, whichever comes first; the ledger lets only one of them send.
      { op: this.table.put(owedReceiptItem(vote)) },
    ]);
  }

  async extendGate(args: Parameters<LinkVoteStore['extendGate']>[0]): Promise<void> {
    const { gate, dueAt, agendaAt } = args;
    const requestKey = (r: ApprovalRequest) => keys.request(r.projectId, r.sequence, r.approver);
    await this.table.withTrail(args.events, [
      {
        op: this.table.update(keys.gate(gate.projectId, gate.sequence), {
          set: {
            dueAt,
            version: gate.version + 1,
            ...(agendaAt ? keys.gateAgenda(gate.projectId, gate.sequence, agendaAt) : {}),
          },
          remove: agendaAt ? [] : ['gsi2pk', 'gsi2sk'],
          condition: '#status = :open AND version = :version',
          values: { ':open': 'open', ':version': gate.version },
        }),
        guard: 'gate-unchanged',
      },
      // Each request still on the link read: a link issued meanwhile (a mail step that read the old
      // deadline) would keep expiring at it, so the extension reads again and moves that one.
      ...args.pendingRequests.map(
        (r): Guarded => ({
          op: this.table.update(requestKey(r), {
            set: {
              dueAt,
              ...keys.pendingByApprover(r.approver, dueAt, r.projectId, r.sequence),
              ...(args.freshLinks.approvers.includes(r.approver)
                ? { remindAskedAt: args.freshLinks.at }
                : {}),
            },
            condition: r.linkHash
              ? '#status = :pending AND linkHash = :seen'
              : '#status = :pending AND attribute_not_exists(linkHash)',
            values: { ':pending': 'pending', ...(r.linkHash ? { ':seen': r.linkHash } : {}) },
          }),
          guard: 'gate-unchanged',
        }),
      ),
      // A link lives until the deadline (or its own age limit): the new deadline keeps it working.
      ...args.links.map(
        (link): Guarded => ({
          op: this.table.update(keys.link(link.hash), {
            set: {
              expiresAt: link.expiresAt,
              expiresAtEpoch: epochSeconds(link.expiresAt) + LINK_RETENTION_SECONDS,
            },
            condition: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
          }),
          guard: 'gate-unchanged',
        }),
      ),
    ]);
  }

  async handOver(args: Parameters<LinkVoteStore['handOver']>[0]): Promise<void> {
    const { gate, from, to } = args;
    const ops: Guarded[] = [
      {
        op: this.table.update(keys.request(from.projectId, from.sequence, from.approver), {
          set: {
            status: to.handedFrom?.why === 'reassigned' ? 'reassigned' : 'delegated',
            handedTo: to.approver,
          },
          remove: ['gsi1pk', 'gsi1sk'],
          condition: '#status = :pending',
          values: { ':pending': 'pending' },
        }),
        guard: 'request-pending',
      },
      {
        // A person handed the request before may get it back; a pending request is never replaced.
        op: this.table.put(requestItem(to), 'attribute_not_exists(pk) OR #status <> :pending', {
          ':pending': 'pending',
        }),
        guard: 'request-pending',
      },
      {
        op: this.table.update(keys.gate(gate.projectId, gate.sequence), {
          set: {
            approvers: gate.approvers.map((a) => (a === from.approver ? to.approver : a)),
            version: gate.version + 1,
          },
          condition: '#status = :open AND version = :version',
          values: { ':open': 'open', ':version': gate.version },
        }),
        guard: 'gate-unchanged',
      },
    ];
    if (args.spentLink) ops.push(this.spendLink(args.spentLink.hash, args.spentLink.at));
    else if (from.linkHash)
      ops.push({ op: this.supersede(from.linkHash, { at: args.events[0]?.at ?? '', by: 'reassignment' }) });
    await this.table.withTrail(args.events, ops);
  }

  /** A link that no longer works, kept (until its retention ends) to tell its holder why. */
  private supersede(hash: string, superseded: NonNullable<ApprovalLink['superseded']>) {
    // No condition: a link past its retention may be gone already, and that must not stop a reminder.
    return this.table.update(keys.link(hash), {
      set: { superseded, expiresAtEpoch: epochSeconds(superseded.at) + LINK_RETENTION_SECONDS },
    });
  }

  /** The link used, once: unused and unexpired until now. */
  private spendLink(hash: string, at: string): Guarded {
    return {
      op: this.table.update(keys.link(hash), {
        set: { usedAt: at },
        condition: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now',
        values: { ':now': at },
      }),
      guard: 'link-unused',
    };
  }
}
