/**
 * purchase.recorded.v1 -> the user's purchase lines, one signal of coupon relevance (docs/coupons.md).
 * The product id comes from a known GTIN now, or from product.matched.v1 later.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { recordPurchaseLines } from '../relevance/purchase-line.repository.js';

export const purchaseRecordedHandler = defineHandler(
  eventCatalog.purchaseRecorded,
  async (trx: Transaction<DB>, event) => {
    const { purchaseId, userId, storeSlug, purchasedAt, items } = event.data;
    await recordPurchaseLines(
      trx,
      items.map((item) => ({
        purchaseId,
        lineId: item.lineId,
        userId,
        gtin: item.gtin ?? null,
        name: item.name,
        brand: item.brand ?? null,
        category: item.category ?? null,
        storeSlug,
        purchasedAt,
      })),
    );
  },
);
