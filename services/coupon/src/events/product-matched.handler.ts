/** product.matched.v1 -> the product id of a purchase line (for "bought recently" relevance). */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { setPurchaseLineProduct } from '../relevance/purchase-line.repository.js';

export const productMatchedHandler = defineHandler(
  eventCatalog.productMatched,
  async (trx: Transaction<DB>, event) => {
    await setPurchaseLineProduct(trx, event.data.purchaseId, event.data.lineId, event.data.productId);
  },
);
