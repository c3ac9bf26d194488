import { type Command, Option } from 'commander';
import { ACTIVE_STATUSES } from '../../functions/usecases/model.ts';
import type { PendingItem } from '../../functions/usecases/pending.ts';
import { api } from './api.ts';
import { type Connection, type ConnectionOptions, connect, withConnection } from './connection.ts';
import { age, email, examples, jsonOption, output, plural, positive, table, when } from './format.ts';
import { progress } from './progress.ts';

/*
 * `tollgate pending`: what is waiting, with whom and for how long (GET /pending, a page at a
 * time; --all follows the cursor). The same listing paginates people (`tollgate people list`).
 */

/** --all stops here: 50 pages of the API's largest page is more than a screen or a script wants. */
export const MAX_PAGES = 50;

interface PendingOptions extends ConnectionOptions {
  approver?: string;
  gate?: string;
  overdue?: boolean;
  status?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

export function pendingCommand(program: Command): void {
  const pending = withConnection(
    program
      .command('pending')
      .description('what is waiting, with whom and for how long: projects under way and their open gates')
      .option('--approver <email>', 'only requests waiting for this approver', email)
      .option('--gate <id>', 'only projects at this gate (e.g. business-case)')
      .option('--overdue', 'only gates past their deadline')
      .addOption(new Option('--status <status>', 'only projects in this status').choices(ACTIVE_STATUSES))
      .option('--limit <n>', 'items per page (the API caps it)', positive)
      .option('--cursor <cursor>', 'the next page, as the previous page printed it')
      .option('--all', `follow the cursor through every page (at most ${MAX_PAGES} pages)`)
      .addOption(jsonOption()),
  );
  examples(pending, [
    'tollgate pending --overdue',
    'tollgate pending --approver fay.finance@example.com',
    'tollgate pending --status on-hold --all --json | jq ".items[].projectId"',
  ]).action(async (options: PendingOptions, command: Command) => {
    const connection = await connect(options, command);
    const query = new URLSearchParams();
    if (options.approver) query.set('approver', options.approver);
    if (options.gate) query.set('gate', options.gate);
    if (options.overdue) query.set('overdue', 'true');
    if (options.status) query.set('status', options.status);
    if (options.limit) query.set('limit', String(options.limit));
    const page = await pages<PendingItem>(connection, '/pending', 'items', query, options);
    output({ items: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) }, () => {
      if (page.items.length === 0) console.log('Nothing is pending.');
      else console.log(table(HEADERS, page.items.map(row)));
      more(page, 'pending', options.all);
    });
  });
}

const HEADERS = ['PROJECT', 'TITLE', 'STATUS', 'GATE', 'WAITING ON', 'DUE', 'SLA', 'AGE'];

function row(item: PendingItem): string[] {
  const { gate } = item;
  const waiting = gate?.approvers.filter((a) => a.status === 'pending').map((a) => a.email) ?? [];
  return [
    item.projectId,
    clip(item.title, 32),
    item.hold ? `on-hold (${item.hold.cause})` : item.status,
    gate ? `${gate.sequence} ${gate.gateId}` : item.stage ? `stage → ${item.stage.gateId}` : '-',
    waiting.length > 2
      ? `${waiting.slice(0, 2).join(', ')} +${waiting.length - 2}`
      : waiting.join(', ') || '-',
    gate ? when(gate.dueAt) : '-',
    gate ? gate.sla : '-',
    age(item.ageHours),
  ];
}

const clip = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/**
 * One page, or with --all every page up to MAX_PAGES (a spinner while it reads); the cursor
 * is kept when there is more than was read.
 */
export async function pages<T>(
  connection: Connection,
  path: string,
  key: string,
  query: URLSearchParams,
  options: { cursor?: string; all?: boolean; json?: boolean },
): Promise<{ items: T[]; cursor?: string; pages: number }> {
  const items: T[] = [];
  let cursor = options.cursor;
  let count = 0;
  const stop = options.all && !options.json ? progress()?.spin(`reading ${path}`) : undefined;
  try {
    do {
      const q = new URLSearchParams(query);
      if (cursor) q.set('cursor', cursor);
      const search = q.toString();
      const page = await api<Record<string, unknown>>(
        connection,
        'GET',
        `${path}${search ? `?${search}` : ''}`,
      );
      const found = page[key];
      if (Array.isArray(found)) items.push(...(found as T[]));
      cursor = typeof page.cursor === 'string' && page.cursor !== '' ? page.cursor : undefined;
      count++;
    } while (options.all && cursor && count < MAX_PAGES);
  } finally {
    stop?.();
  }
  return { items, pages: count, ...(cursor ? { cursor } : {}) };
}

/** Says how to read on, when there is more. */
export function more(
  page: { items: unknown[]; cursor?: string; pages: number },
  what: string,
  all?: boolean,
): void {
  if (!page.cursor) return;
  console.log(
    all
      ? `\n${plural(page.items.length, 'item')} in ${MAX_PAGES} pages, and there is more: narrow the listing, or go on with --cursor ${page.cursor}`
      : `\nMore ${what}: --cursor ${page.cursor} (or --all)`,
  );
}
