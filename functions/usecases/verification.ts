import { checkAnchorLink } from '../domain/anchor.ts';
import { ChainChecker } from '../domain/integrity.ts';
import { verifySignature } from '../domain/signing.ts';
import type { ChainHead } from '../domain/trail.ts';
import type { Verification } from './model.ts';
import type { AnchorStore, Ports, SignedAnchor, Signer } from './ports.ts';
import { nowIso } from './shared.ts';

export type VerifyPorts = Pick<Ports, 'repository' | 'clock'> & { anchors: AnchorStore; signer: Signer };

/** The latest anchor, and whether its signature and its own hash hold. */
export async function latestAnchor(ports: VerifyPorts): Promise<{ signed?: SignedAnchor; problem?: string }> {
  const signed = await ports.anchors.latest();
  if (!signed) return {};
  if (!verifySignature(signed.anchor, signed.signature, await ports.signer.publicKeyPem()))
    return { signed, problem: `anchor ${signed.anchor.seq}: its signature does not verify` };
  const link = checkAnchorLink(signed.anchor, undefined);
  return link ? { signed, problem: link } : { signed };
}

/**
 * Verifies the trail: every chain, entry by entry (constant memory), against its head and the
 * latest anchor — including chains the anchor knows and the table has lost. `chains` limits it
 * to some chains (one project's). Stops at the first broken place and names it.
 */
export async function verifyTrail(
  ports: VerifyPorts,
  options: { chains?: string[] } = {},
): Promise<Verification> {
  const { signed, problem } = await latestAnchor(ports);
  const anchored = new Map((problem ? [] : (signed?.anchor.heads ?? [])).map((h) => [h.chain, h]));
  const heads = new Map((await ports.repository.listHeads()).map((h) => [h.chain, h]));
  const chains = options.chains ?? [...new Set([...heads.keys(), ...anchored.keys()])].sort();
  let entries = 0;
  for (const chain of chains) {
    const checker = new ChainChecker(chain, anchored.get(chain));
    // The head read (consistently) just before and just after the entries: appends go on while a
    // chain is read, each moving the head in the same transaction as its entries.
    const before = await ports.repository.getTrailHead(chain);
    for await (const page of ports.repository.chainPages(chain)) {
      for (const entry of page) checker.add(entry);
      if (checker.firstBreak) break;
    }
    const after = await ports.repository.getTrailHead(chain);
    entries += checker.entries;
    const broken = checker.finish(headToCheck(checker.last, before, after));
    if (broken)
      return result(ports, {
        ok: false,
        chains: chains.length,
        entries,
        signed,
        problem,
        firstBreak: broken,
      });
  }
  return result(ports, { ok: !problem, chains: chains.length, entries, signed, problem });
}

/**
 * The head a chain's entries are held to. If it did not move while they were read, that head. If
 * it moved on and the entries end between the two heads, later entries were appended meanwhile:
 * the entries read end where they end (the next verification holds them to a head). Otherwise
 * (entries past the later head, or short of the earlier one) the head read after.
 */
function headToCheck(last: ChainHead, before: ChainHead | undefined, after: ChainHead | undefined) {
  if (before?.seq === after?.seq && before?.hash === after?.hash) return after;
  if ((before?.seq ?? 0) <= last.seq && last.seq <= (after?.seq ?? 0)) return last;
  return after;
}

function result(
  ports: Pick<Ports, 'clock'>,
  r: {
    ok: boolean;
    chains: number;
    entries: number;
    signed: SignedAnchor | undefined;
    problem: string | undefined;
    firstBreak?: Verification['firstBreak'];
  },
): Verification {
  return {
    ok: r.ok,
    chains: r.chains,
    entries: r.entries,
    anchor: r.signed
      ? {
          seq: r.signed.anchor.seq,
          at: r.signed.anchor.at,
          ok: !r.problem,
          ...(r.problem ? { problem: r.problem } : {}),
        }
      : null,
    ...(r.firstBreak ? { firstBreak: r.firstBreak } : {}),
    checkedAt: nowIso(ports),
  };
}
