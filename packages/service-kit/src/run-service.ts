/**
 * Process lifecycle for `main.ts`: listen, and on SIGTERM/SIGINT stop accepting, let in-flight requests
 * finish, run the shutdown steps in order (consumers, relay, pools...), exit. A hung drain is cut off after
 * `shutdownTimeoutMs` with exit status 1.
 */
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';

export type ShutdownStep = () => Promise<void>;

export interface ShutdownOptions {
  server: Server;
  logger: Logger;
  timeoutMs: number;
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
    await drainServer(server, options.idleSweepMs ?? 100);
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
  logger: Logger;
  shutdownTimeoutMs: number;
  onShutdown?: ShutdownStep[];
}

/**
 * Listens and installs the signal and crash handlers. Resolves with the listening server (port 0 picks a
 * free port: read `server.address()`).
 */
export async function runService(options: RunServiceOptions): Promise<Server> {
  const { logger } = options;
  const server = createServer(options.app);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  logger.info({ address: server.address() }, 'listening');

  const shutdown = createShutdown({
    server,
    logger,
    timeoutMs: options.shutdownTimeoutMs,
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

  return server;
}
