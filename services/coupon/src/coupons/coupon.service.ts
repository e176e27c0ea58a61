/** Coupon rules: admin writes publish coupon.published.v1 in the same transaction; clips are per user. */
import {
  type Coupon,
  CreateCoupon,
  decodeCursor,
  encodeCursor,
  eventCatalog,
  type FieldIssue,
  type Page,
} from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import { AppError, toFieldIssues } from '@cartwatch/service-kit';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import { toCoupon } from './coupon.mapper.js';
import * as coupons from './coupon.repository.js';

const CursorShape = z.object({ id: z.string() });

async function publishCoupon(trx: Transaction<DB>, row: coupons.CouponRow): Promise<void> {
  await publish(trx, eventCatalog.couponPublished, {
    source: 'coupon',
    subjectId: row.id,
    data: {
      couponId: row.id,
      ...(row.store_slug ? { storeSlug: row.store_slug } : {}),
      scope: {
        kind: row.scope_kind,
        ...(row.product_id ? { productId: row.product_id } : {}),
        ...(row.brand ? { brand: row.brand } : {}),
        ...(row.category ? { category: row.category } : {}),
      },
      title: row.title,
      validFrom: new Date(row.valid_from).toISOString(),
      ...(row.valid_to ? { validTo: new Date(row.valid_to).toISOString() } : {}),
      type: row.type,
      requiresClip: row.requires_clip,
    },
  });
}

export async function createCoupon(db: Kysely<DB>, input: CreateCoupon): Promise<Coupon> {
  return withTransaction(db, async (trx) => {
    if (input.externalId) {
      const { row } = await coupons.upsertCouponByExternalId(trx, newId(), {
        ...input,
        externalId: input.externalId,
      });
      await publishCoupon(trx, row);
      return toCoupon(row, false);
    }
    const row = await coupons.insertCoupon(trx, newId(), input);
    await publishCoupon(trx, row);
    return toCoupon(row, false);
  });
}

export async function replaceCoupon(db: Kysely<DB>, id: string, input: CreateCoupon): Promise<Coupon> {
  return withTransaction(db, async (trx) => {
    const row = await coupons.updateCoupon(trx, id, input);
    if (!row) throw AppError.notFound('coupon');
    await publishCoupon(trx, row);
    return toCoupon(row, false);
  });
}

export async function removeCoupon(db: Kysely<DB>, id: string): Promise<void> {
  if (!(await coupons.deleteCoupon(db, id))) throw AppError.notFound('coupon');
}

export async function getCoupon(db: Kysely<DB>, id: string, userId: string): Promise<Coupon> {
  const row = await coupons.findCoupon(db, id);
  if (!row) throw AppError.notFound('coupon');
  const clipped = await coupons.findClippedIds(db, userId, [id]);
  return toCoupon(row, clipped.has(id));
}

export async function listCouponPage(
  db: Kysely<DB>,
  userId: string,
  query: {
    store?: string | undefined;
    category?: string | undefined;
    active?: 'true' | 'false' | undefined;
    limit: number;
    cursor?: string | undefined;
  },
  now = new Date(),
): Promise<Page<Coupon>> {
  const after = query.cursor ? decodeCursor(query.cursor, CursorShape) : undefined;
  if (query.cursor && !after) {
    throw AppError.validation([
      { path: 'cursor', message: 'not a cursor of this list', code: 'invalid_cursor' },
    ]);
  }
  const rows = await coupons.listCoupons(db, {
    store: query.store,
    category: query.category,
    active: query.active === undefined ? undefined : query.active === 'true',
    now,
    afterId: after?.id,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const clipped = await coupons.findClippedIds(
    db,
    userId,
    page.map((row) => row.id),
  );
  const last = page[page.length - 1];
  return {
    items: page.map((row) => toCoupon(row, clipped.has(row.id))),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ id: last.id }) : null,
  };
}

export async function clip(
  db: Kysely<DB>,
  userId: string,
  couponId: string,
  now = new Date(),
): Promise<Coupon> {
  const row = await coupons.findCoupon(db, couponId);
  if (!row) throw AppError.notFound('coupon');
  if (row.valid_to && new Date(row.valid_to) <= now) throw AppError.unprocessable('the coupon has expired');
  await coupons.clipCoupon(db, userId, couponId);
  return toCoupon(row, true);
}

export async function unclip(db: Kysely<DB>, userId: string, couponId: string): Promise<void> {
  const row = await coupons.findCoupon(db, couponId);
  if (!row) throw AppError.notFound('coupon');
  await coupons.unclipCoupon(db, userId, couponId);
}

export interface ImportResult {
  created: number;
  updated: number;
  rejected: { row: number; issues: FieldIssue[] }[];
}

/**
 * A deal feed: every entry validated like POST /coupons; valid ones are stored (upserted on externalId)
 * and published in one transaction, invalid ones are reported by position and skipped.
 */
export async function importCoupons(db: Kysely<DB>, entries: unknown[]): Promise<ImportResult> {
  const result: ImportResult = { created: 0, updated: 0, rejected: [] };
  const valid: CreateCoupon[] = [];
  entries.forEach((entry, index) => {
    const parsed = CreateCoupon.safeParse(entry);
    if (parsed.success) valid.push(parsed.data);
    else result.rejected.push({ row: index + 1, issues: toFieldIssues(parsed.error) });
  });
  await withTransaction(db, async (trx) => {
    for (const input of valid) {
      if (input.externalId) {
        const { row, inserted } = await coupons.upsertCouponByExternalId(trx, newId(), {
          ...input,
          externalId: input.externalId,
        });
        if (inserted) result.created += 1;
        else result.updated += 1;
        await publishCoupon(trx, row);
      } else {
        const row = await coupons.insertCoupon(trx, newId(), input);
        result.created += 1;
        await publishCoupon(trx, row);
      }
    }
  });
  return result;
}
