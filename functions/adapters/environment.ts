import { DEFAULT_SUBADDRESS_DOMAINS } from '../domain/email.ts';
import type { Clock, Settings } from '../usecases/ports.ts';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * Where the local runtime puts a clock for its handlers (tests move time forward to let
 * deadlines, reminders and years pass). Nothing on AWS sets it.
 */
export const LOCAL_CLOCK = Symbol.for('tollgate.local-clock');
/** The local runtime's e-signature sign-in (infra/local/signers.ts), handed to the handlers in-process. */
export const LOCAL_IDENTITY = Symbol.for('tollgate.local-identity');

/** The time handlers act on: the wall clock, or the local runtime's clock where one is set. */
export const systemClock: Clock = {
  now: () => (globalThis as { [LOCAL_CLOCK]?: Clock })[LOCAL_CLOCK]?.now() ?? new Date(),
};

export function settingsFromEnv(): Settings {
  return {
    appUrl: requireEnv('APP_URL').replace(/\/$/, ''),
    linkMaxAgeHours: Number(process.env.LINK_MAX_AGE_HOURS ?? 14 * 24),
    subaddressDomains: (process.env.SUBADDRESS_DOMAINS ?? DEFAULT_SUBADDRESS_DOMAINS.join(','))
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
  };
}

/** Builds a value on first use and keeps it for the container's life (clients are made once). */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}
