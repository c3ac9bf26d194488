import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalSigner } from '../../functions/adapters/trail/local.ts';
import { type ExportRequest, exportHeader, exportRecord } from '../../functions/domain/export-format.ts';
import {
  EntriesDigest,
  type ExportManifest,
  type SignedManifest,
  verifyExport,
} from '../../functions/domain/manifest.ts';
import {
  SIGNING_ALGORITHM,
  type Signature,
  signedPayload,
  verifySignature,
} from '../../functions/domain/signing.ts';
import {
  appendAll,
  CHAINS,
  canonicalJson,
  type TrailEntry,
  type TrailEvent,
} from '../../functions/domain/trail.ts';
import { reverseKeys } from '../support/objects.ts';

/** A freshly generated P-256 key pair, and a signer as the KMS key and LocalSigner sign (DER, SHA-256). */
function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (document: unknown): Signature => ({
      algorithm: SIGNING_ALGORITHM,
      keyId: 'test-key',
      value: sign('sha256', signedPayload(document), { key: privateKey, dsaEncoding: 'der' }).toString(
        'base64',
      ),
    }),
  };
}

const key = keyPair();
const otherKey = keyPair();

const PROJECT = '0b7d3c2e-1f4a-4b5c-8d6e-7f8091a2b3c4';
const event = (chain: string, i: number, change: Partial<TrailEvent> = {}): TrailEvent => ({
  chain,
  subject: { projectId: PROJECT },
  at: new Date(Date.UTC(2030, 4, 1, 12, i)).toISOString(),
  actor: { type: 'person', id: 'pat.pmo@example.com', name: 'Pat "PMO", Admin' },
  action: 'decision.recorded',
  detail: { i, comment: i % 2 ? 'line one\nline two' : '=SUM(A1:A9)' },
  ...change,
});

/** Entries of two chains, in the order an export reads them. */
const ENTRIES: TrailEntry[] = [
  ...appendAll(
    undefined,
    [1, 2, 3].map((i) => event(CHAINS.project(PROJECT), i)),
  ),
  ...appendAll(
    undefined,
    [4, 5].map((i) => event(CHAINS.access, i, { subject: undefined, action: 'request.refused' })),
  ),
];

/** An export as the export job builds it: the file, and its manifest signed with `signer`. */
function buildExport(
  format: ExportRequest['format'],
  entries: readonly TrailEntry[] = ENTRIES,
  signer: (document: unknown) => Signature = key.sign,
  change: (manifest: ExportManifest) => ExportManifest = (m) => m,
): { file: Buffer; signed: SignedManifest } {
  const digest = new EntriesDigest();
  let text = exportHeader(format);
  for (const entry of entries) {
    digest.add(entry.hash);
    text += exportRecord(format, entry);
  }
  const file = Buffer.from(text, 'utf8');
  const manifest = change({
    kind: 'tollgate-trail-export',
    version: 1,
    exportId: '5c1e0d9a-8b7f-4e6d-9c5b-4a3f2e1d0c9b',
    format,
    filters: {},
    file: {
      name: `5c1e0d9a-8b7f-4e6d-9c5b-4a3f2e1d0c9b.${format}`,
      bytes: file.length,
      sha256: createHash('sha256').update(file).digest('hex'),
    },
    entries: { count: digest.count, digest: digest.digest() },
    heads: [],
    anchor: null,
    exportedBy: { type: 'person', id: 'cora.compliance@example.com' },
    exportedAt: '2030-05-02T00:00:00.000Z',
  });
  return { file, signed: { manifest, signature: signer(manifest) } };
}

const lines = (file: Buffer) => file.toString('utf8').split('\n').filter(Boolean);
const fromLines = (ls: string[]) => Buffer.from(ls.map((l) => `${l}\n`).join(''), 'utf8');
const sha256 = (file: Buffer) => createHash('sha256').update(file).digest('hex');

