/**
 * GET /internal/users/{userId}/export: one user's shopping lists (with their items) and the coupons they
 * clipped, for the gateway's account export (docs/privacy.md), in the shapes the public API answers
 * with. The service key is the caller's credential; the user is the one named in the path.
 */
import type { Page } from '@cartwatch/common-types';
import { parseParams } from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { toCoupon } from '../coupons/coupon.mapper.js';
import type { DB } from '../db/schema.js';
import { getList, listPage } from '../shopping/shopping-list.service.js';

const UserParams = z.strictObject({ userId: z.uuid() });
const PAGE = 100;

async function allPages<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

export function mountUserExportRoutes(app: Express, db: Kysely<DB>): void {
  app.get('/internal/users/:userId/export', async (req, res) => {
    const { userId } = parseParams(UserParams, req);
    const summaries = await allPages((cursor) => listPage(db, userId, { limit: PAGE, cursor }));
    const lists = [];
    for (const summary of summaries) lists.push(await getList(db, userId, summary.id));
    const clips = await db
      .selectFrom('coupon_clip')
      .innerJoin('coupon', 'coupon.id', 'coupon_clip.coupon_id')
      .selectAll('coupon')
      .select('coupon_clip.clipped_at')
      .where('coupon_clip.user_id', '=', userId)
      .orderBy('coupon_clip.clipped_at')
      .execute();
    const clippedCoupons = clips.map(({ clipped_at, ...coupon }) => ({
      ...toCoupon(coupon, true),
      clippedAt: new Date(clipped_at).toISOString(),
    }));
    res.json({ lists, clippedCoupons });
  });
}
