import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KmsPublicKey,
  LINK_SECONDS,
  PresignedExportLinks,
  PresignedObjects,
  S3AnchorReader,
} from '../../functions/adapters/trail/aws-read.ts';

// The compliance routes sign their two AWS requests without the S3 and KMS clients (ADR 0011).
// AWS cannot run here, so each request is held against what the SDK's own client produces for
// the same call: the presigned URL byte for byte, the KMS request on a loopback server.

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session/token+with=odd&chars',
};
const region = 'eu-west-1';
const signingDate = new Date('2026-11-26T10:11:12Z');

describe('PresignedExportLinks', () => {
  const sdk = new S3Client({ region, credentials });

  it.each([
    ['a CSV export', '3f0c1a52-6f1e-4d8e-9b1a-0c2d3e4f5a6b.csv'],
    ['a manifest', '3f0c1a52-6f1e-4d8e-9b1a-0c2d3e4f5a6b.manifest.json'],
    ['a name needing escapes', "odd name (1)!*'.jsonl"],
  ])('presigns %s exactly as the S3 client does', async (_, name) => {
    // Prepare
    const links = new PresignedExportLinks(
      new PresignedObjects('tollgate-exports-123', region, { credentials, now: () => signingDate }),
    );
    // Act
    const ours = await links.link(name);
    const theirs = await getSignedUrl(
      sdk,
      new GetObjectCommand({ Bucket: 'tollgate-exports-123', Key: `exports/${name}` }),
      { expiresIn: LINK_SECONDS, signingDate },
    );
    // Assess
    expect(ours).toBe(theirs);
    const url = new URL(ours);
    expect(url.hostname).toBe('tollgate-exports-123.s3.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261126/eu-west-1/s3/aws4_request');
    expect(ours).not.toContain(credentials.secretAccessKey);
  });

  it('signs for the moment it is asked (a later link differs)', async () => {
    let now = signingDate;
    const links = new PresignedExportLinks(
      new PresignedObjects('b', region, { credentials, now: () => now }),
    );
    const first = await links.link('x.csv');
    now = new Date(signingDate.getTime() + 1000);
    expect(await links.link('x.csv')).not.toBe(first);
  });
});

