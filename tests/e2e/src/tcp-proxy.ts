/**
 * A loopback TCP proxy for fault tests: a service connects to it instead of Postgres (or any TCP server),
 * and the test cuts the path (every open connection destroyed, new ones refused: the port stops
 * listening) and restores it on the same port, without touching the real server.
 */

import net from 'node:net';
import { findFreePort } from '@cartwatch/local-stack';

export class TcpProxy {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  /** Starts forwarding 127.0.0.1:<free port> to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    // A port outside the ephemeral range: listened on again after each cut (findFreePort says why).
    const port = await findFreePort();
    const proxy = new TcpProxy(target, port);
    await proxy.restore();
    return proxy;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  get isCut(): boolean {
    return this.#server === undefined;
  }

  /** Listens again on the same port (no-op when listening). */
  async restore(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((client) => this.#forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  /** Destroys every open connection and stops listening, so new connections are refused. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  close(): Promise<void> {
    return this.cut();
  }

  #forward(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => {
        this.#sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
