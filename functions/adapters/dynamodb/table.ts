import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { InvalidInputError } from '../../domain/errors.ts';
import {
  APPENDABLE_AFTER_SEAL,
  appendAll,
  type ChainHead,
  type TrailEntry,
  type TrailEvent,
} from '../../domain/trail.ts';
import { type Page, type PageRequest, type WriteGuard, WriteRejectedError } from '../../usecases/ports.ts';
import { keys, TABLE_KEYS } from '../keys.ts';

export type Item = Record<string, unknown>;
/** A secondary index a listing pages through, by its name and key attributes (TABLE_KEYS.indexes). */
export type PagedIndex = { name: string; partitionKey: string; sortKey: string };
const LISTINGS = TABLE_KEYS.indexes[2];
/** A transaction step, and the rule its condition stands for (named when it fails). */
export type Guarded = { op: TransactWriteItem; guard?: WriteGuard | 'trail-head' };
type Key = { pk: string; sk: string };

export const toAttr = (item: Item) =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
export const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
/**
 * A chain's head takes one writer at a time, so a burst on one project (fifty clicks on one
 * link, a refusal trailed for each) has writers losing to each other. A loser re-reads the head
 * and tries again after a random pause whose ceiling doubles ("full jitter"), for about
 * TRAIL_PATIENCE_MS in all: the burst drains instead of colliding again and again, and what still
 * loses comes back as `busy` well inside a request's time limit.
 */
const TRAIL_PATIENCE_MS = 5_000;
const BACKOFF_FIRST_MS = 4;
const BACKOFF_CEILING_MS = 250;

/**
 * Another transaction on the same items was in flight, or a chain head moved: retry. A
 * WriteRejectedError (`busy`) so that, once retries are spent, each use case answers it as a
 * write that lost (a decision: 409, look again) rather than as an internal error.
 */
export class RaceLostError extends WriteRejectedError {
  override readonly name = 'RaceLostError';
  constructor(why: string) {
    super(['busy']);
    this.message = why;
  }
}

/**
 * The single table, as the aggregate modules use it: reads, transaction steps, guarded
 * transactions whose failed conditions come back as named rules, and trail appends in the
 * same transaction as the change they record.
 */
