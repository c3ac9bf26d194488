import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnchoredHead } from '../../functions/domain/anchor.ts';
import { type Break, ChainChecker } from '../../functions/domain/integrity.ts';
import {
  appendAll,
  appendTo,
  CHAINS,
  type ChainHead,
  canonicalJson,
  sha256Hex,
  type TrailEntry,
  type TrailEvent,
} from '../../functions/domain/trail.ts';

const CHAIN = CHAINS.project('7d6c1c55-2a41-4f55-9c0e-3b1f0b0c1a01');

const event = (i: number, chain = CHAIN): TrailEvent => ({
  chain,
  subject: { projectId: '7d6c1c55-2a41-4f55-9c0e-3b1f0b0c1a01', gateId: 'scoping', sequence: 1 },
  at: new Date(Date.UTC(2030, 0, 1, 9, i)).toISOString(),
  actor: { type: 'person', id: 'sam.sponsor@example.com' },
  action: 'note.added',
  detail: { i, note: `entry ${i}` },
});

/** A chain of `n` entries, seq 1..n. */
const chainOf = (n: number, chain = CHAIN): TrailEntry[] =>
  appendAll(
    undefined,
    Array.from({ length: n }, (_, i) => event(i + 1, chain)),
  );

const headOf = (entries: readonly TrailEntry[]): ChainHead | undefined => {
  const last = entries.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : undefined;
};

const anchorAt = (entries: readonly TrailEntry[], seq: number, chain = CHAIN): AnchoredHead => {
  const entry = entries[seq - 1] as TrailEntry;
  return { chain, seq: entry.seq, hash: entry.hash };
};

/** What an entry's content hashes to (whatever hash it carries). */
const contentHash = (entry: TrailEntry): string => {
  const { hash: _hash, ...body } = entry;
  return sha256Hex(canonicalJson(body));
};

/** The entry with its own hash recomputed (a tamperer who knows how entries are hashed). */
const rehash = (entry: TrailEntry): TrailEntry => ({ ...entry, hash: contentHash(entry) });

const at = (entries: readonly TrailEntry[], seq: number) => entries[seq - 1] as TrailEntry;

/** Feeds the entries in order, then finishes against the head. */
function check(
  entries: readonly TrailEntry[],
  head: ChainHead | undefined,
  anchored?: AnchoredHead,
): { broken: Break | undefined; checker: ChainChecker } {
  const checker = new ChainChecker(CHAIN, anchored);
  for (const entry of entries) checker.add(entry);
  return { broken: checker.finish(head), checker };
}

