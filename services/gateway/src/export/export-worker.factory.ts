/** The export worker of a gateway process, from the config. */
import { upstreamServices } from '@cartwatch/common-types';
import type { BackgroundWorker, ServiceContext } from '@cartwatch/service-runtime';
import { type Config, upstreamUrlOf } from '../config.js';
import type { DB } from '../db/schema.js';
import { targetPolicyOf } from '../notifications/delivery-worker.factory.js';
import { ExportCollector } from './export-collector.js';
import { ExportWorker, type ExportWorkerOptions } from './export-worker.js';

export function exportRetentionMsOf(config: Config): number {
  return config.EXPORT_RETENTION_HOURS * 3_600_000;
}

/** A worker over `context`'s database; tests pass their own collector or poll interval. */
export function createExportWorker(
  context: Pick<ServiceContext<Config, DB>, 'config' | 'database' | 'logger'>,
  overrides: { collector?: ExportWorkerOptions['collector'] } = {},
): ExportWorker {
  const { config, database } = context;
  const logger = context.logger.child({ component: 'export-worker' });
  const upstreams = Object.fromEntries(
    upstreamServices.map((name) => [name, upstreamUrlOf(config, name)]),
  ) as Record<(typeof upstreamServices)[number], string>;
  return new ExportWorker({
    database,
    collector:
      overrides.collector ??
      new ExportCollector({
        db: database.db,
        upstreams,
        serviceKey: config.SERVICE_KEY,
        timeoutMs: config.EXPORT_CALL_TIMEOUT_MS,
        policy: targetPolicyOf(config),
        logger,
      }),
    logger,
    leaseMs: config.EXPORT_LEASE_MS,
    retry: { baseMs: config.EXPORT_RETRY_BASE_MS, maxMs: config.EXPORT_RETRY_MAX_MS },
    retentionMs: exportRetentionMsOf(config),
    pollIntervalMs: config.EXPORT_POLL_INTERVAL_MS,
  });
}

export function exportWorkersFromConfig(context: ServiceContext<Config, DB>): BackgroundWorker[] {
  if (!context.config.EXPORT_WORKER_ENABLED) {
    context.logger.info('EXPORT_WORKER_ENABLED=false: this process builds no account exports');
    return [];
  }
  return [createExportWorker(context)];
}
