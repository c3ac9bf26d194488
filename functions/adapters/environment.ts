import type { Clock, Settings } from '../usecases/ports.ts';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export const systemClock: Clock = { now: () => new Date() };

export function settingsFromEnv(): Settings {
  return {
    appUrl: requireEnv('APP_URL').replace(/\/$/, ''),
    linkMaxAgeHours: Number(process.env.LINK_MAX_AGE_HOURS ?? 14 * 24),
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
