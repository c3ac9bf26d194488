import { createHash } from 'node:crypto';

/**
 * Limits on guessing, counted in fixed windows. Only failures count: a look-up of a link that
 * does not exist (per client address), and a refused e-signature on a real link (per link and
 * client address together, so someone else's guessing never locks an approver out of their
 * own link). A known, valid link is always served: the limits shape what a guesser sees, and
 * the edge's stage throttle bounds the load.
 */
export const GUESSING_LIMITS = {
  /** Unknown links looked up by one client address. */
  unknownLinks: { failures: 20, windowSeconds: 600 },
  /** Refused password or code on one link from one client address. */
  signature: { failures: 5, windowSeconds: 900 },
} as const;

export type GuessingScope = keyof typeof GUESSING_LIMITS;

export interface GuessingWindow {
  /** The counter's key: scope, client (hashed), link (hashed) and window start. */
  counter: string;
  /** When the window ends (ISO 8601): the counter expires then. */
  endsAt: string;
  /** Seconds until the window ends, at least 1: the `Retry-After` of a refusal. */
  retryAfterSeconds: number;
  limit: number;
}

/**
 * The window `now` falls in for one client (and link). Addresses are hashed: the counter
 * needs no address, only a stable, bounded key.
 */
export function guessingWindow(
  scope: GuessingScope,
  client: { ip: string; linkHash?: string },
  now: Date,
): GuessingWindow {
  const { failures, windowSeconds } = GUESSING_LIMITS[scope];
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const start = nowSeconds - (nowSeconds % windowSeconds);
  const end = start + windowSeconds;
  const who = createHash('sha256')
    .update(`${client.ip}\u0000${client.linkHash ?? ''}`)
    .digest('hex')
    .slice(0, 32);
  return {
    counter: `${scope}#${who}#${start}`,
    endsAt: new Date(end * 1000).toISOString(),
    retryAfterSeconds: Math.max(1, end - nowSeconds),
    limit: failures,
  };
}
