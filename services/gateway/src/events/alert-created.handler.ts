/**
 * alert.created.v1 -> one queued delivery per channel the user chose (e-mail, SMS, webhook, web push),
 * written in the consumer's inbox transaction and sent after the commit by the delivery worker
 * (notifications/delivery-worker.ts). No network I/O here: a slow or failing receiver can neither hold
 * the consumer's transaction nor make it retry (and re-send the other channels). The SSE push is separate
 * (realtime/).
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { type DeliveryPolicy, queueAlertDeliveries } from '../notifications/delivery-queue.js';

export function alertCreatedHandler(policy: DeliveryPolicy) {
  return defineHandler(eventCatalog.alertCreated, async (trx: Transaction<DB>, event) => {
    await queueAlertDeliveries(trx, event, policy);
  });
}
