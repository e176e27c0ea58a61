/**
 * coupon.published.v1: alert users who buy what the coupon covers (the product, a product of the brand
 * or category, or anything at the store), and only them; limited to the coupon's store when it has one.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import { settingsOf } from '../alerts/alerts.repository.js';
import { createAlert, toSettings } from '../alerts/alerts.service.js';
import { type CouponBuyerFilter, findBuyersForCoupon } from '../catalog/catalog.repository.js';
import { normalizeBrand } from '../catalog/product-name.js';
import type { DB } from '../db/schema.js';

export const couponPublishedHandler = defineHandler(
  eventCatalog.couponPublished,
  async (trx: Transaction<DB>, event) => {
    const { couponId, scope, storeSlug, title, validTo } = event.data;
    let filter: CouponBuyerFilter;
    if (scope.kind === 'product') {
      if (!scope.productId) return;
      filter = { productId: scope.productId };
    } else if (scope.kind === 'brand') {
      if (!scope.brand) return;
      filter = { brandNorm: normalizeBrand(scope.brand) };
    } else if (scope.kind === 'category') {
      if (!scope.category) return;
      filter = { category: scope.category };
    } else if (!storeSlug) {
      return;
    } else {
      filter = {};
    }
    const buyers = await findBuyersForCoupon(trx, { ...filter, storeSlug });
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
