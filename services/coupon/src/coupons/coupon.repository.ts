/** SQL for coupons and clips. */
import type { CouponScope, CreateCoupon } from '@cartwatch/common-types';
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { CouponTable, DB } from '../db/schema.js';

export type CouponRow = Selectable<CouponTable>;

type NumberColumn =
  | 'percent_off'
  | 'amount_off_cents'
  | 'buy_quantity'
  | 'get_quantity'
  | 'get_percent_off'
  | 'threshold_cents'
  | 'min_purchase_cents';

const noNumbers: Record<NumberColumn, number | null> = {
  percent_off: null,
  amount_off_cents: null,
  buy_quantity: null,
  get_quantity: null,
  get_percent_off: null,
  threshold_cents: null,
  min_purchase_cents: null,
};

/** The number columns of a coupon: its type's own, null for every other type's. */
function numberColumnsOf(input: CreateCoupon): Record<NumberColumn, number | null> {
  if (input.type === 'spend_threshold') {
    return { ...noNumbers, threshold_cents: input.thresholdCents, amount_off_cents: input.amountOffCents };
  }
  const line = { ...noNumbers, min_purchase_cents: input.minPurchaseCents ?? null };
  switch (input.type) {
    case 'percent':
      return { ...line, percent_off: input.percentOff };
    case 'fixed':
      return { ...line, amount_off_cents: input.amountOffCents };
    case 'buy_x_get_y':
      return {
        ...line,
        buy_quantity: input.buyQuantity,
        get_quantity: input.getQuantity,
        get_percent_off: input.getPercentOff ?? null,
      };
    case 'bogo':
      return line;
  }
}

/** The scope columns: the kind and the one column it names. */
function scopeColumnsOf(scope: CouponScope) {
  const none = { product_id: null, brand: null, category: null };
  switch (scope.kind) {
    case 'product':
      return { ...none, scope_kind: scope.kind, product_id: scope.productId };
    case 'brand':
      return { ...none, scope_kind: scope.kind, brand: scope.brand };
    case 'category':
      return { ...none, scope_kind: scope.kind, category: scope.category };
    case 'store':
      return { ...none, scope_kind: scope.kind };
  }
}

function columnsOf(input: CreateCoupon) {
  return {
    external_id: input.externalId ?? null,
    store_slug: input.storeSlug ?? null,
    ...scopeColumnsOf(input.scope),
    type: input.type,
    ...numberColumnsOf(input),
    min_quantity: input.minQuantity,
    currency: input.currency,
    valid_from: input.validFrom,
    valid_to: input.validTo ?? null,
    requires_clip: input.requiresClip,
    code: input.code ?? null,
    source_url: input.sourceUrl ?? null,
    title: input.title,
    description: input.description ?? null,
  };
}

