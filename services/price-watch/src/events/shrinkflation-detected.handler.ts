/**
 * shrinkflation.detected.v1: alert the users who bought the product (or its successor), and only them;
 * only its contributors while the claim has no independent evidence (`audienceUserIds`).
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import { settingsOf } from '../alerts/alerts.repository.js';
import { createAlert, toSettings } from '../alerts/alerts.service.js';
import { buyersOf, findLiveProduct } from '../catalog/catalog.repository.js';
import type { DB } from '../db/schema.js';

export const shrinkflationDetectedHandler = defineHandler(
  eventCatalog.shrinkflationDetected,
  async (trx: Transaction<DB>, event) => {
    const data = event.data;
    const product = await findLiveProduct(trx, data.productId);
    if (!product) return;
    const productIds = [
      data.productId,
      product.id,
      ...(data.successorProductId ? [data.successorProductId] : []),
    ];
    // A claim resting on its contributors alone alerts only them (docs/shrinkflation.md).
    const audience = data.audienceUserIds && new Set(data.audienceUserIds);
    const buyers = (await buyersOf(trx, [...new Set(productIds)])).filter(
      (userId) => !audience || audience.has(userId),
    );
    const settings = await settingsOf(trx, buyers);
    const change = `${data.oldSize.value} ${data.oldSize.unit} → ${data.newSize.value} ${data.newSize.unit}`;
    for (const userId of buyers) {
      if (!toSettings(settings.get(userId)).shrinkflation) continue;
      await createAlert(trx, {
        userId,
        kind: 'shrinkflation',
        productId: product.id,
        title: `${product.name} shrank`,
        changePct: Math.abs(data.unitPriceChangePct),
        body: `Pack size ${change}; unit price ${data.unitPriceChangePct >= 0 ? '+' : ''}${data.unitPriceChangePct.toFixed(1)}%${data.storeSlug ? ` at ${data.storeSlug}` : ''}.`,
        dedupeKey: `shrinkflation:${data.shrinkflationId}`,
      });
    }
  },
);
