/**
 * A small round-robin HTTP front for running several replicas of one service on one machine
 * (`pnpm start --replicas N`, the e2e Platform's `replicas` option): it listens on the service's single
 * address, the one every `*_URL` and the web app use, and hands each request to the next replica in
 * turn, as a Kubernetes Service spreads connections over its ready pods (docs/architecture.md#scale-out).
 *
 * Per request, not per connection: a keep-alive client (the gateway's upstream agent, fetch) would
 * otherwise stay on one replica. Bodies and answers are streamed both ways (SSE streams stay open, and a
 * client that goes away closes the upstream request), upgrades are piped as bytes. Replicas are added
 * once ready and removed before they stop (`add`/`remove`), so the front only routes to live ones;
 * a request without a body whose replica refuses the connection is tried on the next one. With no
 * replica it answers 503 in the platform's error shape (docs/architecture.md#errors).
 */
import http from 'node:http';
import net from 'node:net';

export interface RoundRobinFront {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The replicas requests go to, in turn (base URLs). */
  readonly targets: readonly string[];
  /** Starts routing to `target` (a replica's base URL, e.g. `http://127.0.0.1:41234`). */
  add(target: string): void;
  /** Stops routing new requests to `target` (requests in flight finish). */
  remove(target: string): void;
  /** Requests handed to each replica so far (by base URL). */
  forwarded(): Record<string, number>;
  /** Stops listening and ends every open connection, both sides. */
  close(): Promise<void>;
}

export interface RoundRobinFrontOptions {
  /** Default: a port the kernel picks. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  targets?: readonly string[];
}

/** How long the front keeps an idle connection to a replica for the next request. */
const IDLE_SOCKET_MS = 4_000;

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function unavailable(res: http.ServerResponse, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: 'UPSTREAM_UNAVAILABLE', message } });
  res.writeHead(503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startRoundRobinFront(options: RoundRobinFrontOptions = {}): Promise<RoundRobinFront> {
  const host = options.host ?? '127.0.0.1';
  const targets: string[] = [...(options.targets ?? [])];
  const agents = new Map<string, http.Agent>();
  const counts = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  let next = 0;

  const agentOf = (target: string): http.Agent => {
    let agent = agents.get(target);
    if (!agent) {
      // An idle kept-alive socket is dropped after 4 s, before the replica's own keep-alive timeout (node's
      // default 5 s) closes it: a request sent on a socket the server is closing fails (ECONNRESET).
      agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000, timeout: IDLE_SOCKET_MS });
      agents.set(target, agent);
    }
    return agent;
  };
  const pick = (): string | undefined => {
    if (targets.length === 0) return undefined;
    const target = targets[next % targets.length];
    next = (next + 1) % targets.length;
    return target;
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, tries: number): void => {
    const target = pick();
    if (!target) {
      unavailable(res, 'no replica is ready');
      return;
    }
    counts.set(target, (counts.get(target) ?? 0) + 1);
    const url = new URL(target);
    const upstream = http.request({
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      agent: agentOf(target),
    });
    const bodiless =
      req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      // An SSE stream's headers must reach the client before its first event.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // Refused (a replica that just stopped), or a reused idle socket the replica closed as it was sent:
      // nothing was handled, but only a request without a body can be sent again.
      const unsent = error.code === 'ECONNREFUSED' || (upstream.reusedSocket && error.code === 'ECONNRESET');
      if (unsent && bodiless && !res.headersSent && tries < targets.length + 1) {
        forward(req, res, tries + 1);
        return;
      }
      unavailable(res, `replica ${target} failed: ${error.code ?? error.message}`);
    });
    // The client went away before the answer ended (a closed SSE stream): end the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (bodiless) upstream.end();
    else req.pipe(upstream);
  };

  const server = http.createServer((req, res) => forward(req, res, 1));
  // Long-lived answers (SSE) must not be cut by the server's own request timeout.
  server.requestTimeout = 0;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = pick();
    if (!target) {
      client.destroy();
      return;
    }
    counts.set(target, (counts.get(target) ?? 0) + 1);
    const url = new URL(target);
    const upstream = net.connect(Number(url.port), url.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let index = 0; index < req.rawHeaders.length; index += 2) {
        lines.push(`${req.rawHeaders[index]}: ${req.rawHeaders[index + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    get targets() {
      return [...targets];
    },
    add(target) {
      if (!targets.includes(target)) targets.push(target);
    },
    remove(target) {
      const index = targets.indexOf(target);
      if (index >= 0) targets.splice(index, 1);
    },
    forwarded() {
      return Object.fromEntries(counts);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        for (const agent of agents.values()) agent.destroy();
      });
      return closed;
    },
  };
}
