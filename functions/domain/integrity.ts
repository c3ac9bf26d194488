import type { AnchoredHead } from './anchor.ts';
import {
  APPENDABLE_AFTER_SEAL,
  type ChainHead,
  canonicalJson,
  GENESIS_HASH,
  SEAL_ACTION,
  sha256Hex,
  type TrailEntry,
} from './trail.ts';

/**
 * The first broken place of a chain, named the way an auditor asks: which chain, which entry,
 * what the hash should have been and what was found, and what kind of break it is.
 */
export type BreakKind =
  /** An entry's content no longer hashes to the hash it carries (a field was changed). */
  | 'content-changed'
  /** A sequence number is missing (an entry was deleted). */
  | 'entry-missing'
  /** An entry does not point at the one before it (entries reordered or one inserted). */
  | 'link-broken'
  /** Entries stand at the wrong place (their sequence numbers were swapped or shifted). */
  | 'out-of-order'
  /** The chain does not end where its head says (an entry added or dropped at the end). */
  | 'head-mismatch'
  /** The chain differs from what was anchored at that entry (rewritten, hashes recomputed). */
  | 'rewritten'
  /** The chain ends before what was anchored (its head rolled back, later entries gone). */
  | 'rolled-back'
  /** An anchored chain is gone from the table (its whole item collection deleted). */
  | 'chain-removed'
  /** Something other than an export joined the chain after its seal, or the seal was lifted. */
  | 'seal-broken';

export interface Break {
  kind: BreakKind;
  chain: string;
  seq: number;
  expected?: string;
  found?: string;
  message: string;
}

const entryHash = (entry: TrailEntry) => {
  const { hash: _hash, ...body } = entry;
  return sha256Hex(canonicalJson(body));
};

/**
 * Checks one chain entry by entry, in constant memory (entries are fed in sequence order),
 * then against its head and the anchor. Stops at the first break (a skipped sequence number is
 * named once the rest of the chain shows whether it is missing or only out of order).
 */
export class ChainChecker {
  private previous: ChainHead = { seq: 0, hash: GENESIS_HASH };
  private count = 0;
  private broken: Break | undefined;
  /** The hash of the entry at the anchored sequence number, when reached. */
  private atAnchor: string | undefined;
  /**
   * A sequence number skipped (the entry at its place carries a later one): missing, unless an
   * entry carrying it comes later (then the entries were swapped: out of order).
   */
  private gap: { seq: number; found: number } | undefined;
  /** The entry that sealed the chain (close-out), once reached. */
  private sealedAt: number | undefined;

  constructor(
    readonly chain: string,
    private readonly anchored?: AnchoredHead,
  ) {}

  get entries(): number {
    return this.count;
  }

  get firstBreak(): Break | undefined {
    return this.broken;
  }

  /** The last entry that fitted the chain so far (seq 0 before the first). */
  get last(): ChainHead {
    return this.previous;
  }

  add(entry: TrailEntry): void {
    this.count++;
    if (this.broken) return;
    if (this.gap) {
      if (entry.seq === this.gap.seq)
        this.fail(
          'out-of-order',
          this.gap.seq,
          `entry ${this.gap.seq} carries sequence number ${this.gap.found}`,
        );
      return;
    }
    const expectedSeq = this.previous.seq + 1;
    const computed = entryHash(entry);
    if (entry.seq > expectedSeq) this.gap = { seq: expectedSeq, found: entry.seq };
    else if (entry.seq < expectedSeq)
      this.fail('out-of-order', expectedSeq, `entry ${expectedSeq} carries sequence number ${entry.seq}`);
    else if (computed !== entry.hash)
      this.fail(
        'content-changed',
        entry.seq,
        `entry ${entry.seq}: its content does not match its hash`,
        entry.hash,
        computed,
      );
    else if (entry.prevHash !== this.previous.hash)
      this.fail(
        'link-broken',
        entry.seq,
        `entry ${entry.seq} does not point at entry ${this.previous.seq}`,
        this.previous.hash,
        entry.prevHash,
      );
    else if (this.sealedAt !== undefined && !APPENDABLE_AFTER_SEAL.includes(entry.action))
      this.fail(
        'seal-broken',
        entry.seq,
        `entry ${entry.seq} (${entry.action}) joined the chain after its seal at entry ${this.sealedAt}`,
      );
    else {
      if (this.anchored && entry.seq === this.anchored.seq) this.atAnchor = entry.hash;
      if (entry.action === SEAL_ACTION) this.sealedAt = entry.seq;
      this.previous = { seq: entry.seq, hash: entry.hash };
    }
  }

  /** After the last entry: against the head (if the table still has one) and the anchor. */
  finish(head: (ChainHead & { sealed?: boolean }) | undefined): Break | undefined {
    if (this.gap && !this.broken)
      this.fail(
        'entry-missing',
        this.gap.seq,
        `entry ${this.gap.seq} is missing (the next one is ${this.gap.found})`,
      );
    if (this.broken) return this.broken;
    const anchored = this.anchored;
    if (!head && this.count === 0 && anchored)
      return this.fail(
        'chain-removed',
        anchored.seq,
        `the chain was anchored at entry ${anchored.seq} and is gone`,
        anchored.hash,
      );
    if (!head && this.count > 0)
      return this.fail(
        'head-mismatch',
        this.previous.seq,
        `the chain ends at ${this.previous.seq} but its head is gone`,
      );
    if (head && head.seq !== this.previous.seq)
      return this.fail(
        'head-mismatch',
        Math.min(head.seq, this.previous.seq) + 1,
        head.seq > this.previous.seq
          ? `the head says the chain ends at ${head.seq}, the last entry is ${this.previous.seq}`
          : `entries after ${head.seq} were added behind the head's back`,
      );
    if (head && this.sealedAt !== undefined && !head.sealed)
      return this.fail(
        'seal-broken',
        this.sealedAt,
        `the chain was sealed at entry ${this.sealedAt} but its head no longer says so`,
      );
    if (head && head.hash !== this.previous.hash)
      return this.fail(
        'head-mismatch',
        head.seq,
        `entry ${head.seq} is not the entry the head recorded`,
        head.hash,
        this.previous.hash,
      );
    if (anchored) {
      if (this.previous.seq < anchored.seq)
        return this.fail(
          'rolled-back',
          anchored.seq,
          `the chain ends at ${this.previous.seq} but was anchored at ${anchored.seq}`,
          anchored.hash,
        );
      if (this.atAnchor !== anchored.hash)
        return this.fail(
          'rewritten',
          anchored.seq,
          `entry ${anchored.seq} differs from the anchored one: the chain was rewritten`,
          anchored.hash,
          this.atAnchor,
        );
    }
    return undefined;
  }

  private fail(kind: BreakKind, seq: number, message: string, expected?: string, found?: string): Break {
    this.broken = {
      kind,
      chain: this.chain,
      seq,
      message,
      ...(expected ? { expected } : {}),
      ...(found ? { found } : {}),
    };
    return this.broken;
  }
}
