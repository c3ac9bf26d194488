// The trail's storage on one machine: a signing key, an append-only anchor file and a folder of
// exports, all under the data dir (ADR 0010). AWS uses KMS and S3 instead (aws.ts).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { appendFile, open, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { SIGNING_ALGORITHM, type Signature, signedPayload } from '../../domain/signing.ts';
import {
  AnchorConflictError,
  type AnchorStore,
  type ExportLinks,
  type ExportStore,
  type ExportWriter,
  type SignedAnchor,
  type Signer,
} from '../../usecases/ports.ts';

/** An EC P-256 key kept in a file (mode 0600), made on first use. */
export class LocalSigner implements Signer {
  private key: { privatePem: string; publicPem: string; keyId: string } | undefined;

  constructor(private readonly file: string) {}

  async sign(document: unknown): Promise<Signature> {
    const key = await this.load();
    const value = sign('sha256', signedPayload(document), {
      key: createPrivateKey(key.privatePem),
      dsaEncoding: 'der',
    });
    return { algorithm: SIGNING_ALGORITHM, keyId: key.keyId, value: value.toString('base64') };
  }

  async publicKeyPem(): Promise<string> {
    return (await this.load()).publicPem;
  }

  private async load() {
    if (this.key) return this.key;
    let privatePem: string;
    try {
      privatePem = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      try {
        await writeFile(this.file, privatePem, { mode: 0o600, flag: 'wx' });
      } catch (raced) {
        if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
        privatePem = await readFile(this.file, 'utf8');
      }
    }
    const publicKey = createPublicKey(privatePem);
    const der = publicKey.export({ type: 'spki', format: 'der' });
    this.key = {
      privatePem,
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      keyId: `local:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`,
    };
    return this.key;
  }
}

/** Anchors appended as JSON lines to one file; the next one must follow the last. */
export class FileAnchorStore implements AnchorStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async latest(): Promise<SignedAnchor | undefined> {
    const line = await lastLine(this.file);
    return line ? (JSON.parse(line) as SignedAnchor) : undefined;
  }

  append(signed: SignedAnchor): Promise<void> {
    // One writer at a time in this process; the sequence check refuses a second anchor of the same seq.
    const next = this.writing.then(async () => {
      const latest = await this.latest();
      if (signed.anchor.seq !== (latest?.anchor.seq ?? 0) + 1)
        throw new AnchorConflictError(
          `anchor ${signed.anchor.seq} does not follow ${latest?.anchor.seq ?? 0}`,
        );
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      await appendFile(this.file, `${JSON.stringify(signed)}\n`, { mode: 0o600 });
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}

/** The last non-empty line of a file, read from its end. */
async function lastLine(file: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let tail = '';
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - 65536);
      const buffer = Buffer.alloc(end - start);
      await handle.read(buffer, 0, buffer.length, start);
      tail = buffer.toString('utf8') + tail;
      const lines = tail.split('\n').filter((l) => l.trim().length > 0);
      if (lines.length > 1 || start === 0) return lines[lines.length - 1];
      end = start;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Exports as files in a folder, downloaded from the local console (loopback). */
export class FileExportStore implements ExportStore, ExportLinks {
  constructor(
    private readonly dir: string,
    private readonly baseUrl: string,
  ) {}

  open(name: string): ExportWriter {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const stream = createWriteStream(join(this.dir, name), { mode: 0o600, flags: 'wx' });
    return {
      write: async (chunk) => {
        // `once` takes its listeners off again (drain and error), however often it waits.
        if (!stream.write(chunk)) await once(stream, 'drain');
      },
      close: async () => {
        stream.end();
        await finished(stream);
      },
    };
  }

  async put(name: string, body: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.dir, name), body, { mode: 0o600, flag: 'wx' });
  }

  async link(name: string): Promise<string> {
    return `${this.baseUrl}/${encodeURIComponent(name)}`;
  }
}
