// The trail's storage on AWS: a KMS asymmetric key signs; S3 with Object Lock keeps the
// anchors (compliance mode, retention set on the bucket) and the exports (ADR 0010).

import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { SIGNING_ALGORITHM, type Signature, signedPayload } from '../../domain/signing.ts';
import {
  AnchorConflictError,
  type AnchorStore,
  type ExportStore,
  type ExportWriter,
  type SignedAnchor,
  type Signer,
} from '../../usecases/ports.ts';
import { anchorKeys, pemFromDer, readLatestAnchor } from './aws-read.ts';

export class KmsSigner implements Signer {
  private pem: string | undefined;

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  async sign(document: unknown): Promise<Signature> {
    const out = await this.client.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: signedPayload(document),
        MessageType: 'RAW',
        SigningAlgorithm: SIGNING_ALGORITHM,
      }),
    );
    if (!out.Signature) throw new Error('KMS returned no signature');
    return {
      algorithm: SIGNING_ALGORITHM,
      keyId: this.keyId,
      value: Buffer.from(out.Signature).toString('base64'),
    };
  }

  async publicKeyPem(): Promise<string> {
    if (!this.pem) {
      const out = await this.client.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
      if (!out.PublicKey) throw new Error('KMS returned no public key');
      this.pem = pemFromDer(Buffer.from(out.PublicKey).toString('base64'));
    }
    return this.pem;
  }
}

/**
 * Anchors as locked objects `anchors/<seq>.json`, written only if absent (a second writer of
 * the same seq is refused), and a `anchors/LATEST` pointer (versioned, each version locked).
 */
export class S3AnchorStore implements AnchorStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  latest(): Promise<SignedAnchor | undefined> {
    return readLatestAnchor((key) => this.read(key));
  }

  async append(signed: SignedAnchor): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: anchorKeys.anchor(signed.anchor.seq),
          Body: JSON.stringify(signed),
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412)
        throw new AnchorConflictError(`anchor ${signed.anchor.seq} was written already`);
      throw error;
    }
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: anchorKeys.latest, Body: String(signed.anchor.seq) }),
    );
  }

  private async read(key: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body?.transformToString();
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}

/** Export files streamed to S3 (multipart, constant memory); `PresignedExportLinks` hands them out. */
export class S3ExportStore implements ExportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  open(name: string, contentType: string): ExportWriter {
    const body = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: `exports/${name}`, Body: body, ContentType: contentType },
    });
    const done = upload.done();
    return {
      write: async (chunk) => {
        if (!body.write(chunk)) await once(body, 'drain');
      },
      close: async () => {
        body.end();
        await done;
      },
    };
  }

  async put(name: string, body: string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `exports/${name}`,
        Body: body,
        ContentType: contentType,
      }),
    );
  }
}

export const awsTrailStorage = {
  signer: (keyId: string) => new KmsSigner(new KMSClient({}), keyId),
  anchors: (bucket: string) => new S3AnchorStore(new S3Client({}), bucket),
  exports: (bucket: string) => new S3ExportStore(new S3Client({}), bucket),
};
