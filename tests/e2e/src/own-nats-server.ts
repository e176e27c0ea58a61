/**
 * A nats-server with JetStream of a fault test's own (loopback, a free port, a temporary store directory),
 * for `Platform.start({ natsUrl })`. The test can crash it (SIGKILL) or stop it (SIGTERM) and start it again
 * on the same port and store, so clients reconnect to the same address and find the file-stored stream
 * and its durable consumers again. The machine's NATS, shared by other packages' tests, is never touched.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, type RunningServer, startNatsServer } from '@cartwatch/local-stack';

export class OwnNatsServer {
  #server: RunningServer | undefined;

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  static async start(): Promise<OwnNatsServer> {
    const storeDir = await mkdtemp(path.join(os.tmpdir(), 'cartwatch-e2e-nats-'));
    const server = new OwnNatsServer(await findFreePort(), storeDir);
    try {
      await server.restart();
    } catch (error) {
      await rm(storeDir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.#server !== undefined;
  }

  /** The server's process id while it is up. */
  get pid(): number | undefined {
    return this.#server?.pid;
  }

  /** Starts the server (again) on the same port and store directory; resolves once JetStream answers. */
  async restart(): Promise<void> {
    if (this.#server) throw new Error(`nats-server on port ${this.port} is already running`);
    this.#server = await startNatsServer({ storeDir: this.storeDir, port: this.port });
  }

  /** SIGKILL: a crash, no flushing, no goodbye to clients; resolves once the process is gone. */
  async kill(): Promise<void> {
    const server = this.#take();
    process.kill(server.pid, 'SIGKILL');
    // stop() only waits for the exit here (the process is already dying) and releases the store directory.
    await server.stop();
    if (isRunningPid(server.pid)) throw new Error(`nats-server (pid ${server.pid}) survived SIGKILL`);
  }

  /** SIGTERM (a clean shutdown), SIGKILL after a grace period; resolves once the process is gone. */
  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = undefined;
  }

  /** Stops the server and deletes its store directory. */
  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.storeDir, { recursive: true, force: true });
  }

  #take(): RunningServer {
    const server = this.#server;
    if (!server) throw new Error(`nats-server on port ${this.port} is not running`);
    this.#server = undefined;
    return server;
  }
}

function isRunningPid(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