describe('ChainChecker: an intact chain', () => {
  it('passes entry by entry, against its head and an anchor at its end', () => {
    // Prepare
    const entries = chainOf(5);

    // Act
    const { broken, checker } = check(entries, headOf(entries), anchorAt(entries, 5));

    // Assess
    expect(broken).toBeUndefined();
    expect(checker.firstBreak).toBeUndefined();
    expect(checker.entries).toBe(5);
    expect(checker.chain).toBe(CHAIN);
  });

  it('passes an empty chain that has no head and was never anchored', () => {
    // Prepare
    const checker = new ChainChecker(CHAIN);

    // Act
    const broken = checker.finish(undefined);

    // Assess
    expect(broken).toBeUndefined();
    expect(checker.entries).toBe(0);
  });

  it('property: any chain passes against its head and an anchor at any of its entries', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 25 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }))),
        fc.boolean(),
        ([n, anchoredSeq], withAnchor) => {
          // Prepare
          const entries = chainOf(n);

          // Act
          const { broken, checker } = check(
            entries,
            headOf(entries),
            withAnchor ? anchorAt(entries, anchoredSeq) : undefined,
          );

          // Assess
          expect(broken).toBeUndefined();
          expect(checker.entries).toBe(n);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('ChainChecker: each kind of break, named with its place and hashes', () => {
  it('content-changed: a field edited in place; expected is the hash it carries, found what it hashes to', () => {
    // Prepare
    const entries = chainOf(5);
    const edited = { ...at(entries, 3), detail: { i: 3, note: 'forged' } };
    const tampered = entries.map((e) => (e.seq === 3 ? edited : e));

    // Act
    const { broken } = check(tampered, headOf(entries));

    // Assess
    expect(broken).toEqual({
      kind: 'content-changed',
      chain: CHAIN,
      seq: 3,
      expected: at(entries, 3).hash,
      found: contentHash(edited),
      message: 'entry 3: its content does not match its hash',
    });
    expect(broken?.found).not.toBe(broken?.expected);
  });

  it('content-changed: a carried hash replaced (the content no longer matches it)', () => {
    // Prepare
    const entries = chainOf(4);
    const forged = 'f'.repeat(64);
    const tampered = entries.map((e) => (e.seq === 2 ? { ...e, hash: forged } : e));

    // Act
    const { broken } = check(tampered, headOf(entries));

    // Assess
    expect(broken).toMatchObject({
      kind: 'content-changed',
      seq: 2,
      expected: forged,
      found: at(entries, 2).hash,
    });
  });

  it('entry-missing: an entry deleted from the middle', () => {
    // Prepare
    const entries = chainOf(5);
    const tampered = entries.filter((e) => e.seq !== 3);

    // Act
    const { broken, checker } = check(tampered, headOf(entries));

    // Assess
    expect(broken).toEqual({
      kind: 'entry-missing',
      chain: CHAIN,
      seq: 3,
      message: 'entry 3 is missing (the next one is 4)',
    });
    expect(checker.entries).toBe(4);
  });

  it('entry-missing: the first entry deleted', () => {
    // Prepare
    const entries = chainOf(3);

    // Act
    const { broken } = check(entries.slice(1), headOf(entries));

    // Assess
    expect(broken).toMatchObject({ kind: 'entry-missing', seq: 1 });
  });

  it('out-of-order: two entries swapped (each keeps its own sequence number and hash)', () => {
    // Prepare
    const entries = chainOf(5);
    const tampered = [at(entries, 1), at(entries, 3), at(entries, 2), at(entries, 4), at(entries, 5)];

    // Act
    const { broken } = check(tampered, headOf(entries));

    // Assess
    expect(broken).toEqual({
      kind: 'out-of-order',
      chain: CHAIN,
      seq: 2,
      message: 'entry 2 carries sequence number 3',
    });
  });

  it('out-of-order: entries far apart swapped', () => {
    // Prepare
    const entries = chainOf(6);
    const order = [1, 5, 3, 4, 2, 6];

    // Act
    const { broken } = check(
      order.map((seq) => at(entries, seq)),
      headOf(entries),
    );

    // Assess
    expect(broken).toMatchObject({
      kind: 'out-of-order',
      seq: 2,
      message: 'entry 2 carries sequence number 5',
    });
  });

  it('out-of-order: an entry repeated (its sequence number stands at the next place)', () => {
    // Prepare
    const entries = chainOf(4);
    const tampered = [at(entries, 1), at(entries, 2), at(entries, 2), at(entries, 3), at(entries, 4)];

    // Act
    const { broken } = check(tampered, headOf(entries));

    // Assess
    expect(broken).toEqual({
      kind: 'out-of-order',
      chain: CHAIN,
      seq: 3,
      message: 'entry 3 carries sequence number 2',
    });
  });

  it('property: swapping any two entries is out-of-order at the first of them, deleting any one is entry-missing', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 3, max: 20 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 2, maxLength: 2 }),
              fc.integer({ min: 1, max: n - 1 }),
            ),
          ),
        ([n, pair, deleted]) => {
          // Prepare
          const entries = chainOf(n);
          const [i, j] = [Math.min(...pair), Math.max(...pair)];
          const swapped = entries.map((e) =>
            e.seq === i ? at(entries, j) : e.seq === j ? at(entries, i) : e,
          );
          const gap = entries.filter((e) => e.seq !== deleted);

          // Act
          const afterSwap = check(swapped, headOf(entries)).broken;
          const afterDelete = check(gap, headOf(entries)).broken;

          // Assess
          expect(afterSwap).toMatchObject({ kind: 'out-of-order', seq: i });
          expect(afterDelete).toMatchObject({ kind: 'entry-missing', seq: deleted });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('link-broken: an entry inserted in the middle, later ones renumbered and re-hashed', () => {
    // Prepare: a forged entry 3 that fits entry 2; old 3..5 move to 4..6 with their own hashes redone
    const entries = chainOf(5);
    const forged = appendTo(
      { seq: 2, hash: at(entries, 2).hash },
      { ...event(99), action: 'decision.recorded' },
    );
    const shifted = entries.slice(2).map((e) => rehash({ ...e, seq: e.seq + 1 }));
    const tampered = [at(entries, 1), at(entries, 2), forged, ...shifted];

    // Act
    const { broken } = check(tampered, headOf(tampered));

    // Assess
    expect(broken).toEqual({
      kind: 'link-broken',
      chain: CHAIN,
      seq: 4,
      expected: forged.hash,
      found: at(entries, 2).hash,
      message: 'entry 4 does not point at entry 3',
    });
  });

  it('link-broken: two entries swapped, renumbered and re-hashed', () => {
    // Prepare
    const entries = chainOf(4);
    const tampered = [
      at(entries, 1),
      rehash({ ...at(entries, 3), seq: 2 }),
      rehash({ ...at(entries, 2), seq: 3 }),
      at(entries, 4),
    ];

    // Act
    const { broken } = check(tampered, headOf(entries));

    // Assess
    expect(broken).toMatchObject({
      kind: 'link-broken',
      seq: 2,
      expected: at(entries, 1).hash,
      found: at(entries, 2).hash,
    });
  });

  it('head-mismatch: the last entry deleted (the head says the chain goes on)', () => {
    // Prepare
    const entries = chainOf(5);

    // Act
    const { broken } = check(entries.slice(0, 4), headOf(entries));

    // Assess
    expect(broken).toEqual({
      kind: 'head-mismatch',
      chain: CHAIN,
      seq: 5,
      message: 'the head says the chain ends at 5, the last entry is 4',
    });
  });

  it("head-mismatch: an entry added behind the head's back", () => {
    // Prepare
    const entries = chainOf(5);

    // Act
    const { broken } = check(entries, headOf(entries.slice(0, 3)));

    // Assess
    expect(broken).toEqual({
      kind: 'head-mismatch',
      chain: CHAIN,
      seq: 4,
      message: "entries after 3 were added behind the head's back",
    });
  });

  it('head-mismatch: the head names another hash for the last entry', () => {
    // Prepare
    const entries = chainOf(3);
    const head = { seq: 3, hash: 'e'.repeat(64) };

    // Act
    const { broken } = check(entries, head);

    // Assess
    expect(broken).toEqual({
      kind: 'head-mismatch',
      chain: CHAIN,
      seq: 3,
      expected: head.hash,
      found: at(entries, 3).hash,
      message: 'entry 3 is not the entry the head recorded',
    });
  });

  it('head-mismatch: the head gone, the entries still there', () => {
    // Prepare
    const entries = chainOf(4);

    // Act
    const anchored = check(entries, undefined, anchorAt(entries, 4)).broken;
    const unanchored = check(entries, undefined).broken;

    // Assess
    expect(anchored).toEqual({
      kind: 'head-mismatch',
      chain: CHAIN,
      seq: 4,
      message: 'the chain ends at 4 but its head is gone',
    });
    expect(unanchored).toEqual(anchored);
  });

  it('head-mismatch: every entry gone but the head', () => {
    // Prepare
    const entries = chainOf(3);

    // Act
    const { broken } = check([], headOf(entries));

    // Assess
    expect(broken).toMatchObject({ kind: 'head-mismatch', seq: 1 });
  });

  it('rewritten: rewritten from the middle with every later hash and the head recomputed — only the anchor tells', () => {
    // Prepare
    const entries = chainOf(6);
    const anchored = anchorAt(entries, 5);
    const events = entries.map(({ seq: _s, prevHash: _p, hash: _h, ...e }) => e as TrailEvent);
    const rewritten = appendAll(
      headOf(entries.slice(0, 2)),
      events.slice(2).map((e, i) => (i === 0 ? { ...e, detail: { i: 3, note: 'rewritten' } } : e)),
    );
    const tampered = [...entries.slice(0, 2), ...rewritten];

    // Act
    const withoutAnchor = check(tampered, headOf(tampered)).broken;
    const { broken } = check(tampered, headOf(tampered), anchored);

    // Assess
    expect(withoutAnchor).toBeUndefined();
    expect(broken).toEqual({
      kind: 'rewritten',
      chain: CHAIN,
      seq: 5,
      expected: anchored.hash,
      found: at(tampered, 5).hash,
      message: 'entry 5 differs from the anchored one: the chain was rewritten',
    });
  });

  it('rolled-back: the head restored to an earlier entry and the later entries deleted', () => {
    // Prepare
    const entries = chainOf(6);
    const anchored = anchorAt(entries, 5);
    const kept = entries.slice(0, 3);

    // Act
    const { broken } = check(kept, headOf(kept), anchored);

    // Assess
    expect(broken).toEqual({
      kind: 'rolled-back',
      chain: CHAIN,
      seq: 5,
      expected: anchored.hash,
      message: 'the chain ends at 3 but was anchored at 5',
    });
  });

  it('chain-removed: every entry and the head gone, the anchor remembers it', () => {
    // Prepare
    const entries = chainOf(4);
    const anchored = anchorAt(entries, 4);

    // Act
    const { broken } = check([], undefined, anchored);

    // Assess
    expect(broken).toEqual({
      kind: 'chain-removed',
      chain: CHAIN,
      seq: 4,
      expected: anchored.hash,
      message: 'the chain was anchored at entry 4 and is gone',
    });
  });
});

