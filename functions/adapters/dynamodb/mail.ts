import {
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { TrailEvent } from '../../domain/trail.ts';
import type { ApprovalRequest, MailEntry, MailRecord, VoteRecord } from '../../usecases/model.ts';
import type { MailClaim, MailKind, MailLedgerStore, OwedNotice } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { type Guarded, type Item, strip, type Table } from './table.ts';

const AGENDA_ATTRIBUTES = ['gsi2pk', 'gsi2sk'];

/** The ledger entry of the receipt a vote owes its approver: one per vote, so always the first. */
export function receiptEntry(vote: Pick<VoteRecord, 'projectId' | 'sequence' | 'approver'>): MailEntry {
  return { projectId: vote.projectId, sequence: vote.sequence, kind: 'receipt', to: vote.approver, n: '1' };
}

/** Written with the vote: the receipt is owed from now, on the agenda at once for whoever comes first. */
export function owedReceiptItem(vote: VoteRecord): Item {
  const entry = receiptEntry(vote);
  return {
    ...keys.mail(entry),
    ...keys.mailAgenda(entry, vote.at),
    type: 'mail',
    ...entry,
    owedAt: vote.at,
  };
}

/**
 * A notice owed by a change that may not mail (an HTTP function, ADR 0009), rendered now and kept
 * in the ledger: on the agenda at once, so the sweeper claims, sends and marks it (once).
 */
export function owedNoticeItem(notice: OwedNotice): Item {
  const { entry, mail, at } = notice;
  return {
    ...keys.mail(entry),
    ...keys.mailAgenda(entry, at),
    type: 'mail',
    ...entry,
    owedAt: at,
    mail,
  };
}

/**
 * The mail ledger. A claim is one conditional UpdateItem (not a transaction: nothing else moves
 * with it); marking sent moves the trail, and for an approval mail the request, with it.
 */
export class MailItems implements MailLedgerStore {
  constructor(private readonly table: Table) {}

  async claimMail(entry: MailEntry, args: Parameters<MailLedgerStore['claimMail']>[1]): Promise<MailClaim> {
    const { projectId, sequence, kind, to, n } = entry;
    const set: Item = {
      type: 'mail',
      projectId,
      sequence,
      kind,
      to,
      n,
      claimedAt: args.at,
      ...(args.repairAt ? keys.mailAgenda(entry, args.repairAt) : {}),
      ...(args.keep ? { mail: args.keep } : {}),
    };
    // Owed, released after a refusal, or not written yet: this step sends it.
    if (await this.tryUpdate(entry, set, 'attribute_not_exists(sentAt) AND attribute_not_exists(claimedAt)'))
      return { claimed: true, takenOver: false };
    const record = await this.getMail(entry);
    if (record?.sentAt) return { claimed: false, because: 'sent' };
    if (!record?.claimedAt || record.claimedAt > args.staleBefore) return { claimed: false, because: 'busy' };
    if (record.takenOverAt) {
      await this.table.transact([
        { op: this.table.update(keys.mail(entry), { set: {}, remove: AGENDA_ATTRIBUTES }) },
      ]);
      return { claimed: false, because: 'given-up' };
    }
    // The claimant died between its claim and its mark: SES may or may not have accepted its
    // mail. Sent once more, at most: only the first to take the claim over sends.
    const takenOver = await this.tryUpdate(
      entry,
      { ...set, takenOverAt: args.at },
      'claimedAt = :seen AND attribute_not_exists(sentAt) AND attribute_not_exists(takenOverAt)',
      { ':seen': record.claimedAt },
    );
    return takenOver ? { claimed: true, takenOver: true } : { claimed: false, because: 'busy' };
  }

  async markMailSent(
    entry: MailEntry,
    sent: { at: string; messageId: string },
    events: TrailEvent[],
    request?: { request: ApprovalRequest; kind: MailKind },
  ): Promise<void> {
    const ops: Guarded[] = [
      {
        op: this.table.update(keys.mail(entry), {
          set: { sentAt: sent.at, messageId: sent.messageId },
          remove: [...AGENDA_ATTRIBUTES, 'retryAt', 'mail'],
        }),
      },
    ];
    if (request) {
      const r = request.request;
      const key = keys.request(r.projectId, r.sequence, r.approver);
      ops.push({
        op:
          request.kind === 'request'
            ? this.table.update(key, {
                set: { sentAt: sent.at, messageId: sent.messageId },
                remove: ['retryAt'],
              })
            : this.table.update(key, { set: { remindedAt: sent.at }, add: { reminders: 1 } }),
      });
    }
    if (events.length > 0) await this.table.withTrail(events, ops);
    else await this.table.transact(ops);
  }

  async releaseMail(entry: MailEntry, retry?: Parameters<MailLedgerStore['releaseMail']>[1]): Promise<void> {
    const ops: Guarded[] = [
      {
        op: this.table.update(keys.mail(entry), {
          set: {
            ...(retry ? { attempts: retry.attempts, retryAt: retry.retryAt } : {}),
            ...(retry?.repairAt ? keys.mailAgenda(entry, retry.repairAt) : {}),
          },
          remove: ['claimedAt', ...(retry?.repairAt ? [] : AGENDA_ATTRIBUTES)],
        }),
      },
    ];
    const request = retry?.request;
    if (request && retry)
      ops.push({
        op: this.table.update(keys.request(request.projectId, request.sequence, request.approver), {
          set: { sendAttempts: retry.attempts, retryAt: retry.retryAt },
        }),
      });
    await this.table.transact(ops);
  }

  async getMail(entry: MailEntry): Promise<MailRecord | undefined> {
    return strip<MailRecord>(await this.table.get(keys.mail(entry)));
  }

  async listMail(projectId: string, sequence: number): Promise<MailRecord[]> {
    const { pk, skPrefix } = keys.mailPrefix(projectId, sequence);
    return (await this.table.query(pk, skPrefix)).map((i) => strip<MailRecord>(i) as MailRecord);
  }

  /** One conditional update on its own; false when its condition did not hold. */
  private async tryUpdate(entry: MailEntry, set: Item, condition: string, values?: Item): Promise<boolean> {
    const { Update } = this.table.update(keys.mail(entry), { set, condition, ...(values ? { values } : {}) });
    try {
      await this.table.client.send(new UpdateItemCommand(Update as UpdateItemCommandInput));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
