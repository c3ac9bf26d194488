import type { AnchorReader, ExportLinks, PublicKeySource } from '../../usecases/ports.ts';
import { requireEnv } from '../environment.ts';
import { KmsPublicKey, PresignedExportLinks, PresignedObjects, S3AnchorReader } from './aws-read.ts';
import { FileAnchorStore, FileExportStore, LocalSigner } from './local.ts';

/**
 * What the compliance routes read of the trail's storage, from the environment: on AWS without
 * the S3 and KMS clients (ADR 0011), locally the same key file, anchor file and export folder the
 * jobs write.
 */
export function publicKeyFromEnv(): PublicKeySource {
  const keyId = process.env.TRAIL_SIGNING_KEY_ID;
  return keyId
    ? new KmsPublicKey(keyId, requireEnv('AWS_REGION'))
    : new LocalSigner(requireEnv('TRAIL_SIGNING_KEY_FILE'));
}

export function anchorReaderFromEnv(): AnchorReader {
  const bucket = process.env.ANCHOR_BUCKET;
  return bucket
    ? new S3AnchorReader(new PresignedObjects(bucket, requireEnv('AWS_REGION')))
    : new FileAnchorStore(requireEnv('ANCHOR_FILE'));
}

export function exportLinksFromEnv(): ExportLinks {
  const bucket = process.env.EXPORT_BUCKET;
  return bucket
    ? new PresignedExportLinks(new PresignedObjects(bucket, requireEnv('AWS_REGION')))
    : new FileExportStore(requireEnv('EXPORT_DIR'), requireEnv('EXPORT_URL_BASE'));
}
