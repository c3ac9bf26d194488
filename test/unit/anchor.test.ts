import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Anchor,
  type AnchoredHead,
  checkAnchorLink,
  foldHeads,
  headsChanged,
} from '../../functions/domain/anchor.ts';
import { CHAINS, canonicalJson, GENESIS_HASH, sha256Hex } from '../../functions/domain/trail.ts';

const AT = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-01T01:00:00.000Z';

const hex64 = (c: string) => c.repeat(64);
const HEADS: AnchoredHead[] = [
  { chain: CHAINS.project('b1c2d3e4-0000-4000-8000-000000000002'), seq: 4, hash: hex64('b') },
  { chain: CHAINS.access, seq: 7, hash: hex64('a') },
  { chain: CHAINS.project('a1c2d3e4-0000-4000-8000-000000000001'), seq: 2, hash: hex64('c') },
  { chain: CHAINS.intake, seq: 1, hash: hex64('d') },
];

/** The hash an anchor is meant to carry: sha256 of the canonical JSON of everything but `hash`. */
const anchorHash = (anchor: Anchor) => {
  const { hash: _hash, ...body } = anchor;
  return sha256Hex(canonicalJson(body));
};

const headArb: fc.Arbitrary<AnchoredHead> = fc.record({
  chain: fc.oneof(
    fc.uuid().map(CHAINS.project),
    fc.constantFrom(CHAINS.access, CHAINS.intake, CHAINS.people),
  ),
  seq: fc.integer({ min: 1, max: 10_000 }),
  hash: fc.stringMatching(/^[0-9a-f]{64}$/),
});
const headsArb = fc.uniqueArray(headArb, { selector: (h) => h.chain, maxLength: 12 });

