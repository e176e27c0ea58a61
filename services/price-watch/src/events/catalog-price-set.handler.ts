/**
 * catalog.price-set.v1: a store's catalog price becomes an observation (source `catalog`). The product
 * is found by GTIN first, else by id (orders resolves its products through /internal/products/resolve);
 * a price for a product this catalog has never seen is skipped, since it carries no name to create one.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { findLiveProduct, findProductIdByGtin } from '../catalog/catalog.repository.js';
import { normalizeGtin } from '../catalog/gtin.js';
import type { DB } from '../db/schema.js';
import type { SharedOptions } from '../prices/consensus.repository.js';
import { recordObservation } from '../prices/observation.service.js';

export function catalogPriceSetHandler(logger: Logger, shared: SharedOptions) {
  return defineHandler(eventCatalog.catalogPriceSet, async (trx: Transaction<DB>, event) => {
    const data = event.data;
    const gtin14 = data.gtin ? normalizeGtin(data.gtin) : undefined;
    const byGtin = gtin14 ? await findProductIdByGtin(trx, gtin14) : undefined;
    const product = await findLiveProduct(trx, byGtin ?? data.productId);
    if (!product) {
      logger.warn(
        { eventId: event.id, productId: data.productId },
        'catalog price for an unknown product skipped',
      );
      return;
    }
    const recorded = await recordObservation(
      trx,
      product,
      {
        storeSlug: data.storeSlug,
        locationId: data.locationId,
        priceCents: data.priceCents,
        currency: data.currency,
        priceType: 'regular',
        source: 'catalog',
        observedAt: data.effectiveAt,
      },
      { shared },
    );
    if (!recorded)
      logger.warn({ eventId: event.id, effectiveAt: data.effectiveAt }, 'catalog price dated ahead refused');
  });
}