describe('KmsPublicKey', () => {
  type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
  const seen: Seen[] = [];
  let reply: { status: number; body: unknown } = { status: 200, body: {} };
  let server: Server;
  let endpoint: string;
  const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  const keyId = 'arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Re-signs what the server received with the headers it says it signed: any header changed in flight breaks it. */
  async function signatureHolds(request: Seen, service: string): Promise<boolean> {
    const authorization = String(request.headers.authorization);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const amzDate = String(request.headers['x-amz-date']);
    const date = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(request.headers[h])]));
    const url = new URL(endpoint);
    const again = await new SignatureV4({ service, region, credentials, sha256: Sha256 }).sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: request.url,
        query: {},
        headers,
        body: request.body,
      },
      { signingDate: date },
    );
    return again.headers.authorization === authorization;
  }

  it('sends the request the KMS client sends, signed, and returns the key as PEM', async () => {
    // Prepare
    seen.length = 0;
    reply = {
      status: 200,
      body: { KeyId: keyId, PublicKey: der.toString('base64'), KeyUsage: 'SIGN_VERIFY' },
    };
    const sdk = new KMSClient({ region, credentials, endpoint, maxAttempts: 1 });
    // Act
    const sdkOut = await sdk.send(new GetPublicKeyCommand({ KeyId: keyId }));
    const pem = await new KmsPublicKey(keyId, region, credentials, endpoint).publicKeyPem();
    // Assess
    const [theirs, ours] = seen;
    if (!theirs || !ours) throw new Error('the server saw fewer than two requests');
    expect(ours.method).toBe(theirs.method);
    expect(ours.url).toBe(theirs.url);
    expect(JSON.parse(ours.body)).toEqual(JSON.parse(theirs.body));
    for (const header of ['host', 'content-type', 'x-amz-target', 'x-amz-security-token'])
      expect(ours.headers[header], header).toBe(theirs.headers[header]);
    const scope = (h: Seen) => /Credential=([^,]+)/.exec(String(h.headers.authorization))?.[1];
    expect(scope(ours)).toBe(scope(theirs));
    expect(await signatureHolds(theirs, 'kms')).toBe(true); // the check itself accepts a real SDK request
    expect(await signatureHolds(ours, 'kms')).toBe(true);
    const sdkPem = Buffer.from(sdkOut.PublicKey ?? []).toString('base64');
    expect(pem).toContain(sdkPem.slice(0, 64));
    expect(pem.replace(/-----[A-Z ]+-----|\n/g, '')).toBe(sdkPem);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n(?:.{1,64}\n)+-----END PUBLIC KEY-----\n$/);
  });

  it('reads the key once, and tries again after a failure', async () => {
    // Prepare
    seen.length = 0;
    reply = {
      status: 400,
      body: { __type: 'com.amazonaws.kms#AccessDeniedException', message: 'not allowed' },
    };
    const key = new KmsPublicKey(keyId, region, credentials, endpoint);
    // Act + Assess
    await expect(key.publicKeyPem()).rejects.toThrow(
      'KMS GetPublicKey failed: AccessDeniedException not allowed',
    );
    reply = { status: 200, body: { KeyId: keyId, PublicKey: der.toString('base64') } };
    const [a, b] = await Promise.all([key.publicKeyPem(), key.publicKeyPem()]);
    expect(a).toBe(b);
    await key.publicKeyPem();
    expect(seen).toHaveLength(2);
  });

  it('names a failure without a KMS error type by its status', async () => {
    reply = { status: 503, body: 'busy' };
    await expect(new KmsPublicKey(keyId, region, credentials, endpoint).publicKeyPem()).rejects.toThrow(
      'KMS GetPublicKey failed: HTTP 503',
    );
  });
});

describe('S3AnchorReader', () => {
  const objects = new Map<string, { status: number; body: string }>();
  const requested: string[] = [];
  let server: Server;
  let origin: string;
  const signed = {
    anchor: { seq: 3, at: '2026-11-26T10:00:00.000Z', heads: [], previousHash: 'p', hash: 'h' },
    signature: { algorithm: 'ECDSA_SHA_256', keyId: 'k', value: 'c2ln' },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
      const object = objects.get(key) ?? {
        status: 404,
        body: '<Error><Code>NoSuchKey</Code></Error>',
      };
      res.writeHead(object.status);
      res.end(object.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const reader = () =>
    new S3AnchorReader(
      new PresignedObjects('anchors', region, { credentials, origin, now: () => signingDate }),
    );

  it('reads the pointer, then the anchor it names, each by a presigned GET', async () => {
    // Prepare
    objects.clear();
    requested.length = 0;
    objects.set('anchors/LATEST', { status: 200, body: '3\n' });
    objects.set('anchors/0000000003.json', { status: 200, body: JSON.stringify(signed) });
    // Act
    const latest = await reader().latest();
    // Assess
    expect(latest).toEqual(signed);
    expect(requested.map((url) => url.split('?')[0])).toEqual([
      '/anchors/LATEST',
      '/anchors/0000000003.json',
    ]);
    const expected = await new PresignedObjects('anchors', region, {
      credentials,
      origin,
      now: () => signingDate,
    }).url('anchors/LATEST', 60);
    expect(`${origin}${requested[0]}`).toBe(expected);
    expect(new URL(expected).searchParams.get('X-Amz-Expires')).toBe('60');
  });

  it('finds no anchor before the first one is written (404)', async () => {
    objects.clear();
    expect(await reader().latest()).toBeUndefined();
  });

  it('names the S3 error when a read is refused, rather than taking it for "no anchor"', async () => {
    objects.clear();
    objects.set('anchors/LATEST', {
      status: 403,
      body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
    });
    await expect(reader().latest()).rejects.toThrow('S3 GetObject anchors/LATEST failed: AccessDenied');
  });
});
