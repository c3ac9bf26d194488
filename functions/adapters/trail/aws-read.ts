// What the compliance routes read of the trail's AWS storage: presigned links to exports, the
// latest anchor and the KMS public key. Each is one SigV4-signed request, signed here with the
// SDK's own signer rather than by the S3 and KMS clients, which would add ~160 KiB to an HTTP
// function that writes to neither (ADR 0011). The export job and the anchoring task keep the clients.

import { formatUrl } from '@aws-sdk/core/util';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AnchorReader, ExportLinks, PublicKeySource, SignedAnchor } from '../../usecases/ports.ts';
import { AwsJsonApi, type Credentials, signerFor } from '../aws-signed.ts';

/** How long a download link stays valid: long enough to click, short enough not to be shared. */
export const LINK_SECONDS = 900;
const TIMEOUT_MS = 5000;

/** The DER public key KMS returns (base64), as PEM. */
export function pemFromDer(base64: string): string {
  return `-----BEGIN PUBLIC KEY-----\n${base64.replace(/.{64}/g, '$&\n').trim()}\n-----END PUBLIC KEY-----\n`;
}

/** RFC 3986 for one path segment, as the S3 client encodes an object key. */
const segment = (part: string) =>
  encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * GETs of objects in one bucket, presigned as `getSignedUrl` of the S3 client presigns them (a
 * test pins it byte for byte): handed out as download links, or fetched here to read an object.
 */
export class PresignedObjects {
  private readonly signer: SignatureV4;
  private readonly origin: URL;
  private readonly now: () => Date;

  constructor(
    bucket: string,
    region: string,
    options: {
      credentials?: Credentials;
      now?: () => Date;
      /** Tests only: where the bucket answers, instead of `https://<bucket>.s3.<region>.amazonaws.com`. */
      origin?: string;
    } = {},
  ) {
    this.origin = new URL(options.origin ?? `https://${bucket}.s3.${region}.amazonaws.com`);
    this.now = options.now ?? (() => new Date());
    this.signer = signerFor('s3', region, {
      credentials: options.credentials,
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  async url(key: string, expiresIn = LINK_SECONDS): Promise<string> {
    const { protocol, hostname, host, port } = this.origin;
    const presigned = await this.signer.presign(
      {
        method: 'GET',
        protocol,
        hostname,
        ...(port ? { port: Number(port) } : {}),
        path: `/${key.split('/').map(segment).join('/')}`,
        query: { 'x-amz-checksum-mode': 'ENABLED', 'x-id': 'GetObject' },
        headers: { host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      },
      { expiresIn, signingDate: this.now(), unsignableHeaders: new Set(['content-type']) },
    );
    return formatUrl(presigned);
  }

  /** The object's text, or undefined if there is none (a 404: the reader may list the bucket). */
  async read(key: string): Promise<string | undefined> {
    const response = await fetch(await this.url(key, 60), { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.status === 404) return undefined;
    const body = await response.text();
    if (!response.ok) {
      const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? `HTTP ${response.status}`;
      throw new Error(`S3 GetObject ${key} failed: ${code}`);
    }
    return body;
  }
}

const pad = (n: number) => String(n).padStart(10, '0');

/** Where anchors live in their bucket: `anchors/<seq>.json`, and `anchors/LATEST` naming the newest. */
export const anchorKeys = {
  latest: 'anchors/LATEST',
  anchor: (seq: number) => `anchors/${pad(seq)}.json`,
};

/** The latest anchor, through any way of reading an object. */
export async function readLatestAnchor(
  read: (key: string) => Promise<string | undefined>,
): Promise<SignedAnchor | undefined> {
  const pointer = await read(anchorKeys.latest);
  if (!pointer) return undefined;
  const body = await read(anchorKeys.anchor(Number(pointer.trim())));
  return body ? (JSON.parse(body) as SignedAnchor) : undefined;
}

export class PresignedExportLinks implements ExportLinks {
  constructor(private readonly objects: PresignedObjects) {}

  link(name: string): Promise<string> {
    return this.objects.url(`exports/${name}`);
  }
}

export class S3AnchorReader implements AnchorReader {
  constructor(private readonly objects: PresignedObjects) {}

  latest(): Promise<SignedAnchor | undefined> {
    return readLatestAnchor((key) => this.objects.read(key));
  }
}

/** KMS `GetPublicKey` as one signed JSON request; the key never changes, so it is read once. */
export class KmsPublicKey implements PublicKeySource {
  private pem: Promise<string> | undefined;
  private readonly api: AwsJsonApi;

  constructor(
    private readonly keyId: string,
    region: string,
    credentials?: Credentials,
    endpoint = `https://kms.${region}.amazonaws.com`,
  ) {
    this.api = new AwsJsonApi(
      signerFor('kms', region, { credentials }),
      endpoint,
      'application/x-amz-json-1.1',
      TIMEOUT_MS,
    );
  }

  publicKeyPem(): Promise<string> {
    this.pem ??= this.fetch().catch((error: unknown) => {
      this.pem = undefined; // a failed read is retried by the next request
      throw error;
    });
    return this.pem;
  }

  private async fetch(): Promise<string> {
    const reply = await this.api.post('TrentService.GetPublicKey', { KeyId: this.keyId });
    const { PublicKey, message, Message } = reply.body;
    if (!reply.ok || typeof PublicKey !== 'string' || PublicKey === '') {
      const reason = reply.errorType ?? `HTTP ${reply.status}`;
      const text = typeof message === 'string' ? message : typeof Message === 'string' ? Message : '';
      throw new Error(`KMS GetPublicKey failed: ${reason} ${text}`.trim());
    }
    return pemFromDer(PublicKey);
  }
}
