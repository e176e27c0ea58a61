/** product.matched.v1: price-watch matched a purchase line to a product; remember its id on the line. */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { setItemProduct } from '../purchases/purchases.repository.js';

export const productMatchedHandler = defineHandler(
  eventCatalog.productMatched,
  async (trx: Transaction<DB>, event) => {
    // A line of a purchase deleted meanwhile is simply gone: nothing to fill.
    await setItemProduct(trx, event.data.purchaseId, event.data.lineId, event.data.productId);
  },
);