export async function insertCoupon(db: Executor<DB>, id: string, input: CreateCoupon): Promise<CouponRow> {
  return db
    .insertInto('coupon')
    .values({ id, ...columnsOf(input) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Insert or, for a known external id, replace; `inserted` tells which. With `replaceOnlyAtStore`, an
 * existing coupon is replaced only when it belongs to that retailer: undefined when another retailer's
 * (or an every-store) coupon holds the external id, which stays as it was.
 */
export async function upsertCouponByExternalId(
  db: Executor<DB>,
  id: string,
  input: CreateCoupon & { externalId: string },
  options: { replaceOnlyAtStore?: string | undefined } = {},
): Promise<{ row: CouponRow; inserted: boolean } | undefined> {
  const store = options.replaceOnlyAtStore;
  const row = await db
    .insertInto('coupon')
    .values({ id, ...columnsOf(input) })
    .onConflict((oc) => {
      const update = oc.column('external_id').doUpdateSet({ ...columnsOf(input), updated_at: sql`now()` });
      return store === undefined ? update : update.where('coupon.store_slug', '=', store);
    })
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
    .executeTakeFirst();
  if (!row) return undefined;
  const { inserted, ...coupon } = row;
  return { row: coupon, inserted };
}

export async function updateCoupon(
  db: Executor<DB>,
  id: string,
  input: CreateCoupon,
): Promise<CouponRow | undefined> {
  return db
    .updateTable('coupon')
    .set({ ...columnsOf(input), updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteCoupon(db: Executor<DB>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('coupon').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function findCoupon(db: Executor<DB>, id: string): Promise<CouponRow | undefined> {
  return db.selectFrom('coupon').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the coupon for a checked replace or delete (who may change it depends on its retailer). */
export async function lockCoupon(trx: Transaction<DB>, id: string): Promise<CouponRow | undefined> {
  return trx.selectFrom('coupon').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export interface CouponFilter {
  store?: string | undefined;
  category?: string | undefined;
  active?: boolean | undefined;
  now: Date;
  afterId?: string | undefined;
  limit: number;
}

export async function listCoupons(db: Executor<DB>, filter: CouponFilter): Promise<CouponRow[]> {
  let query = db.selectFrom('coupon').selectAll().orderBy('id').limit(filter.limit);
  if (filter.afterId) query = query.where('id', '>', filter.afterId);
  if (filter.store) {
    const store = filter.store;
    query = query.where((eb) => eb.or([eb('store_slug', '=', store), eb('store_slug', 'is', null)]));
  }
  if (filter.category) {
    const category = filter.category.toLowerCase();
    query = query.where((eb) =>
      eb.or([
        eb(sql<string>`lower(coupon.category)`, '=', category),
        eb(
          'product_id',
          'in',
          eb
            .selectFrom('product')
            .select('product.product_id')
            .where(sql<string>`lower(product.category)`, '=', category),
        ),
      ]),
    );
  }
  if (filter.active !== undefined) {
    const now = filter.now;
    query = filter.active
      ? query
          .where('valid_from', '<=', now)
          .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', now)]))
      : query.where((eb) => eb.or([eb('valid_from', '>', now), eb('valid_to', '<=', now)]));
  }
  return query.execute();
}

/** Coupons valid at `now` at any of `stores` (or every store), in `currency`. */
export async function findActiveCoupons(
  db: Executor<DB>,
  options: { now: Date; stores?: string[]; currency?: string; limit?: number },
): Promise<CouponRow[]> {
  let query = db
    .selectFrom('coupon')
    .selectAll()
    .where('valid_from', '<=', options.now)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', options.now)]))
    .orderBy('id');
  if (options.stores) {
    const stores = options.stores;
    query = query.where((eb) => eb.or([eb('store_slug', 'is', null), eb('store_slug', 'in', stores)]));
  }
  if (options.currency) query = query.where('currency', '=', options.currency);
  if (options.limit) query = query.limit(options.limit);
  return query.execute();
}

/** The columns coupon arithmetic reads (coupon-math.ts through termsOf). */
export const couponTermColumns = [
  'type',
  'percent_off',
  'amount_off_cents',
  'buy_quantity',
  'get_quantity',
  'get_percent_off',
  'threshold_cents',
  'min_quantity',
  'min_purchase_cents',
] as const;
export type CouponTermColumn = (typeof couponTermColumns)[number];

/** What the optimizer reads of a coupon: scope, terms, and what the plan shows. */
const applicableCouponColumns = [
  'id',
  'store_slug',
  'scope_kind',
  'product_id',
  'brand',
  'category',
  ...couponTermColumns,
  'requires_clip',
  'title',
] as const;

/** A coupon as the optimizer reads it, plus whether the user clipped it. */
export type ApplicableCoupon = Pick<CouponRow, (typeof applicableCouponColumns)[number]> & {
  clipped: boolean;
};

/**
 * Active coupons in `currency` that can touch a list of `productIds`, in one query: at a store that
 * prices at least one of the products (or at every store), scoped to the store, to one of the
 * products, or to a brand or category (those two are matched in code, which owns the case rules, so
 * this stays a superset of what applies). `clipped` tells whether `userId` clipped it.
 */
export async function findApplicableCoupons(
  db: Executor<DB>,
  options: {
    userId: string;
    productIds: string[];
    currency: string;
    now: Date;
    stores?: string[] | undefined;
  },
): Promise<ApplicableCoupon[]> {
  if (options.productIds.length === 0) return [];
  const productIds = sql`${options.productIds}::uuid[]`;
  const stores = options.stores;
  return db
    .selectFrom('coupon')
    .select(applicableCouponColumns)
    .select(
      sql<boolean>`exists (select 1 from coupon_clip where coupon_clip.user_id = ${options.userId} and coupon_clip.coupon_id = coupon.id)`.as(
        'clipped',
      ),
    )
    .where('currency', '=', options.currency)
    .where('valid_from', '<=', options.now)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', options.now)]))
    .where((eb) =>
      eb.or([
        eb('store_slug', 'is', null),
        eb(
          'store_slug',
          'in',
          eb
            .selectFrom('store_price')
            .select('store_price.store_slug')
            .where(sql<boolean>`store_price.product_id = any(${productIds})`)
            .where('store_price.currency', '=', options.currency)
            .$if(stores !== undefined, (qb) =>
              qb.where(sql<boolean>`store_price.store_slug = any(${stores}::text[])`),
            ),
        ),
      ]),
    )
    .where((eb) =>
      eb.or([eb('scope_kind', '<>', 'product'), sql<boolean>`coupon.product_id = any(${productIds})`]),
    )
    .orderBy('id')
    .execute();
}

export async function clipCoupon(db: Executor<DB>, userId: string, couponId: string): Promise<void> {
  await db
    .insertInto('coupon_clip')
    .values({ user_id: userId, coupon_id: couponId })
    .onConflict((oc) => oc.columns(['user_id', 'coupon_id']).doNothing())
    .execute();
}

export async function unclipCoupon(db: Executor<DB>, userId: string, couponId: string): Promise<void> {
  await db
    .deleteFrom('coupon_clip')
    .where('user_id', '=', userId)
    .where('coupon_id', '=', couponId)
    .execute();
}

export async function findClippedIds(
  db: Executor<DB>,
  userId: string,
  couponIds?: string[],
): Promise<Set<string>> {
  if (couponIds && couponIds.length === 0) return new Set();
  let query = db.selectFrom('coupon_clip').select('coupon_id').where('user_id', '=', userId);
  if (couponIds) query = query.where('coupon_id', 'in', couponIds);
  const rows = await query.execute();
  return new Set(rows.map((row) => row.coupon_id));
}

/** The coupons `userId` clipped, oldest clip first, with when (the account export). */
export async function listClippedCoupons(db: Executor<DB>, userId: string) {
  return db
    .selectFrom('coupon_clip')
    .innerJoin('coupon', 'coupon.id', 'coupon_clip.coupon_id')
    .selectAll('coupon')
    .select('coupon_clip.clipped_at')
    .where('coupon_clip.user_id', '=', userId)
    .orderBy('coupon_clip.clipped_at')
    .execute();
}

/** Forgets every coupon the user clipped. */
export async function deleteUserClips(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('coupon_clip').where('user_id', '=', userId).execute();
}
