import { NotFoundError, TooManyAttemptsError } from '../domain/errors.ts';
import { GUESSING_LIMITS, guessingWindow } from '../domain/guessing.ts';
import { CHAINS } from '../domain/trail.ts';
import type { RequestSource } from './model.ts';
import type { Ports } from './ports.ts';
import { nowIso } from './shared.ts';

/**
 * A look-up of an approval link that does not exist: counted per client address. Past the
 * limit the client is answered 429 with Retry-After instead of 404, and the moment it crosses
 * the limit is recorded. Counting after the look-up, never refusing before it, is what keeps
 * a real approver behind the same address as a guesser able to open their own link (ADR 0014).
 */
export async function refuseUnknownLink(
  ports: Pick<Ports, 'repository' | 'clock' | 'log'>,
  source: RequestSource,
): Promise<never> {
  const window = guessingWindow('unknownLinks', { ip: source.ip }, ports.clock.now());
  const count = await ports.repository.countFailure(window.counter, window.endsAt);
  if (count === window.limit + 1) {
    try {
      await ports.repository.appendTrail([
        {
          chain: CHAINS.access,
          at: nowIso(ports),
          actor: { type: 'person', id: 'anonymous' },
          action: 'access.locked-out',
          source,
          detail: {
            reason: 'unknown approval links',
            failures: GUESSING_LIMITS.unknownLinks.failures,
            until: window.endsAt,
          },
        },
      ]);
    } catch (error) {
      ports.log.warn('lockout not recorded', { error: error instanceof Error ? error.name : 'unknown' });
    }
  }
  if (count > window.limit)
    throw new TooManyAttemptsError(
      `too many unknown links from here; try again in ${Math.ceil(window.retryAfterSeconds / 60)} minutes`,
      window.retryAfterSeconds,
    );
  throw new NotFoundError('this approval link is not known');
}
