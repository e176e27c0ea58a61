/** price.observed.v1 -> the local price read model (latest price per product and store). */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { recordObservedPrice } from '../prices/price.repository.js';

export const priceObservedHandler = defineHandler(
  eventCatalog.priceObserved,
  async (trx: Transaction<DB>, event) => {
    await recordObservedPrice(trx, event.data);
  },
);
