import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes: 256 bits, well above the 128 the design asks for. */
const SECRET_BYTES = 32;
export const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface LinkSecret {
  /** Goes into the e-mailed URL only; never stored. */
  secret: string;
  /** What the table keeps and looks links up by. */
  hash: string;
}

export function newLinkSecret(): LinkSecret {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { secret, hash: hashLinkSecret(secret) };
}

export function hashLinkSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Cheap shape check before any lookup, so junk never reaches the table. */
export function looksLikeLinkSecret(candidate: string): boolean {
  return SECRET_SHAPE.test(candidate);
}
