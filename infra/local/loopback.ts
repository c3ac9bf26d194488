// Who may reach the local runtime. Its servers listen on loopback, but a web page can still reach
// them: by a DNS name rebound to 127.0.0.1 (so every server checks the Host header) or by a
// cross-site form post (so the local-only pages check the Origin). What hands out tokens or mail
// links also checks that the peer itself is on this machine.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for an address in 127.0.0.0/8 or ::1, IPv4-mapped (`::ffff:127.0.0.1`) included: a socket's peer. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  return LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** A host to bind to: `localhost` or a loopback address. Other names are not resolved, so they count as not loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host);
  return bare.toLowerCase() === 'localhost' || isLoopback(bare);
}

/** Binding to these listens on every interface, loopback included. */
function isWildcard(host: string): boolean {
  const bare = unbracket(host);
  return bare === '' || bare === '0.0.0.0' || (isIP(bare) === 6 && /^[0:]+$/.test(bare));
}

/**
 * The Host header values (lower case, `name:port`) a server bound to `host` answers to: the host
 * itself; on loopback also 127.0.0.1, localhost and [::1]; on a wildcard address also every
 * address of this machine and its name. A request naming anything else reached us by a name we do
 * not own, which is what a DNS rebinding page does.
 */
export function hostAuthorities(host: string, port: number): Set<string> {
  const names = new Set<string>();
  const add = (name: string) => {
    const canonical = urlHost(name);
    if (canonical !== undefined) names.add(canonical);
  };
  add(host);
  if (isLoopbackHost(host) || isWildcard(host))
    for (const name of ['127.0.0.1', 'localhost', '::1']) add(name);
  if (isWildcard(host)) {
    for (const addresses of Object.values(networkInterfaces()))
      for (const a of addresses ?? []) add(a.address);
    add(hostname());
  }
  const authorities = new Set<string>();
  for (const name of names) {
    authorities.add(`${name}:${port}`);
    // A browser leaves the default port out of the Host header.
    if (port === 80) authorities.add(name);
  }
  return authorities;
}

/** Exact comparison, no parsing: `evil.example@127.0.0.1:3000` or `127.1:3000` are not ours. */
export function isOwnHost(header: string | undefined, authorities: ReadonlySet<string>): boolean {
  return header !== undefined && authorities.has(header.toLowerCase());
}

/** A request without an Origin (curl, the SDK, a same-origin GET) passes; one from another site does not. */
export function isSameOrigin(req: IncomingMessage): boolean {
  const { origin, host } = req.headers;
  return (
    origin === undefined || (host !== undefined && origin.toLowerCase() === `http://${host.toLowerCase()}`)
  );
}

/** 421 Misdirected Request: the Host names a server that is not this one. */
export function refuseForeignHost(res: ServerResponse, authorities: ReadonlySet<string>): void {
  const names = [...authorities].slice(0, 8).join(', ');
  sendRefusal(res, 421, `this server answers only to the Host ${names}; the request named another one`);
}

export function sendRefusal(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/**
 * Puts the Host and Origin checks in front of a server whose handling we do not write (the SES
 * inbox, the proxies, the Step Functions endpoint). Call it once the server listens: its port is
 * part of every authority.
 */
export function guardServer(server: Server, host: string): void {
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('guardServer: the server is not listening');
  const authorities = hostAuthorities(host, address.port);
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!isOwnHost(req.headers.host, authorities)) {
      req.resume();
      refuseForeignHost(res, authorities);
      return;
    }
    if (!isSameOrigin(req)) {
      req.resume();
      sendRefusal(res, 403, 'cross-site requests are refused: the Origin is not this server');
      return;
    }
    for (const listener of listeners) listener.call(server, req, res);
  });
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** How a host appears in a URL and a Host header: lower case, IPv6 bracketed and compressed. */
function urlHost(host: string): string | undefined {
  const bare = unbracket(host);
  try {
    return new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}/`).hostname;
  } catch {
    return undefined; // e.g. a link-local address with a zone id, which no Host header carries
  }
}
