import type { GuessingStore, SigningSession, SigningSessionStore } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { epochSeconds, strip, type Table } from './table.ts';

/** Guessing counters and signing sessions: short-lived items that expire by TTL. */
export class SigningItems implements GuessingStore, SigningSessionStore {
  constructor(private readonly table: Table) {}

  countFailure(counter: string, endsAt: string): Promise<number> {
    return this.table.increment(keys.guessCounter(counter), epochSeconds(endsAt));
  }

  async failures(counter: string): Promise<number> {
    const item = await this.table.get(keys.guessCounter(counter));
    return Number(item?.count ?? 0);
  }

  putSigningSession(session: SigningSession): Promise<void> {
    return this.table.putItem({
      ...keys.signingSession(session.hash),
      type: 'signing-session',
      ...session,
      expiresAtEpoch: epochSeconds(session.expiresAt),
    });
  }

  async getSigningSession(hash: string): Promise<SigningSession | undefined> {
    // TTL deletes lazily: an expired session is refused by the use case, not only by TTL.
    return strip<SigningSession>(await this.table.get(keys.signingSession(hash)));
  }
}
