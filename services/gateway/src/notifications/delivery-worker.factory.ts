/** The delivery worker of a gateway process and the settings it shares with the app, from the config. */
import { type OutboundTransport, systemTransport } from '@cartwatch/service-kit/safe-http';
import type { BackgroundWorker, ServiceContext } from '@cartwatch/service-runtime';
import type { Config } from '../config.js';
import type { DB, DeliveryLane } from '../db/schema.js';
import { createNotifier, type Notifier } from '../notify/notifier.js';
import type { DeliveryPolicy } from './delivery-queue.js';
import { DeliveryWorker } from './delivery-worker.js';
import { loadVapidKeys } from './vapid-keys.js';
import type { TargetPolicy } from './webhook-target.js';

export function deliveryPolicyOf(config: Config): DeliveryPolicy {
  return { maxAttempts: config.DELIVERY_MAX_ATTEMPTS };
}

export function targetPolicyOf(config: Config): TargetPolicy {
  return { allowLoopback: config.DELIVERY_ALLOW_LOOPBACK_TARGETS };
}

export function laneConcurrencyOf(config: Config): Record<DeliveryLane, number> {
  return {
    account: config.DELIVERY_CONCURRENCY_ACCOUNT,
    email: config.DELIVERY_CONCURRENCY_EMAIL,
    sms: config.DELIVERY_CONCURRENCY_SMS,
    webhook: config.DELIVERY_CONCURRENCY_WEBHOOK,
    push: config.DELIVERY_CONCURRENCY_PUSH,
  };
}

/** A worker over `context`'s database; tests pass their own notifier and transport. */
export function createDeliveryWorker(
  context: Pick<ServiceContext<Config, DB>, 'config' | 'database' | 'logger'>,
  overrides: {
    notifier?: Notifier;
    transport?: OutboundTransport;
    pollIntervalMs?: number;
    now?: () => number;
  } = {},
): DeliveryWorker {
  const { config, database } = context;
  const logger = context.logger.child({ component: 'delivery-worker' });
  return new DeliveryWorker({
    database,
    notifier: overrides.notifier ?? createNotifier(config, logger),
    transport: overrides.transport ?? systemTransport,
    sendTimeoutMs: config.DELIVERY_SEND_TIMEOUT_MS,
    policy: targetPolicyOf(config),
    vapid: loadVapidKeys(config),
    logger,
    concurrency: laneConcurrencyOf(config),
    leaseMs: config.DELIVERY_LEASE_MS,
    retry: { baseMs: config.DELIVERY_RETRY_BASE_MS, maxMs: config.DELIVERY_RETRY_MAX_MS },
    pollIntervalMs: overrides.pollIntervalMs ?? config.DELIVERY_POLL_INTERVAL_MS,
    retentionDays: config.DELIVERY_RETENTION_DAYS,
    ...(overrides.now && { now: overrides.now }),
  });
}

export function deliveryWorkersFromConfig(context: ServiceContext<Config, DB>): BackgroundWorker[] {
  if (!context.config.DELIVERY_WORKER_ENABLED) {
    context.logger.info('DELIVERY_WORKER_ENABLED=false: this process sends no notifications');
    return [];
  }
  return [createDeliveryWorker(context)];
}