describe('ChainChecker: the first break is the one named', () => {
  it('stops judging at the first break but still counts every entry fed', () => {
    // Prepare
    const entries = chainOf(6);
    const tampered = entries.map((e) => (e.seq === 2 || e.seq === 5 ? { ...e, action: 'forged' } : e));
    const checker = new ChainChecker(CHAIN, anchorAt(entries, 6));

    // Act
    for (const entry of tampered) checker.add(entry);
    const broken = checker.finish({ seq: 1, hash: 'x' });

    // Assess
    expect(broken).toMatchObject({ kind: 'content-changed', seq: 2 });
    expect(checker.firstBreak).toBe(broken);
    expect(checker.entries).toBe(6);
  });

  it('a break in the entries wins over the head and the anchor', () => {
    // Prepare
    const entries = chainOf(5);
    const tampered = entries.filter((e) => e.seq !== 2);

    // Act
    const { broken } = check(tampered, { seq: 9, hash: 'x' }, anchorAt(entries, 5));

    // Assess
    expect(broken).toMatchObject({ kind: 'entry-missing', seq: 2 });
  });

  it('property: any one field of any one entry edited in place is content-changed at that entry', () => {
    const edits: Record<string, (e: TrailEntry) => TrailEntry> = {
      action: (e) => ({ ...e, action: `${e.action}.forged` }),
      at: (e) => ({ ...e, at: new Date(Date.parse(e.at) + 1).toISOString() }),
      actor: (e) => ({ ...e, actor: { ...e.actor, id: `x${e.actor.id}` } }),
      detail: (e) => ({ ...e, detail: { ...e.detail, extra: true } }),
      subject: (e) => ({ ...e, subject: undefined }),
      chain: (e) => ({ ...e, chain: `${e.chain}x` }),
    };
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 15 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }), fc.constantFrom(...Object.keys(edits))),
          ),
        ([n, seq, field]) => {
          // Prepare
          const entries = chainOf(n);
          const edit = edits[field] as (e: TrailEntry) => TrailEntry;
          const tampered = entries.map((e) => (e.seq === seq ? edit(e) : e));

          // Act
          const { broken } = check(tampered, headOf(entries), anchorAt(entries, n));

          // Assess
          expect(broken).toMatchObject({
            kind: 'content-changed',
            seq,
            expected: at(entries, seq).hash,
            found: contentHash(at(tampered, seq)),
          });
        },
      ),
      { numRuns: 80 },
    );
  });
});
