import type { AnchorStore, ExportStore, Signer } from '../../usecases/ports.ts';
import { requireEnv } from '../environment.ts';
import { awsTrailStorage } from './aws.ts';
import { FileAnchorStore, FileExportStore, LocalSigner } from './local.ts';

/**
 * The trail's storage, from the environment: the stack sets the KMS key and the buckets;
 * the local runtime sets files under its data dir. Like the endpoints, the handlers never
 * decide where they run.
 */
export function signerFromEnv(): Signer {
  const keyId = process.env.TRAIL_SIGNING_KEY_ID;
  return keyId ? awsTrailStorage.signer(keyId) : new LocalSigner(requireEnv('TRAIL_SIGNING_KEY_FILE'));
}

export function anchorStoreFromEnv(): AnchorStore {
  const bucket = process.env.ANCHOR_BUCKET;
  return bucket ? awsTrailStorage.anchors(bucket) : new FileAnchorStore(requireEnv('ANCHOR_FILE'));
}

export function exportStoreFromEnv(): ExportStore {
  const bucket = process.env.EXPORT_BUCKET;
  return bucket
    ? awsTrailStorage.exports(bucket)
    : new FileExportStore(requireEnv('EXPORT_DIR'), requireEnv('EXPORT_URL_BASE'));
}
