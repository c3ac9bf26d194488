// A pass-through HTTP proxy in front of a local service, which a test can make fail: the
// handlers' real SDK calls then meet a real network-level error, as they would on AWS.
import { createServer, request as forward } from 'node:http';
import { guardServer } from './loopback.ts';

export interface FaultProxy {
  url: string;
  /** While down, every request is answered 503 (a transient AWS error: the SDK retries, then throws). */
  setDown(down: boolean): void;
  /** Requests answered while down. */
  refused(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, host = '127.0.0.1'): Promise<FaultProxy> {
  const to = new URL(target);
  let down = false;
  let refused = 0;
  const server = createServer((req, res) => {
    if (down) {
      refused++;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/xml' });
      res.end(
        '<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>injected fault</Message></Error></ErrorResponse>',
      );
      return;
    }
    const upstream = forward(
      {
        host: to.hostname,
        port: to.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: to.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy did not listen');
  // It passes everything on, the inbox's mail store included: the same Host check as the inbox.
  guardServer(server, host);
  return {
    url: `http://${host}:${address.port}`,
    setDown: (value) => {
      down = value;
    },
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