export class Table {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
    /** The trail's own table: written only by conditional puts, read by the trail's readers. */
    readonly trailName: string,
  ) {}

  async get(key: Key, projection?: string, tableName = this.name): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: toAttr(key),
        ConsistentRead: true,
        ...(projection ? { ProjectionExpression: projection } : {}),
      }),
    );
    return out.Item ? unmarshall(out.Item) : undefined;
  }

  async query(pk: string, skPrefix: string, tableName = this.name): Promise<Item[]> {
    const items: Item[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: tableName,
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

  /** One page of a listing (the listings index); see `indexPage`. */
  listPage(listing: string, page: PageRequest = {}): Promise<Page<Item>> {
    return this.indexPage(LISTINGS, listing, page);
  }

  /**
   * One page of one partition of a secondary index, in sort-key order from the cursor on. The
   * cursor is the last key, opaque to clients and checked when it comes back: a forged one is a 400
   * that names it, never a key DynamoDB refuses, and never a key of another partition.
   */
  async indexPage(index: PagedIndex, partition: string, page: PageRequest = {}): Promise<Page<Item>> {
    const limit = Math.min(Math.max(page.limit ?? 50, 1), 100);
    const conditions = ['#pk = :partition'];
    const values: Item = { ':partition': partition };
    if (page.before !== undefined) {
      conditions.push('#sk < :before');
      values[':before'] = page.before;
    }
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.name,
        IndexName: index.name,
        KeyConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: {
          '#pk': index.partitionKey,
          ...(page.before !== undefined ? { '#sk': index.sortKey } : {}),
        },
        ExpressionAttributeValues: toAttr(values),
        Limit: limit,
        ExclusiveStartKey:
          page.cursor === undefined
            ? undefined
            : toAttr(readCursor(page.cursor, index, partition, page.before)),
      }),
    );
    return {
      items: (out.Items ?? []).map((i) => unmarshall(i)),
      ...(out.LastEvaluatedKey ? { cursor: writeCursor(unmarshall(out.LastEvaluatedKey), index) } : {}),
    };
  }

  /** Adds one to a counter item (made on first use, expiring at `expiresAtEpoch`); the new count. */
  async increment(key: Key, expiresAtEpoch: number): Promise<number> {
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.name,
        Key: toAttr(key),
        UpdateExpression: 'ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': 'expiresAtEpoch' },
        ExpressionAttributeValues: toAttr({ ':one': 1, ':ttl': expiresAtEpoch }),
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.count?.N ?? 0);
  }

  /** Writes one item on its own (no transaction, no trail): counters and sessions. */
  async putItem(item: Item): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.name, Item: toAttr(item) }));
  }

  put(item: Item, condition?: string, values?: Item, tableName = this.name): TransactWriteItem {
    const names = conditionNames(condition);
    return {
      Put: {
        TableName: tableName,
        Item: toAttr(item),
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(values ? { ExpressionAttributeValues: toAttr(values) } : {}),
      },
    };
  }

  /** A ConditionCheck step: the transaction goes through only while the item at `key` meets `condition`. */
  check(key: Key, condition: string, values?: Item): TransactWriteItem {
    const names = conditionNames(condition);
    return {
      ConditionCheck: {
        TableName: this.name,
        Key: toAttr(key),
        ConditionExpression: condition,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(values ? { ExpressionAttributeValues: toAttr(values) } : {}),
      },
    };
  }

  delete(key: Key): TransactWriteItem {
    return { Delete: { TableName: this.name, Key: toAttr(key) } };
  }

  /** An Update step. `#name` in a condition stands for the attribute `name` (status and state are reserved words). */
  update(
    key: Key,
    spec: { set: Item; remove?: string[]; add?: Record<string, number>; condition?: string; values?: Item },
  ): TransactWriteItem {
    const names = conditionNames(spec.condition);
    const values: Item = { ...spec.values };
    const sets = Object.entries(spec.set)
      .filter(([, v]) => v !== undefined)
      .map(([field, value], i) => {
        names[`#f${i}`] = field;
        values[`:v${i}`] = value;
        return `#f${i} = :v${i}`;
      });
    // Each attribute once; one that is set is not also removed.
    const removed = [...new Set(spec.remove ?? [])].filter((field) => spec.set[field] === undefined);
    const removes = removed.map((field, i) => {
      names[`#r${i}`] = field;
      return `#r${i}`;
    });
    const adds = Object.entries(spec.add ?? {}).map(([field, by], i) => {
      names[`#a${i}`] = field;
      values[`:a${i}`] = by;
      return `#a${i} :a${i}`;
    });
    const expression = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
      adds.length ? `ADD ${adds.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return {
      Update: {
        TableName: this.name,
        Key: toAttr(key),
        UpdateExpression: expression,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: toAttr(values) } : {}),
        ...(spec.condition ? { ConditionExpression: spec.condition } : {}),
      },
    };
  }

  /** Runs steps as one transaction; a failed guard comes back as WriteRejectedError naming the rules. */
  async transact(ops: Guarded[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: ops.map((o) => o.op) }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
      if (failed.length === 0 && reasons.some((r) => r.Code === 'TransactionConflict'))
        throw new RaceLostError('a concurrent transaction touched the same items');
      if (failed.length === 0) throw error;
      const guards = failed.map((i) => ops[i]?.guard);
      const rules = guards.filter((g): g is WriteGuard => g !== undefined && g !== 'trail-head');
      if (rules.length > 0) throw new WriteRejectedError([...new Set(rules)]);
      if (guards.includes('trail-head')) throw new RaceLostError('the chain head moved');
      throw error;
    }
  }

  async getHead(chain: string): Promise<(ChainHead & { sealed?: boolean }) | undefined> {
    const item = await this.get(keys.trailHead(chain), undefined, this.trailName);
    return item
      ? { seq: item.seq as number, hash: item.hash as string, ...(item.sealed ? { sealed: true } : {}) }
      : undefined;
  }

  /**
   * Runs `ops` and appends the trail entries in the same transaction: the entries are written
   * only if the change is, and each head moves only from the value read (so two writers on
   * one chain cannot fork it; the loser re-reads the head and retries). A sealed chain takes
   * nothing but APPENDABLE_AFTER_SEAL entries (`chain-sealed`). `seal` seals the chain as it
   * appends.
   */
  async withTrail(
    events: readonly TrailEvent[],
    ops: Guarded[] | (() => Promise<Guarded[]>),
    options: { seal?: boolean } = {},
  ): Promise<TrailEntry[]> {
    const chains = [...new Set(events.map((e) => e.chain))];
    const giveUpAt = Date.now() + TRAIL_PATIENCE_MS;
    for (let attempt = 1; ; attempt++) {
      const steps = typeof ops === 'function' ? await ops() : ops;
      const entries: TrailEntry[] = [];
      const trailOps: Guarded[] = [];
      for (const chain of chains) {
        const head = await this.getHead(chain);
        const mine = events.filter((e) => e.chain === chain);
        const exempt = mine.every((e) => APPENDABLE_AFTER_SEAL.includes(e.action));
        if (head?.sealed && !exempt) throw new WriteRejectedError(['chain-sealed']);
        const appended = appendAll(head, mine);
        const last = appended[appended.length - 1] as TrailEntry;
        entries.push(...appended);
        for (const entry of appended) {
          trailOps.push({
            op: this.put(
              {
                ...keys.trailEntry(chain, entry.seq),
                ...keys.trailDay(entry.at, chain, entry.seq),
                type: 'trail',
                ...entry,
              },
              'attribute_not_exists(pk)',
              undefined,
              this.trailName,
            ),
            guard: 'trail-head',
          });
        }
        const sealedCheck = exempt ? '' : ' AND attribute_not_exists(sealed)';
        trailOps.push({
          guard: 'trail-head',
          op: this.put(
            {
              ...keys.trailHead(chain),
              ...keys.trailHeadIndex(chain),
              type: 'trail-head',
              chain,
              seq: last.seq,
              hash: last.hash,
              at: last.at,
              ...(head?.sealed || options.seal ? { sealed: true } : {}),
            },
            head ? `seq = :seq${sealedCheck}` : 'attribute_not_exists(pk)',
            head ? { ':seq': head.seq } : undefined,
            this.trailName,
          ),
        });
      }
      try {
        await this.transact([...steps, ...trailOps]);
        return entries;
      } catch (error) {
        if (!(error instanceof RaceLostError) || Date.now() >= giveUpAt) throw error;
        const ceiling = Math.min(BACKOFF_CEILING_MS, BACKOFF_FIRST_MS * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
      }
    }
  }
}

/** Attribute names in a condition (`#status`, `#state`: reserved words) stand for the attributes themselves. */
function conditionNames(condition: string | undefined): Record<string, string> {
  const names: Record<string, string> = {};
  for (const [token, name] of condition?.matchAll(/#([a-z]\w*)/gi) ?? []) names[token] = name as string;
  return names;
}

/** What an index page's last key is made of: the index's keys, then the table's. */
const cursorKeys = (index: PagedIndex) => [index.partitionKey, index.sortKey, 'pk', 'sk'];

function writeCursor(key: Item, index: PagedIndex): string {
  return Buffer.from(JSON.stringify(cursorKeys(index).map((k) => key[k]))).toString('base64url');
}

/**
 * A cursor back from a client: exactly the four string keys of this index and partition, each a
 * key DynamoDB takes (at most 1024 bytes), and a sort key inside the page's range (before
 * `before`), or a 400. A cursor from another listing of the same partition (GET /pending without
 * `overdue`, then with it) would otherwise be a start key DynamoDB refuses outright: a 500.
 */
function readCursor(cursor: string, index: PagedIndex, partition: string, before?: string): Item {
  const keyNames = cursorKeys(index);
  const bad = () =>
    new InvalidInputError('the cursor is not one this listing gave out', [
      { path: '(query).cursor', message: 'must be the cursor of the previous page, unchanged' },
    ]);
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(values) ||
    values.length !== keyNames.length ||
    !values.every((v) => typeof v === 'string' && v.length > 0 && Buffer.byteLength(v, 'utf8') <= 1024) ||
    values[0] !== partition ||
    (before !== undefined && !sortsBefore(values[1] as string, before))
  )
    throw bad();
  return Object.fromEntries(keyNames.map((k, i) => [k, values[i]]));
}

/** `a < b` as DynamoDB orders string keys: by their UTF-8 bytes (not JavaScript's UTF-16 units). */
const sortsBefore = (a: string, b: string) =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) < 0;

/** Drops the table's own attributes so callers see only the domain shape. */
export function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const {
    pk: _pk,
    sk: _sk,
    type: _type,
    expiresAtEpoch: _ttl,
    gsi1pk: _a,
    gsi1sk: _b,
    gsi2pk: _c,
    gsi2sk: _d,
    gsi3pk: _i,
    gsi3sk: _j,
    dayPk: _e,
    daySk: _f,
    headsPk: _g,
    headsSk: _h,
    ...rest
  } = item;
  return rest as T;
}
