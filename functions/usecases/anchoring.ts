import { type Anchor, type AnchoredHead, foldHeads, headsChanged } from '../domain/anchor.ts';
import type { BreakKind } from '../domain/integrity.ts';
import { AnchorConflictError, type AnchorStore, type Ports, type Signer } from './ports.ts';
import { nowIso } from './shared.ts';

export type AnchorPorts = Pick<Ports, 'repository' | 'clock' | 'log'> & {
  anchors: AnchorStore;
  signer: Signer;
};

export interface AnchorReport {
  anchored: boolean;
  seq: number | null;
  chains: number;
  /** Chains held at their anchored head because the table no longer agrees with it. */
  problems: { chain: string; kind: BreakKind; anchoredSeq: number }[];
}

/**
 * Folds every chain's head into the next anchor, outside the table (on a schedule and at every
 * seal). A chain only moves on from what was anchored if its entry at the anchored place still
 * carries the anchored hash: a chain removed, rolled back or rewritten keeps its anchored head
 * (and is reported), so tampering is never laundered into a newer anchor.
 */
export async function anchorTrail(ports: AnchorPorts): Promise<AnchorReport> {
  const [latest, heads] = await Promise.all([ports.anchors.latest(), ports.repository.listHeads()]);
  const previous = latest?.anchor;
  const anchored = new Map((previous?.heads ?? []).map((h) => [h.chain, h]));
  const current = new Map(heads.map((h) => [h.chain, h]));
  const problems: AnchorReport['problems'] = [];
  const next: AnchoredHead[] = [];
  for (const chain of new Set([...anchored.keys(), ...current.keys()])) {
    const before = anchored.get(chain);
    const now = current.get(chain);
    const keep = (kind: BreakKind) => {
      problems.push({ chain, kind, anchoredSeq: before?.seq ?? 0 });
      if (before) next.push(before);
    };
    if (!before && now) next.push({ chain, seq: now.seq, hash: now.hash });
    else if (before && !now) keep('chain-removed');
    else if (before && now && now.seq < before.seq) keep('rolled-back');
    else if (before && now && now.seq === before.seq) {
      if (now.hash === before.hash) next.push(before);
      else keep('rewritten');
    } else if (before && now) {
      const entry = await ports.repository.getTrailEntry(chain, before.seq);
      if (entry?.hash === before.hash) next.push({ chain, seq: now.seq, hash: now.hash });
      else keep('rewritten');
    }
  }
  for (const problem of problems)
    ports.log.error('trail integrity: a chain no longer matches its anchor', problem);
  if (!headsChanged(previous, next)) return report(false, previous, next, problems);
  const anchor = foldHeads(previous, next, nowIso(ports));
  try {
    await ports.anchors.append({ anchor, signature: await ports.signer.sign(anchor) });
  } catch (error) {
    // Another anchoring won the same sequence number: the next run folds what moved since.
    if (error instanceof AnchorConflictError) return report(false, previous, next, problems);
    throw error;
  }
  return report(true, anchor, next, problems);
}

function report(
  anchored: boolean,
  anchor: Anchor | undefined,
  heads: AnchoredHead[],
  problems: AnchorReport['problems'],
): AnchorReport {
  return { anchored, seq: anchor?.seq ?? null, chains: heads.length, problems };
}
