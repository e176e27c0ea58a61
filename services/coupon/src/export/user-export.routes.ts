/**
 * GET /internal/users/{userId}/export (service-kit's mountUserExport): one user's shopping lists (with
 * their items) and the coupons they clipped, for the gateway's account export (docs/privacy.md).
 */
import { allPages, mountUserExport } from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import { clippedCouponsOf } from '../coupons/coupon.service.js';
import type { DB } from '../db/schema.js';
import { getList, listPage } from '../shopping/shopping-list.service.js';

const PAGE = 100;

export function mountUserExportRoutes(app: Express, db: Kysely<DB>): void {
  mountUserExport(app, async (userId) => {
    const summaries = await allPages((cursor) => listPage(db, userId, { limit: PAGE, cursor }));
    const lists = [];
    for (const summary of summaries) lists.push(await getList(db, userId, summary.id));
    const clippedCoupons = await clippedCouponsOf(db, userId);
    return { lists, clippedCoupons };
  });
}
