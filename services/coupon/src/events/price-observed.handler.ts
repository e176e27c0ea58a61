/**
 * price.observed.v1 -> product facts, store-sourced prices, and a receipt price for its buyer's own plans
 * only; price.shared.v1 -> the prices every user's plans use (docs/price-watch.md, "Consensus prices").
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { recordObservedPrice, recordSharedPrice } from '../prices/price.repository.js';

export const priceObservedHandler = defineHandler(
  eventCatalog.priceObserved,
  async (trx: Transaction<DB>, event) => {
    await recordObservedPrice(trx, event.data, event.userId);
  },
  // Two batches upserting the same products in other orders would deadlock (docs/events.md, "Batch locks").
  { lockKeys: (data) => [`product:${data.productId}`] },
);

export const priceSharedHandler = defineHandler(
  eventCatalog.priceShared,
  async (trx: Transaction<DB>, event) => {
    await recordSharedPrice(trx, event.data);
  },
  { lockKeys: (data) => [`product:${data.productId}`] },
);
