/**
 * Probe and scrape endpoints, open without the service key: `/health` (process alive), `/ready` (every
 * readiness check passes within its timeout), `/metrics` (Prometheus text). They are served on the
 * management port (createManagementApp); the public port answers only `/health` (livenessRoute), which
 * tells nothing but "the process answers".
 */
import { Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AppError } from './app-error.js';
import { loggerFor } from './request-logger.middleware.js';

export type ReadinessCheck = () => Promise<void>;
export type CheckOutcome = 'ok' | 'failed' | 'timeout';

export interface HealthRoutesOptions {
  logger: Logger;
  registry: Registry;
  readiness?: Record<string, ReadinessCheck>;
  readinessTimeoutMs?: number;
}

class CheckTimeout extends Error {}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${timeoutMs}ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /health`: the process is alive and answers HTTP. */
export function livenessRoute(): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}

export function healthRoutes(options: HealthRoutesOptions): Router {
  const router = Router();
  const checks = Object.entries(options.readiness ?? {});
  const timeoutMs = options.readinessTimeoutMs ?? 2000;

  router.use(livenessRoute());

  router.get('/ready', async (req, res) => {
    const log = loggerFor(req, options.logger);
    const outcomes = await Promise.all(
      checks.map(async ([name, check]): Promise<[string, CheckOutcome]> => {
        try {
          await runCheck(check, timeoutMs);
          return [name, 'ok'];
        } catch (err) {
          log.warn({ err, check: name }, 'readiness check failed');
          return [name, err instanceof CheckTimeout ? 'timeout' : 'failed'];
        }
      }),
    );
    const failing = outcomes.filter(([, outcome]) => outcome !== 'ok').map(([name]) => name);
    if (failing.length > 0) {
      // Only check names and outcomes: the endpoint is unauthenticated, so no error messages.
      throw new AppError('UPSTREAM_UNAVAILABLE', `not ready: ${failing.join(', ')}`, {
        failing,
        checks: Object.fromEntries(outcomes),
      });
    }
    res.json({ status: 'ready', checks: Object.fromEntries(outcomes) });
  });

  router.get('/metrics', async (_req, res) => {
    const body = await options.registry.metrics();
    res.setHeader('Content-Type', options.registry.contentType);
    res.send(body);
  });

  return router;
}