describe('foldHeads', () => {
  it('starts the anchor chain at seq 1, pointing at the genesis hash, heads sorted by chain', () => {
    // Prepare
    const heads = HEADS;

    // Act
    const anchor = foldHeads(undefined, heads, AT);

    // Assess
    expect(anchor.seq).toBe(1);
    expect(anchor.prevHash).toBe(GENESIS_HASH);
    expect(anchor.at).toBe(AT);
    expect(anchor.heads.map((h) => h.chain)).toEqual([...heads.map((h) => h.chain)].sort());
    expect(anchor.hash).toBe(anchorHash(anchor));
    expect(anchor.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('links the next anchor to the one before it', () => {
    // Prepare
    const first = foldHeads(undefined, HEADS, AT);

    // Act
    const second = foldHeads(first, [...HEADS, { chain: CHAINS.people, seq: 1, hash: hex64('e') }], LATER);

    // Assess
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(anchorHash(second));
    expect(second.hash).not.toBe(first.hash);
    expect(checkAnchorLink(second, first)).toBeUndefined();
  });

  it('keeps only chain, seq and hash of each head (what a head record carries besides is not anchored)', () => {
    // Prepare
    const records = HEADS.map((h) => ({ ...h, at: LATER, sealed: true }));

    // Act
    const anchor = foldHeads(undefined, records, AT);

    // Assess
    expect(anchor).toEqual(foldHeads(undefined, HEADS, AT));
    for (const head of anchor.heads) expect(Object.keys(head).sort()).toEqual(['chain', 'hash', 'seq']);
  });

  it('does not change the heads it is given', () => {
    // Prepare
    const heads = structuredClone(HEADS);

    // Act
    foldHeads(undefined, heads, AT);

    // Assess
    expect(heads).toEqual(HEADS);
  });

  it('property: the same heads in any order fold into the same anchor', () => {
    fc.assert(
      fc.property(
        headsArb.chain((heads) =>
          fc.tuple(fc.constant(heads), fc.shuffledSubarray(heads, { minLength: heads.length })),
        ),
        fc.boolean(),
        ([heads, shuffled], withPrevious) => {
          // Prepare
          const previous = withPrevious ? foldHeads(undefined, HEADS, AT) : undefined;

          // Act
          const a = foldHeads(previous, heads, LATER);
          const b = foldHeads(previous, shuffled, LATER);

          // Assess
          expect(b).toEqual(a);
          expect(a.hash).toBe(anchorHash(a));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: any head changed changes the anchor hash', () => {
    fc.assert(
      fc.property(
        headsArb
          .filter((h) => h.length > 0)
          .chain((heads) => fc.tuple(fc.constant(heads), fc.nat(heads.length - 1))),
        fc.constantFrom('seq', 'hash', 'chain'),
        ([heads, i], field) => {
          // Prepare
          const changed = heads.map((h, j) =>
            j !== i
              ? h
              : field === 'seq'
                ? { ...h, seq: h.seq + 1 }
                : field === 'hash'
                  ? { ...h, hash: sha256Hex(h.hash) }
                  : { ...h, chain: `${h.chain}/x` },
          );

          // Act
          const a = foldHeads(undefined, heads, AT);
          const b = foldHeads(undefined, changed, AT);

          // Assess
          expect(b.hash).not.toBe(a.hash);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: a chain of anchors links, each checked against the one before it', () => {
    fc.assert(
      fc.property(fc.array(headsArb, { minLength: 1, maxLength: 6 }), (rounds) => {
        // Prepare
        let previous: Anchor | undefined;

        for (const [i, heads] of rounds.entries()) {
          // Act
          const anchor = foldHeads(previous, heads, new Date(Date.parse(AT) + i * 60_000).toISOString());

          // Assess
          expect(anchor.seq).toBe(i + 1);
          expect(checkAnchorLink(anchor, previous)).toBeUndefined();
          previous = anchor;
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('headsChanged', () => {
  const anchor = foldHeads(undefined, HEADS, AT);

  it('before the first anchor: changed when there is any head at all', () => {
    // Prepare — no previous anchor

    // Act
    const none = headsChanged(undefined, []);
    const some = headsChanged(undefined, HEADS);

    // Assess
    expect(none).toBe(false);
    expect(some).toBe(true);
  });

  it('unchanged for the same heads in another order', () => {
    // Prepare
    const reordered = [...HEADS].reverse();

    // Act
    const changed = headsChanged(anchor, reordered);

    // Assess
    expect(changed).toBe(false);
  });

  it('changed when a head moved, a chain was added, a chain is gone, or one was swapped for another', () => {
    // Prepare
    const [first, ...rest] = HEADS as [AnchoredHead, ...AnchoredHead[]];
    const moved = [{ ...first, seq: first.seq + 1, hash: hex64('f') }, ...rest];
    const added = [...HEADS, { chain: CHAINS.people, seq: 1, hash: hex64('e') }];
    const gone = rest;
    const swapped = [{ ...first, chain: CHAINS.people }, ...rest];

    // Act
    const results = [moved, added, gone, swapped].map((heads) => headsChanged(anchor, heads));

    // Assess
    expect(results).toEqual([true, true, true, true]);
  });
});

describe('checkAnchorLink', () => {
  const first = foldHeads(undefined, HEADS, AT);
  const second = foldHeads(first, HEADS.slice(1), LATER);
  const third = foldHeads(second, HEADS.slice(2), LATER);

  it('accepts the first anchor on its own and each later one against the one before it', () => {
    // Prepare — first, second, third

    // Act
    const results = [
      checkAnchorLink(first, undefined),
      checkAnchorLink(second, first),
      checkAnchorLink(third, second),
    ];

    // Assess
    expect(results).toEqual([undefined, undefined, undefined]);
  });

  it('accepts a later anchor whose predecessor is not at hand by its own hash (the latest one, as verification reads it)', () => {
    // Prepare — only the latest anchor is read (AnchorStore.latest)

    // Act
    const result = checkAnchorLink(third, undefined);

    // Assess
    expect(result).toBeUndefined();
  });

  it('names an anchor whose content was changed', () => {
    // Prepare
    const edited: Anchor = { ...second, heads: second.heads.map((h) => ({ ...h, seq: h.seq + 1 })) };

    // Act
    const result = checkAnchorLink(edited, first);
    const alone = checkAnchorLink(edited, undefined);

    // Assess
    expect(result).toBe('anchor 2: content does not match its hash');
    expect(alone).toBe('anchor 2: content does not match its hash');
  });

  it('names a missing anchor', () => {
    // Prepare — the second anchor is gone

    // Act
    const result = checkAnchorLink(third, first);

    // Assess
    expect(result).toBe('anchor 2 is missing');
  });

  it('names an anchor that points elsewhere (re-hashed so its own hash holds)', () => {
    // Prepare
    const { hash: _hash, ...body } = { ...second, prevHash: hex64('9') };
    const forged: Anchor = { ...body, hash: sha256Hex(canonicalJson(body)) };
    const { hash: _h1, ...firstBody } = { ...first, prevHash: hex64('9') };
    const forgedFirst: Anchor = { ...firstBody, hash: sha256Hex(canonicalJson(firstBody)) };

    // Act
    const result = checkAnchorLink(forged, first);
    const firstResult = checkAnchorLink(forgedFirst, undefined);

    // Assess
    expect(result).toBe('anchor 2: does not point at the anchor before it');
    expect(firstResult).toBe('anchor 1: does not start the chain');
  });

  it('names the anchor it expected when an older one follows a newer one', () => {
    // Prepare
    const replay = foldHeads(first, HEADS, LATER);

    // Act
    const result = checkAnchorLink(first, replay);

    // Assess
    expect(result).toBe('anchor 3 is missing');
  });
});
