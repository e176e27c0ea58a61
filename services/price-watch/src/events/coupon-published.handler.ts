/**
 * coupon.published.v1: alert users who buy what the coupon covers (the product, a product of the brand
 * or category, or anything at the store), and only them; limited to the coupon's store when it has one.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import { settingsOf } from '../alerts/alerts.repository.js';
import { createAlert, toSettings } from '../alerts/alerts.service.js';
import { normalizeBrand } from '../catalog/product-name.js';
import type { DB } from '../db/schema.js';

export const couponPublishedHandler = defineHandler(
  eventCatalog.couponPublished,
  async (trx: Transaction<DB>, event) => {
    const { couponId, scope, storeSlug, title, validTo } = event.data;
    let query = trx
      .selectFrom('purchase_line_match as m')
      .innerJoin('product as p', 'p.id', 'm.product_id')
      .select(['m.user_id', 'p.id as product_id'])
      .distinctOn('m.user_id')
      .orderBy('m.user_id')
      .orderBy('m.purchased_at', 'desc');
    if (scope.kind === 'product') {
      if (!scope.productId) return;
      query = query.where('p.id', '=', scope.productId);
    } else if (scope.kind === 'brand') {
      if (!scope.brand) return;
      query = query.where('p.brand_norm', '=', normalizeBrand(scope.brand));
    } else if (scope.kind === 'category') {
      if (!scope.category) return;
      query = query.where((eb) => eb.fn('lower', ['p.category']), '=', scope.category.toLowerCase());
    } else if (!storeSlug) {
      return;
    }
    if (storeSlug) query = query.where('m.store_slug', '=', storeSlug);
    const buyers = await query.execute();
    const settings = await settingsOf(
      trx,
      buyers.map((buyer) => buyer.user_id),
    );
    for (const buyer of buyers) {
      if (!toSettings(settings.get(buyer.user_id)).coupons) continue;
      await createAlert(trx, {
        userId: buyer.user_id,
        kind: 'coupon',
        // A product coupon counts against that product's daily cap; wider coupons are not about one product.
        productId: scope.kind === 'product' ? buyer.product_id : undefined,
        title: `New coupon: ${title}`,
        body:
          `${storeSlug ? `At ${storeSlug}. ` : ''}${validTo ? `Valid until ${validTo.slice(0, 10)}.` : ''}`.trim() ||
          title,
        dedupeKey: `coupon:${couponId}`,
      });
    }
  },
);