describe('signatures (ECDSA P-256, SHA-256, DER)', () => {
  const document = { kind: 'anchor', seq: 3, heads: [{ chain: 'access', seq: 2, hash: 'ab'.repeat(32) }] };

  it('round trip: a signature made with the private key verifies with the public key', () => {
    // Prepare
    const signature = key.sign(document);

    // Act
    const ok = verifySignature(document, signature, key.publicKeyPem);

    // Assess
    expect(ok).toBe(true);
    expect(signature.algorithm).toBe('ECDSA_SHA_256');
  });

  it('signs the canonical JSON: the same document with its keys in another order verifies', () => {
    // Prepare
    const signature = key.sign(document);

    // Act
    const ok = verifySignature(reverseKeys(document), signature, key.publicKeyPem);

    // Assess
    expect(ok).toBe(true);
    expect(signedPayload(document).toString('utf8')).toBe(canonicalJson(document));
  });

  it('rejects a changed document, a wrong key, a garbage signature, another algorithm, a broken key', () => {
    // Prepare
    const signature = key.sign(document);
    const changed = { ...document, seq: 4 };
    const garbage = (value: string): Signature => ({ ...signature, value });
    const raw = sign('sha256', signedPayload(document), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });

    // Act
    const results = {
      changed: verifySignature(changed, signature, key.publicKeyPem),
      wrongKey: verifySignature(document, signature, otherKey.publicKeyPem),
      empty: verifySignature(document, garbage(''), key.publicKeyPem),
      notBase64: verifySignature(document, garbage('%%% not base64 %%%'), key.publicKeyPem),
      randomBytes: verifySignature(
        document,
        garbage(Buffer.alloc(72, 7).toString('base64')),
        key.publicKeyPem,
      ),
      truncated: verifySignature(document, garbage(signature.value.slice(0, 20)), key.publicKeyPem),
      otherSignature: verifySignature(document, garbage(key.sign(changed).value), key.publicKeyPem),
      p1363: verifySignature(document, garbage(raw.toString('base64')), key.publicKeyPem),
      algorithm: verifySignature(
        document,
        { ...signature, algorithm: 'RSASSA_PSS_SHA_256' as typeof SIGNING_ALGORITHM },
        key.publicKeyPem,
      ),
      brokenKey: verifySignature(document, signature, 'not a PEM'),
      privateAsPublic: verifySignature(
        document,
        signature,
        (key.privateKey as KeyObject)
          .export({ type: 'pkcs8', format: 'pem' })
          .toString()
          .replace('PRIVATE', 'PUBLIC'),
      ),
    };

    // Assess
    expect(results).toEqual({
      changed: false,
      wrongKey: false,
      empty: false,
      notBase64: false,
      randomBytes: false,
      truncated: false,
      otherSignature: false,
      p1363: false,
      algorithm: false,
      brokenKey: false,
      privateAsPublic: false,
    });
  });

  it('property: any JSON document round-trips, and any change to it is rejected', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 5 }),
        (doc) => {
          // Prepare
          const signature = key.sign(doc);
          const changed = { ...doc, '\u0000changed': true };

          // Act
          const ok = verifySignature(JSON.parse(JSON.stringify(doc)), signature, key.publicKeyPem);
          const rejected = verifySignature(changed, signature, key.publicKeyPem);

          // Assess
          expect(ok).toBe(true);
          expect(rejected).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  describe('LocalSigner (the local runtime’s key)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-signer-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('signs so that its public key verifies, and keeps its key across instances', async () => {
      // Prepare
      const file = join(dir, 'keys', 'signing.pem');
      const signer = new LocalSigner(file);

      // Act
      const signature = await signer.sign(document);
      const again = new LocalSigner(file);

      // Assess
      expect(verifySignature(document, signature, await signer.publicKeyPem())).toBe(true);
      expect(await again.publicKeyPem()).toBe(await signer.publicKeyPem());
      expect(verifySignature(document, await again.sign(document), await signer.publicKeyPem())).toBe(true);
      expect(signature.keyId).toMatch(/^local:[0-9a-f]{16}$/);
      expect(verifySignature(document, signature, key.publicKeyPem)).toBe(false);
    });
  });
});

