import { QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ChainHead, TrailEntry, TrailEvent } from '../../domain/trail.ts';
import type { TrailHeadRecord } from '../../usecases/model.ts';
import type { TrailStore } from '../../usecases/ports.ts';
import { HEAD_SHARDS, keys, TRAIL_BY_DAY_INDEX, TRAIL_HEADS_INDEX } from '../keys.ts';
import { type Item, strip, type Table, toAttr } from './table.ts';

const PAGE = 500;

/** Trail chains: entries and heads in the trail's own table (appends happen in the changes' transactions). */
export class TrailItems implements TrailStore {
  constructor(private readonly table: Table) {}

  async listTrail(chain: string): Promise<TrailEntry[]> {
    const entries: TrailEntry[] = [];
    for await (const page of this.chainPages(chain)) entries.push(...page);
    return entries;
  }

  chainPages(chain: string, pageSize = PAGE): AsyncIterable<TrailEntry[]> {
    // A key range rather than begins_with: every entry, never the head (which sorts after them).
    const first = keys.trailEntry(chain, 0);
    return this.pages(
      {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
        ExpressionAttributeValues: toAttr({
          ':pk': first.pk,
          ':first': first.sk,
          ':last': keys.trailEntry(chain, 9_999_999_999).sk,
        }),
        ConsistentRead: true,
      },
      pageSize,
    );
  }

  async *chainWithHead(
    chain: string,
    afterSeq = 0,
  ): AsyncIterable<{ entries: TrailEntry[]; head?: ChainHead & { sealed?: boolean } }> {
    const pages = this.query(
      {
        KeyConditionExpression: 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: toAttr({
          ':pk': keys.trailEntry(chain, 0).pk,
          ':after': keys.trailEntry(chain, afterSeq).sk,
        }),
        ConsistentRead: true,
      },
      PAGE,
    );
    for await (const items of pages) {
      const head = items.find((i) => i.sk === 'HEAD');
      yield {
        entries: items.filter((i) => i.sk !== 'HEAD').map((i) => strip<TrailEntry>(i) as TrailEntry),
        ...(head
          ? {
              head: {
                seq: Number(head.seq),
                hash: String(head.hash),
                ...(head.sealed ? { sealed: true } : {}),
              },
            }
          : {}),
      };
    }
  }

  dayPages(day: string, pageSize = PAGE): AsyncIterable<TrailEntry[]> {
    return this.pages(
      {
        IndexName: TRAIL_BY_DAY_INDEX,
        KeyConditionExpression: 'dayPk = :day',
        ExpressionAttributeValues: toAttr({ ':day': keys.trailDayPartition(day) }),
      },
      pageSize,
    );
  }

  async listHeads(): Promise<TrailHeadRecord[]> {
    const heads: TrailHeadRecord[] = [];
    for (let shard = 0; shard < HEAD_SHARDS; shard++) {
      const pages = this.query(
        {
          IndexName: TRAIL_HEADS_INDEX,
          KeyConditionExpression: 'headsPk = :shard',
          ExpressionAttributeValues: toAttr({ ':shard': keys.trailHeadsShard(shard) }),
        },
        PAGE,
      );
      for await (const page of pages)
        for (const item of page)
          heads.push({
            chain: String(item.chain),
            seq: Number(item.seq),
            hash: String(item.hash),
            at: String(item.at ?? ''),
            ...(item.sealed ? { sealed: true } : {}),
          });
    }
    return heads.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  }

  async getTrailEntry(chain: string, seq: number): Promise<TrailEntry | undefined> {
    return strip<TrailEntry>(
      await this.table.get(keys.trailEntry(chain, seq), undefined, this.table.trailName),
    );
  }

  getTrailHead(chain: string): Promise<(ChainHead & { sealed?: boolean }) | undefined> {
    return this.table.getHead(chain);
  }

  async appendTrail(events: TrailEvent[]): Promise<void> {
    await this.table.withTrail(events, []);
  }

  async sealChain(event: TrailEvent): Promise<void> {
    await this.table.withTrail([event], [], { seal: true });
  }

  private async *pages(
    input: Omit<QueryCommandInput, 'TableName'>,
    pageSize: number,
  ): AsyncIterable<TrailEntry[]> {
    for await (const page of this.query(input, pageSize))
      yield page.map((i) => strip<TrailEntry>(i) as TrailEntry);
  }

  private async *query(input: Omit<QueryCommandInput, 'TableName'>, pageSize: number): AsyncIterable<Item[]> {
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.table.client.send(
        new QueryCommand({
          ...input,
          TableName: this.table.trailName,
          Limit: pageSize,
          ExclusiveStartKey: start,
        }),
      );
      if (out.Items?.length) yield out.Items.map((item) => unmarshall(item));
      start = out.LastEvaluatedKey;
    } while (start);
  }
}
