// SES for one machine: `aws-ses-v2-local` in-process. Handlers send with @aws-sdk/client-ses to its URL;
// people read the inbox at `/`; tests read `GET /store` and reset with `POST /clear-store`.
// Caveat: the library keeps its store in a module-level variable, so every SES server started in one
// process shares the same mailbox, and nothing survives a restart.
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { guardServer } from './loopback.ts';

// Loaded with require: a CommonJS module's default import differs between Node's ESM loader (the
// exports object, factory at `.default`) and vitest/tsx interop (the factory itself). require() is
// the same everywhere.
type SesLocalModule = typeof import('aws-ses-v2-local');
const sesLocalModule = createRequire(import.meta.url)('aws-ses-v2-local') as SesLocalModule;

export interface SesLocal {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** One email as `GET /store` returns it (aws-ses-v2-local 2.10). */
export interface SentEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: { content: string; contentType: string; filename?: string; size: number }[];
  headers?: { name: string; value: string }[];
  /** Epoch seconds when the library received it. */
  at: number;
}

export async function startSesLocal(options: { host: string; port?: number }): Promise<SesLocal> {
  const server: Server = await sesLocalModule.default({ host: options.host, port: options.port ?? 0 });
  // Express 5 hands a listen error to the callback, which the library resolves anyway: check here.
  const address = server.address();
  if (!server.listening || address === null || typeof address === 'string') {
    server.close();
    throw new Error(`SES local could not listen on ${options.host}:${options.port ?? 0}`);
  }
  // The inbox shows every mail link: no page reaching it by a rebound DNS name may read it.
  guardServer(server, options.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // SDK clients keep connections alive; drop them so close() does not wait for their idle timeout.
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export async function readSesStore(url: string): Promise<SentEmail[]> {
  const response = await fetch(`${url}/store`);
  if (!response.ok) throw new Error(`GET ${url}/store answered ${response.status}`);
  const store = (await response.json()) as { emails?: unknown };
  if (!Array.isArray(store.emails)) throw new Error(`GET ${url}/store returned no emails array`);
  return store.emails as SentEmail[];
}

/** Empties the mailbox (and the library's email templates). */
export async function clearSesStore(url: string): Promise<void> {
  const response = await fetch(`${url}/clear-store`, { method: 'POST' });
  if (!response.ok) throw new Error(`POST ${url}/clear-store answered ${response.status}`);
}
