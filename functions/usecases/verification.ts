import { checkAnchorLink } from '../domain/anchor.ts';
import { ChainChecker } from '../domain/integrity.ts';
import { verifySignature } from '../domain/signing.ts';
import type { ChainHead, TrailEntry } from '../domain/trail.ts';
import type { Verification } from './model.ts';
import type { AnchorReader, Ports, PublicKeySource, SignedAnchor } from './ports.ts';
import { readAhead } from './read-ahead.ts';
import { nowIso } from './shared.ts';

/** Verification only reads: the trail, the latest anchor and the public key (never the signing key). */
export type VerifyPorts = Pick<Ports, 'repository' | 'clock'> & {
  anchors: AnchorReader;
  signer: PublicKeySource;
};

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
 * to some chains (one project's). Stops at the first broken place and names it. Each chain's
 * entries and head come in one read, and the next chain's read is in flight while one is checked.
 */
export async function verifyTrail(
  ports: VerifyPorts,
  options: { chains?: string[] } = {},
): Promise<Verification> {
  const { signed, problem } = await latestAnchor(ports);
  const anchored = new Map((problem ? [] : (signed?.anchor.heads ?? [])).map((h) => [h.chain, h]));
  const chains =
    options.chains ??
    [...new Set([...(await ports.repository.listHeads()).map((h) => h.chain), ...anchored.keys()])].sort();
  let entries = 0;
  let checker: ChainChecker | undefined;
  let head: ChainRead['head'];
  for await (const read of readAhead(chainReads(ports, chains))) {
    if (checker?.chain !== read.chain) {
      checker = new ChainChecker(read.chain, anchored.get(read.chain));
      head = undefined;
    }
    if (!checker.firstBreak) for (const entry of read.entries) checker.add(entry);
    if (read.head) head = read.head;
    if (!read.done) continue;
    head = await readOn(ports, checker, head);
    entries += checker.entries;
    const broken = checker.finish(head);
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

interface ChainRead {
  chain: string;
  entries: TrailEntry[];
  head?: ChainHead & { sealed?: boolean };
  /** The chain's last read (also for a chain with no items left at all). */
  done: boolean;
}

async function* chainReads(
  ports: Pick<VerifyPorts, 'repository'>,
  chains: string[],
): AsyncIterable<ChainRead> {
  for (const chain of chains) {
    for await (const page of ports.repository.chainWithHead(chain)) yield { chain, ...page, done: false };
    yield { chain, entries: [], done: true };
  }
}

/**
 * Entries are appended while a chain is read, each moving the head in the same transaction:
 * a head past the entries read may only mean more came meanwhile. Reads on from the last entry
 * (a few times at most) before holding the chain to its head.
 */
async function readOn(
  ports: Pick<VerifyPorts, 'repository'>,
  checker: ChainChecker,
  head: ChainRead['head'],
): Promise<ChainRead['head']> {
  let current = head;
  for (let round = 0; round < 3; round++) {
    const from = checker.last.seq;
    // Only a chain read whole and in order so far can be read on from where it stopped.
    if (!current || checker.firstBreak || current.seq <= from || checker.entries !== from) return current;
    for await (const page of ports.repository.chainWithHead(checker.chain, from)) {
      for (const entry of page.entries) checker.add(entry);
      if (page.head) current = page.head;
    }
    if (checker.last.seq === from) return current;
  }
  return current;
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
