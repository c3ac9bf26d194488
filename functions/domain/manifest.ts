import { createHash } from 'node:crypto';
import type { Anchor, AnchoredHead } from './anchor.ts';
import type { ExportFilters, ExportRequest } from './export-format.ts';
import { type Signature, verifySignature } from './signing.ts';
import { canonicalJson, sha256Hex, type TrailActor, type TrailEntry } from './trail.ts';

/** What an export file is, signed with the anchors' key so it can be checked offline. */
export interface ExportManifest {
  kind: 'tollgate-trail-export';
  version: 1;
  exportId: string;
  format: ExportRequest['format'];
  filters: ExportFilters;
  file: { name: string; bytes: number; sha256: string };
  /** How many entries, and the sha256 of their hashes, one per line, in file order. */
  entries: { count: number; digest: string };
  /** The heads of the chains the export drew from, as they were when it ran. */
  heads: AnchoredHead[];
  /** The latest anchor when the export ran (null before the first one). */
  anchor: Pick<Anchor, 'seq' | 'at' | 'hash'> | null;
  exportedBy: TrailActor;
  exportedAt: string;
}

export interface SignedManifest {
  manifest: ExportManifest;
  signature: Signature;
}

/** The running digest of entry hashes that a manifest signs. */
export class EntriesDigest {
  private readonly hash = createHash('sha256');
  count = 0;
  add(entryHash: string): void {
    this.hash.update(`${entryHash}\n`);
    this.count++;
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

export type ExportCheck = { ok: true; count: number } | { ok: false; problem: string };

/**
 * Offline verification of an export with nothing but the public key: the manifest's
 * signature, the file's size and sha256, and — for JSON Lines, which keep each entry exactly
 * as chained — every entry's hash and the digest of them all.
 */
export function verifyExport(file: Buffer, signed: SignedManifest, publicKeyPem: string): ExportCheck {
  const { manifest, signature } = signed;
  if (!verifySignature(manifest, signature, publicKeyPem))
    return { ok: false, problem: 'the manifest signature does not verify with this public key' };
  if (file.length !== manifest.file.bytes)
    return {
      ok: false,
      problem: `the file has ${file.length} bytes, the manifest says ${manifest.file.bytes}`,
    };
  const sha256 = createHash('sha256').update(file).digest('hex');
  if (sha256 !== manifest.file.sha256)
    return {
      ok: false,
      problem: `the file's sha256 is ${sha256}, the manifest says ${manifest.file.sha256}`,
    };
  if (manifest.format !== 'jsonl') return { ok: true, count: manifest.entries.count };
  const digest = new EntriesDigest();
  const lines = file
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0);
  for (const [i, line] of lines.entries()) {
    let entry: TrailEntry;
    try {
      entry = JSON.parse(line) as TrailEntry;
    } catch {
      return { ok: false, problem: `line ${i + 1} is not JSON` };
    }
    if (!entry || typeof entry !== 'object' || typeof entry.hash !== 'string')
      return { ok: false, problem: `line ${i + 1} is not a trail entry` };
    const { hash, ...body } = entry;
    if (sha256Hex(canonicalJson(body)) !== hash)
      return {
        ok: false,
        problem: `line ${i + 1} (${entry.chain} #${entry.seq}): the entry does not match its hash`,
      };
    digest.add(hash);
  }
  if (digest.count !== manifest.entries.count || digest.digest() !== manifest.entries.digest)
    return { ok: false, problem: 'the entries are not the ones the manifest lists' };
  return { ok: true, count: digest.count };
}
