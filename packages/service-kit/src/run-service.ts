/**
 * Process lifecycle for `main.ts`: listen (the service's port and its management port), and on
 * SIGTERM/SIGINT stop accepting, let in-flight requests finish, run the shutdown steps in order
 * (consumers, relay, pools...), exit. A hung drain is cut off after `shutdownTimeoutMs` with exit status 1.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createHttpServer, DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './http-server.js';

export type ShutdownStep = () => Promise<void>;

export interface ShutdownOptions {
  server: Server;
  /** Drained together with `server`. */
  managementServer?: Server;
  logger: Logger;
  timeoutMs: number;
  /**
   * Run when the drain begins, before waiting for open requests: ends responses that never finish on their
   * own (SSE streams), so the drain can complete.
   */
  onDrainStart?: () => void;
  /** Run in order after the HTTP server has drained. A failing step is logged; later steps still run. */
  onShutdown?: ShutdownStep[];
  /** Injected by tests; `process.exit` otherwise. */
  exit?: (code: number) => void;
  /** How often connections that went idle during the drain are closed; default 100 ms. */
  idleSweepMs?: number;
}

/** Stops accepting connections and resolves once every open connection has ended. */
function drainServer(server: Server, idleSweepMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // A keep-alive connection whose request finishes during the drain becomes idle; close it then, rather
    // than waiting out keepAliveTimeout.
    const sweep = setInterval(() => server.closeIdleConnections(), idleSweepMs);
    sweep.unref();
    server.close((err) => {
      clearInterval(sweep);
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Returns the shutdown routine; calling it again returns the same run. Resolves with the exit code it
 * passed to `exit`: 0 after a clean drain, 1 when a step failed or the timeout hit.
 */
export function createShutdown(options: ShutdownOptions): (reason: string) => Promise<number> {
  const { server, logger, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<number> | undefined;
  // Set when the timeout won: the process is exiting, so the remaining steps must not start.
  let timedOut = false;

  async function drainAndClose(): Promise<number> {
    const idleSweepMs = options.idleSweepMs ?? 100;
    const draining = Promise.all([
      drainServer(server, idleSweepMs),
      options.managementServer && drainServer(options.managementServer, idleSweepMs),
    ]);
    try {
      options.onDrainStart?.();
    } catch (err) {
      logger.error({ err }, 'ending long-lived responses failed');
    }
    await draining;
    logger.info('http server drained');
    let code = 0;
    for (const step of options.onShutdown ?? []) {
      if (timedOut) break;
      try {
        await step();
      } catch (err) {
        logger.error({ err }, 'shutdown step failed');
        code = 1;
      }
    }
    return code;
  }

  async function run(reason: string): Promise<number> {
    logger.info({ reason, timeoutMs }, 'shutting down');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        logger.error({ timeoutMs }, 'shutdown timed out; closing remaining connections');
        server.closeAllConnections();
        options.managementServer?.closeAllConnections();
        resolve(1);
      }, timeoutMs);
      timer.unref();
    });
    const code = await Promise.race([drainAndClose(), timeout]).catch((err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      return 1;
    });
    clearTimeout(timer);
    if (code === 0) logger.info('shutdown complete');
    else logger.warn({ code }, 'shutdown finished with errors');
    exit(code);
    return code;
  }

  return (reason) => {
    running ??= run(reason);
    return running;
  };
}

export interface RunServiceOptions {
  app: Express;
  port: number;
  host: string;
  /** `/health`, `/ready` and `/metrics` (createManagementApp), served on `managementPort`. */
  managementApp?: Express;
  managementPort?: number;
  logger: Logger;
  shutdownTimeoutMs: number;
  /** Time limits for slow clients (createHttpServer); the defaults of HTTP_REQUEST_TIMEOUT_MS / HTTP_HEADERS_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  onDrainStart?: () => void;
  onShutdown?: ShutdownStep[];
}

export interface RunningServers {
  server: Server;
  managementServer: Server | undefined;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Listens and installs the signal and crash handlers. Resolves with the listening servers (port 0 picks a
 * free port: read `server.address()`; the 'listening' log line carries both addresses).
 */
export async function runService(options: RunServiceOptions): Promise<RunningServers> {
  const { logger } = options;
  const limits = {
    logger,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
  };
  const server = createHttpServer(options.app, limits);
  const managementServer = options.managementApp && createHttpServer(options.managementApp, limits);

  const address = await listen(server, options.port, options.host);
  const managementAddress =
    managementServer && (await listen(managementServer, options.managementPort ?? 0, options.host));
  logger.info({ address, managementAddress }, 'listening');

  const shutdown = createShutdown({
    server,
    ...(managementServer && { managementServer }),
    logger,
    timeoutMs: options.shutdownTimeoutMs,
    ...(options.onDrainStart && { onDrainStart: options.onDrainStart }),
    ...(options.onShutdown && { onShutdown: options.onShutdown }),
  });
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second Ctrl-C means "now".
      logger.warn({ signal }, 'second signal during shutdown; exiting immediately');
      process.exit(1);
    }
    signalled = true;
    void shutdown(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // Crashes are logged as JSON like everything else, then the process exits for the orchestrator to restart.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });

  return { server, managementServer };
}
