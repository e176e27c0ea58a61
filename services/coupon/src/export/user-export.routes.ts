/**
 * GET /internal/users/{userId}/export (service-kit's userExportRoute): one user's shopping lists (with
 * their items) and the coupons they clipped, for the gateway's account export (docs/privacy.md).
 */
import { allPages, type RouteDefinition, userExportRoute } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import { clippedCouponsOf } from '../coupons/coupon.service.js';
import type { DB } from '../db/schema.js';
import { getList, listPage } from '../shopping/shopping-list.service.js';

const PAGE = 100;

export function userExportRoutes(db: Kysely<DB>): RouteDefinition[] {
  return [
    userExportRoute(async (userId) => {
      const summaries = await allPages((cursor) => listPage(db, userId, { limit: PAGE, cursor }));
      const lists = [];
      for (const summary of summaries) lists.push(await getList(db, userId, summary.id));
      const clippedCoupons = await clippedCouponsOf(db, userId);
      return { lists, clippedCoupons };
    }),
  ];
}
