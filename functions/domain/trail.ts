import { createHash } from 'node:crypto';

/** Hash that the first entry of every project's trail points back to. */
export const GENESIS_HASH = '0'.repeat(64);

export interface TrailActor {
  /** `person` acts through the API or a link; `system` is a workflow step or the sweeper. */
  type: 'person' | 'system';
  /** A person's e-mail (their `sub` once signed in is in `sub`); a system component's name. */
  id: string;
  sub?: string;
  name?: string;
  role?: string;
}

/**
 * The chains entries are appended to: one per project, and a few for what has no project
 * (refused proposals, refused requests, definitions, the people directory).
 */
export const CHAINS = {
  project: (projectId: string) => `project/${projectId}`,
  intake: 'intake',
  access: 'access',
  definition: (definitionId: string) => `definition/${definitionId}`,
  people: 'people',
  /** Exports and verifications of the trail itself. */
  compliance: 'compliance',
} as const;

/** The entry that seals a chain (close-out). */
export const SEAL_ACTION = 'trail.sealed';

/** What may still be appended to a sealed (closed-out) project's chain. */
export const APPENDABLE_AFTER_SEAL: readonly string[] = ['trail.exported'];

/** What happened, as recorded; the chain fields are added by `appendTo`. */
export interface TrailEvent {
  /** Which chain the entry joins (CHAINS). */
  chain: string;
  /** What it is about. */
  subject?: {
    projectId?: string;
    gateId?: string;
    sequence?: number;
    definitionId?: string;
    person?: string;
  };
  /** Server time, UTC, ISO 8601. */
  at: string;
  actor: TrailActor;
  action: string;
  definition?: { id: string; version: number };
  /** Where the request came from (absent for system steps). */
  source?: { ip: string; userAgent: string };
  /** Version hash of the gate package the actor saw, when acting on a gate. */
  packageHash?: string;
  detail: Record<string, unknown>;
}

export interface TrailEntry extends TrailEvent {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** JSON with keys sorted at every level, so a hash never depends on property order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // Loops rather than map/filter/sort of entries: this runs for every entry hashed or exported.
  if (Array.isArray(value)) {
    let out = '[';
    // A hole stays empty, as Array.prototype.map and join left it: hashes must never change.
    for (let i = 0; i < value.length; i++)
      out += (i ? ',' : '') + (i in value ? canonicalJson(value[i]) : '');
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  // Default sort: UTF-16 code unit order, as `<` compares.
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${quotedKey(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** Entries repeat the same few keys: each is quoted once (the cache is bounded). */
const QUOTED_KEYS = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED_KEYS.size < 4096) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function entryHash(entry: Omit<TrailEntry, 'hash'>): string {
  return sha256Hex(canonicalJson(entry));
}

/** The next link of a project's chain: it commits to the event and to the previous hash. */
export function appendTo(head: ChainHead | undefined, event: TrailEvent): TrailEntry {
  const body = { ...event, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
  return { ...body, hash: entryHash(body) };
}

/** Several links at once (one transaction records them together), in order. */
export function appendAll(head: ChainHead | undefined, events: readonly TrailEvent[]): TrailEntry[] {
  const entries: TrailEntry[] = [];
  let current = head;
  for (const event of events) {
    const entry = appendTo(current, event);
    entries.push(entry);
    current = { seq: entry.seq, hash: entry.hash };
  }
  return entries;
}

export type Verification =
  | { ok: true; count: number; head: ChainHead | undefined }
  | { ok: false; count: number; brokenAt: number; reason: string };

/** Checks one project's entries in order; names the first broken link. */
export function verifyChain(entries: readonly TrailEntry[], expectedHead?: ChainHead): Verification {
  let prev: ChainHead = { seq: 0, hash: GENESIS_HASH };
  for (const entry of entries) {
    const { hash, ...body } = entry;
    if (entry.seq !== prev.seq + 1) {
      return {
        ok: false,
        count: entries.length,
        brokenAt: prev.seq + 1,
        reason: `entry ${prev.seq + 1} is missing`,
      };
    }
    if (entry.prevHash !== prev.hash) {
      return {
        ok: false,
        count: entries.length,
        brokenAt: entry.seq,
        reason: 'does not point at the entry before it',
      };
    }
    if (entryHash(body) !== hash) {
      return {
        ok: false,
        count: entries.length,
        brokenAt: entry.seq,
        reason: 'content does not match its hash',
      };
    }
    prev = { seq: entry.seq, hash };
  }
  if (expectedHead) {
    const broken = (brokenAt: number, reason: string): Verification => ({
      ok: false,
      count: entries.length,
      brokenAt,
      reason,
    });
    if (expectedHead.seq > prev.seq) {
      return broken(
        prev.seq + 1,
        `entry ${prev.seq + 1} is missing (the head says the chain ends at ${expectedHead.seq})`,
      );
    }
    if (expectedHead.seq < prev.seq) {
      return broken(
        expectedHead.seq + 1,
        `entries after ${expectedHead.seq} were added behind the head's back`,
      );
    }
    if (expectedHead.hash !== prev.hash) return broken(prev.seq, 'does not match the hash the head recorded');
  }
  return { ok: true, count: entries.length, head: entries.length > 0 ? prev : undefined };
}
