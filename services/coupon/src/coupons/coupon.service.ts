/**
 * Coupon rules: writes publish coupon.published.v1 in the same transaction; clips are per user. A coupon of
 * one retailer (`storeSlug`) is written by admins and that retailer's store staff; a coupon valid at every
 * store (no `storeSlug`) by admins only; staff never move a coupon to another retailer (403).
 */
import {
  type Coupon,
  CreateCoupon,
  eventCatalog,
  type FieldIssue,
  IdCursor,
  type Page,
  pageFromRows,
} from '@cartwatch/common-types';
import { isUniqueViolation, newId, withTransaction } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import {
  AppError,
  assertManagesRetailer,
  type CurrentUser,
  managesRetailer,
  safeParseInput,
} from '@cartwatch/service-kit';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { toCoupon } from './coupon.mapper.js';
import * as coupons from './coupon.repository.js';

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

function externalIdTaken(): AppError {
  return AppError.forbidden('externalId names a coupon of a retailer you do not manage');
}

/**
 * Inserts the coupon, or replaces the one with its externalId; staff replace only their retailer's
 * (undefined when the externalId belongs to a coupon they do not manage; nothing is written then).
 */
async function storeCoupon(
  trx: Transaction<DB>,
  input: CreateCoupon,
  manager: CurrentUser,
): Promise<{ row: coupons.CouponRow; inserted: boolean } | undefined> {
  if (!input.externalId) return { row: await coupons.insertCoupon(trx, newId(), input), inserted: true };
  return coupons.upsertCouponByExternalId(
    trx,
    newId(),
    { ...input, externalId: input.externalId },
    { replaceOnlyAtStore: manager.role === 'admin' ? undefined : (input.storeSlug ?? '') },
  );
}

export async function createCoupon(
  db: Kysely<DB>,
  input: CreateCoupon,
  manager: CurrentUser,
): Promise<Coupon> {
  assertManagesRetailer(manager, input.storeSlug ?? null);
  return withTransaction(db, async (trx) => {
    const stored = await storeCoupon(trx, input, manager);
    if (!stored) throw externalIdTaken();
    await publishCoupon(trx, stored.row);
    return toCoupon(stored.row, false);
  });
}

/** The manager must manage the coupon's retailer now and the one it names afterwards. */
export async function replaceCoupon(
  db: Kysely<DB>,
  id: string,
  input: CreateCoupon,
  manager: CurrentUser,
): Promise<Coupon> {
  return withTransaction(db, async (trx) => {
    const current = await coupons.lockCoupon(trx, id);
    if (!current) throw AppError.notFound('coupon');
    assertManagesRetailer(manager, current.store_slug);
    assertManagesRetailer(manager, input.storeSlug ?? null);
    const row = await coupons.updateCoupon(trx, id, input).catch((error: unknown) => {
      if (isUniqueViolation(error)) throw AppError.conflict('another coupon has this externalId');
      throw error;
    });
    if (!row) throw AppError.notFound('coupon');
    await publishCoupon(trx, row);
    return toCoupon(row, false);
  });
}

export async function removeCoupon(db: Kysely<DB>, id: string, manager: CurrentUser): Promise<void> {
  await withTransaction(db, async (trx) => {
    const current = await coupons.lockCoupon(trx, id);
    if (!current) throw AppError.notFound('coupon');
    assertManagesRetailer(manager, current.store_slug);
    await coupons.deleteCoupon(trx, id);
  });
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
    active?: boolean | undefined;
    limit: number;
    cursor?: string | undefined;
  },
  now = new Date(),
): Promise<Page<Coupon>> {
  const after = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor);
  const rows = await coupons.listCoupons(db, {
    store: query.store,
    category: query.category,
    active: query.active,
    now,
    afterId: after?.id,
    limit: query.limit + 1,
  });
  const clipped = await coupons.findClippedIds(
    db,
    userId,
    rows.slice(0, query.limit).map((row) => row.id),
  );
  return pageFromRows(
    rows,
    query.limit,
    (row) => toCoupon(row, clipped.has(row.id)),
    (last) => IdCursor.encode({ id: last.id }),
  );
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

const notYourRetailer = (path: string, message: string): FieldIssue => ({ path, message, code: 'forbidden' });

/**
 * A deal feed: every entry validated like POST /coupons; valid ones are stored (upserted on externalId)
 * and published in one transaction, invalid ones are reported by position and skipped. Entries the
 * manager may not write (another retailer's, every store's for staff) are rejected the same way.
 */
export async function importCoupons(
  db: Kysely<DB>,
  entries: unknown[],
  manager: CurrentUser,
): Promise<ImportResult> {
  const result: ImportResult = { created: 0, updated: 0, rejected: [] };
  const valid: { row: number; input: CreateCoupon }[] = [];
  entries.forEach((entry, index) => {
    // The request parsers' rules (the NUL rule first): a CSV feed's rows never passed through them.
    const parsed = safeParseInput(CreateCoupon, entry);
    if (!parsed.success) {
      result.rejected.push({ row: index + 1, issues: parsed.issues });
    } else if (!managesRetailer(manager, parsed.data.storeSlug ?? null)) {
      const message = parsed.data.storeSlug
        ? `not staff of retailer ${parsed.data.storeSlug}`
        : 'admin role required';
      result.rejected.push({ row: index + 1, issues: [notYourRetailer('storeSlug', message)] });
    } else {
      valid.push({ row: index + 1, input: parsed.data });
    }
  });
  await withTransaction(db, async (trx) => {
    for (const { row, input } of valid) {
      const stored = await storeCoupon(trx, input, manager);
      if (!stored) {
        result.rejected.push({ row, issues: [notYourRetailer('externalId', externalIdTaken().message)] });
        continue;
      }
      if (stored.inserted) result.created += 1;
      else result.updated += 1;
      await publishCoupon(trx, stored.row);
    }
  });
  result.rejected.sort((a, b) => a.row - b.row);
  return result;
}

/** The coupons a user clipped, with when, for the account export (docs/privacy.md). */
export async function clippedCouponsOf(db: Kysely<DB>, userId: string) {
  return (await coupons.listClippedCoupons(db, userId)).map(({ clipped_at, ...coupon }) => ({
    ...toCoupon(coupon, true),
    clippedAt: new Date(clipped_at).toISOString(),
  }));
}
