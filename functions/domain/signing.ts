import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from './trail.ts';

/**
 * Anchors and export manifests are signed with ECDSA P-256 over SHA-256 (KMS key spec
 * ECC_NIST_P256, `ECDSA_SHA_256`, DER signatures; locally the same with a key in the data
 * dir), so anyone with the public key can check them offline with nothing but this module.
 */
export const SIGNING_ALGORITHM = 'ECDSA_SHA_256' as const;

export interface Signature {
  algorithm: typeof SIGNING_ALGORITHM;
  /** Which key signed (a KMS key ARN, or the local key's fingerprint). */
  keyId: string;
  /** DER signature, base64. */
  value: string;
}

/** What is signed: the canonical JSON of the document, so key order never matters. */
export function signedPayload(document: unknown): Buffer {
  return Buffer.from(canonicalJson(document), 'utf8');
}

/** Checks a signature over a document with a PEM public key; false for anything malformed. */
export function verifySignature(document: unknown, signature: Signature, publicKeyPem: string): boolean {
  if (signature.algorithm !== SIGNING_ALGORITHM) return false;
  try {
    return verify(
      'sha256',
      signedPayload(document),
      { key: createPublicKey(publicKeyPem), dsaEncoding: 'der' },
      Buffer.from(signature.value, 'base64'),
    );
  } catch {
    return false;
  }
}
