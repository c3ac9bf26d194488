import { canonicalJson, GENESIS_HASH, sha256Hex } from './trail.ts';

/** One chain's head as anchored: where the chain ended when the anchor was taken. */
export interface AnchoredHead {
  chain: string;
  seq: number;
  hash: string;
}

/**
 * An entry of the global anchor chain: the heads of every trail chain at one moment, linked
 * to the anchor before it. Written outside the table (S3 Object Lock on AWS, an append-only
 * file locally) and signed, so a chain rewritten, removed or rolled back in the table no
 * longer matches what was anchored.
 */
export interface Anchor {
  seq: number;
  at: string;
  /** Every chain's head, sorted by chain. */
  heads: AnchoredHead[];
  prevHash: string;
  hash: string;
}

function anchorHash(body: Omit<Anchor, 'hash'>): string {
  return sha256Hex(canonicalJson(body));
}

/** The next anchor over these heads. */
export function foldHeads(previous: Anchor | undefined, heads: readonly AnchoredHead[], at: string): Anchor {
  const sorted = [...heads]
    .map((h) => ({ chain: h.chain, seq: h.seq, hash: h.hash }))
    .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  const body = { seq: (previous?.seq ?? 0) + 1, at, heads: sorted, prevHash: previous?.hash ?? GENESIS_HASH };
  return { ...body, hash: anchorHash(body) };
}

/** Whether anything moved since the last anchor (nothing to anchor otherwise). */
export function headsChanged(previous: Anchor | undefined, heads: readonly AnchoredHead[]): boolean {
  if (!previous) return heads.length > 0;
  if (previous.heads.length !== heads.length) return true;
  const known = new Map(previous.heads.map((h) => [h.chain, h]));
  return heads.some((h) => known.get(h.chain)?.hash !== h.hash);
}

/**
 * An anchor's own hash, and — given the anchor before it — its link: the first problem, or
 * undefined. Without the previous anchor only the hash can be checked.
 */
export function checkAnchorLink(anchor: Anchor, previous: Anchor | undefined): string | undefined {
  const { hash, ...body } = anchor;
  if (anchorHash(body) !== hash) return `anchor ${anchor.seq}: content does not match its hash`;
  if (!previous)
    return anchor.seq === 1 && anchor.prevHash !== GENESIS_HASH
      ? `anchor 1: does not start the chain`
      : undefined;
  if (anchor.seq !== previous.seq + 1) return `anchor ${previous.seq + 1} is missing`;
  if (anchor.prevHash !== previous.hash)
    return `anchor ${anchor.seq}: does not point at the anchor before it`;
  return undefined;
}