describe('verifyExport', () => {
  it.each<ExportRequest['format']>(['jsonl', 'csv'])(
    'a %s export verifies with the public key alone',
    (format) => {
      // Prepare
      const { file, signed } = buildExport(format);

      // Act
      const result = verifyExport(file, signed, key.publicKeyPem);

      // Assess
      expect(result).toEqual({ ok: true, count: ENTRIES.length });
    },
  );

  it('an empty export verifies', () => {
    // Prepare
    const { file, signed } = buildExport('jsonl', []);

    // Act
    const result = verifyExport(file, signed, key.publicKeyPem);

    // Assess
    expect(file.length).toBe(0);
    expect(result).toEqual({ ok: true, count: 0 });
  });

  it.each<ExportRequest['format']>(['jsonl', 'csv'])('%s: the wrong public key', (format) => {
    // Prepare
    const { file, signed } = buildExport(format);

    // Act
    const result = verifyExport(file, signed, otherKey.publicKeyPem);

    // Assess
    expect(result).toEqual({
      ok: false,
      problem: 'the manifest signature does not verify with this public key',
    });
  });

  it.each<ExportRequest['format']>(['jsonl', 'csv'])('%s: one byte of the file changed', (format) => {
    // Prepare
    const { file, signed } = buildExport(format);
    const changed = Buffer.from(file);
    const at = file.indexOf('pat.pmo');
    changed[at] = 'P'.charCodeAt(0);

    // Act
    const result = verifyExport(changed, signed, key.publicKeyPem);

    // Assess
    expect(result).toEqual({
      ok: false,
      problem: `the file's sha256 is ${sha256(changed)}, the manifest says ${signed.manifest.file.sha256}`,
    });
  });

  it('property: any one byte of the file changed is caught', () => {
    const { file, signed } = buildExport('jsonl');
    fc.assert(
      fc.property(fc.nat(file.length - 1), fc.integer({ min: 1, max: 255 }), (i, delta) => {
        // Prepare
        const changed = Buffer.from(file);
        changed[i] = ((changed[i] as number) + delta) % 256;

        // Act
        const result = verifyExport(changed, signed, key.publicKeyPem);

        // Assess
        expect(result).toMatchObject({ ok: false, problem: expect.stringContaining("the file's sha256 is") });
      }),
      { numRuns: 100 },
    );
  });

  it.each<ExportRequest['format']>(['jsonl', 'csv'])('%s: a line removed', (format) => {
    // Prepare
    const { file, signed } = buildExport(format);
    const text = file.toString('utf8');
    const separator = format === 'csv' ? '\r\n' : '\n';
    const second = text.indexOf(separator) + separator.length;
    const third = text.indexOf(separator, second) + separator.length;
    const removed = Buffer.from(text.slice(0, second) + text.slice(third), 'utf8');

    // Act
    const result = verifyExport(removed, signed, key.publicKeyPem);

    // Assess
    expect(result).toEqual({
      ok: false,
      problem: `the file has ${removed.length} bytes, the manifest says ${file.length}`,
    });
  });

  it.each<ExportRequest['format']>(['jsonl', 'csv'])('%s: the file truncated', (format) => {
    // Prepare
    const { file, signed } = buildExport(format);
    const truncated = file.subarray(0, file.length - 10);

    // Act
    const result = verifyExport(truncated, signed, key.publicKeyPem);

    // Assess
    expect(result).toEqual({
      ok: false,
      problem: `the file has ${file.length - 10} bytes, the manifest says ${file.length}`,
    });
  });

  it('jsonl: an entry edited and re-serialised (the manifest as signed)', () => {
    // Prepare
    const { file, signed } = buildExport('jsonl');
    const ls = lines(file);
    const entry = JSON.parse(ls[1] as string) as TrailEntry;
    ls[1] = canonicalJson({ ...entry, action: 'decision.forged' });
    const edited = fromLines(ls);

    // Act
    const result = verifyExport(edited, signed, key.publicKeyPem);

    // Assess
    expect(result).toEqual({
      ok: false,
      problem: `the file has ${edited.length} bytes, the manifest says ${file.length}`,
    });
  });

  it('jsonl: an entry edited to the same length and re-serialised', () => {
    // Prepare
    const { file, signed } = buildExport('jsonl');
    const ls = lines(file);
    const entry = JSON.parse(ls[1] as string) as TrailEntry;
    ls[1] = canonicalJson({ ...entry, action: 'decision.recordeX' });
    const edited = fromLines(ls);

    // Act
    const result = verifyExport(edited, signed, key.publicKeyPem);

    // Assess
    expect(edited.length).toBe(file.length);
    expect(result).toEqual({
      ok: false,
      problem: `the file's sha256 is ${sha256(edited)}, the manifest says ${signed.manifest.file.sha256}`,
    });
  });

  it('jsonl: an entry edited and the manifest made again for the edited file — signed with another key', () => {
    // Prepare
    const edited = ENTRIES.map((e) =>
      e.seq === 2 && e.chain === CHAINS.project(PROJECT) ? { ...e, action: 'forged' } : e,
    );
    const { file, signed } = buildExport('jsonl', edited, otherKey.sign);

    // Act
    const result = verifyExport(file, signed, key.publicKeyPem);

    // Assess
    expect(result).toEqual({
      ok: false,
      problem: 'the manifest signature does not verify with this public key',
    });
  });

  it('jsonl: the manifest edited after signing (its count, its sha256)', () => {
    // Prepare
    const { file, signed } = buildExport('jsonl');
    const count = {
      ...signed,
      manifest: { ...signed.manifest, entries: { ...signed.manifest.entries, count: 4 } },
    };
    const hash = {
      ...signed,
      manifest: { ...signed.manifest, file: { ...signed.manifest.file, sha256: sha256(Buffer.from('x')) } },
    };

    // Act
    const results = [verifyExport(file, count, key.publicKeyPem), verifyExport(file, hash, key.publicKeyPem)];

    // Assess
    expect(results).toEqual([
      { ok: false, problem: 'the manifest signature does not verify with this public key' },
      { ok: false, problem: 'the manifest signature does not verify with this public key' },
    ]);
  });

  it('jsonl: an export drawn from an already tampered trail names the entry that does not match its hash', () => {
    // Prepare: entry 2 of the project was edited in the table before the export ran
    const tampered = ENTRIES.map((e) =>
      e.seq === 2 && e.chain === CHAINS.project(PROJECT) ? { ...e, detail: { i: 2, comment: 'forged' } } : e,
    );
    const { file, signed } = buildExport('jsonl', tampered);

    // Act
    const result = verifyExport(file, signed, key.publicKeyPem);

    // Assess
    expect(result).toEqual({
      ok: false,
      problem: `line 2 (${CHAINS.project(PROJECT)} #2): the entry does not match its hash`,
    });
  });

  it('jsonl: a signed file with a line that is not JSON', () => {
    // Prepare
    const { signed: base } = buildExport('jsonl');
    const file = Buffer.from(`${exportRecord('jsonl', ENTRIES[0] as TrailEntry)}{not json\n`, 'utf8');
    const manifest = {
      ...base.manifest,
      file: { ...base.manifest.file, bytes: file.length, sha256: sha256(file) },
    };
    const signed = { manifest, signature: key.sign(manifest) };

    // Act
    const result = verifyExport(file, signed, key.publicKeyPem);

    // Assess
    expect(result).toEqual({ ok: false, problem: 'line 2 is not JSON' });
  });

  it('jsonl: a manifest that lists other entries than the file holds', () => {
    // Prepare
    const { file, signed } = buildExport('jsonl', ENTRIES, key.sign, (m) => ({
      ...m,
      entries: { count: m.entries.count, digest: 'f'.repeat(64) },
    }));
    const { file: fewer, signed: more } = buildExport('jsonl', ENTRIES.slice(1), key.sign, (m) => ({
      ...m,
      entries: { ...m.entries, count: m.entries.count + 1 },
    }));

    // Act
    const results = [
      verifyExport(file, signed, key.publicKeyPem),
      verifyExport(fewer, more, key.publicKeyPem),
    ];

    // Assess
    expect(results).toEqual([
      { ok: false, problem: 'the entries are not the ones the manifest lists' },
      { ok: false, problem: 'the entries are not the ones the manifest lists' },
    ]);
  });

  it('the manifest digest is the sha256 of the entry hashes, one per line, in file order', () => {
    // Prepare
    const digest = new EntriesDigest();

    // Act
    for (const entry of ENTRIES) digest.add(entry.hash);

    // Assess
    expect(digest.count).toBe(ENTRIES.length);
    expect(digest.digest()).toBe(sha256(Buffer.from(ENTRIES.map((e) => `${e.hash}\n`).join(''), 'utf8')));
  });
});
