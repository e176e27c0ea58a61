/** SQL for purchases and their line items, always scoped to the owning user. */
import type { Executor } from '@cartwatch/db';
import { type Insertable, type Selectable, sql, type Transaction } from 'kysely';
import type { DB, PurchaseItemTable, PurchaseTable } from '../db/schema.js';

export type PurchaseRow = Selectable<PurchaseTable> & { store_slug: string };
export type PurchaseItemRow = Selectable<PurchaseItemTable>;
export type NewPurchase = Insertable<PurchaseTable>;
export type NewPurchaseItem = Insertable<PurchaseItemTable>;

// Rows per insert statement; each statement binds 14 arrays, whatever the row count.
const ITEM_INSERT_CHUNK = 5_000;

function purchasesWithSlug(db: Executor<DB>) {
  return db
    .selectFrom('purchase')
    .innerJoin('retailer', 'retailer.id', 'purchase.retailer_id')
    .selectAll('purchase')
    .select('retailer.slug as store_slug');
}

/** Inserts the purchases that are new for their (user, dedupe key); returns the ones inserted. */
export async function insertNewPurchases(
  trx: Transaction<DB>,
  rows: readonly NewPurchase[],
): Promise<Array<{ id: string; dedupe_key: string }>> {
  if (rows.length === 0) return [];
  return trx
    .insertInto('purchase')
    .values([...rows])
    .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
    .returning(['id', 'dedupe_key'])
    .execute();
}

/**
 * Inserts line items column-wise through `unnest` (14 array parameters per statement) rather than
 * as a multi-row VALUES list: a 10,000-line import is a few statements with small parse and bind cost.
 */
export async function insertItems(trx: Transaction<DB>, rows: readonly NewPurchaseItem[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ITEM_INSERT_CHUNK) {
    const chunk = rows.slice(start, start + ITEM_INSERT_CHUNK);
    const column = <T>(pick: (row: NewPurchaseItem) => T) => chunk.map(pick);
    await sql`
      insert into purchase_item (id, purchase_id, line_no, name, gtin, brand, category, quantity, unit,
                                 unit_price_cents, paid_cents, regular_price_cents, discount_cents, kind)
      select * from unnest(
        ${column((row) => row.id)}::uuid[], ${column((row) => row.purchase_id)}::uuid[],
        ${column((row) => row.line_no)}::int[], ${column((row) => row.name)}::text[],
        ${column((row) => row.gtin ?? null)}::text[], ${column((row) => row.brand ?? null)}::text[],
        ${column((row) => row.category ?? null)}::text[], ${column((row) => row.quantity)}::numeric[],
        ${column((row) => row.unit)}::text[], ${column((row) => row.unit_price_cents)}::bigint[],
        ${column((row) => row.paid_cents)}::bigint[], ${column((row) => row.regular_price_cents ?? null)}::bigint[],
        ${column((row) => row.discount_cents)}::bigint[], ${column((row) => row.kind)}::text[]
      )`.execute(trx);
  }
}

export async function findPurchasesByDedupeKeys(
  db: Executor<DB>,
  userId: string,
  keys: readonly string[],
): Promise<Array<{ id: string; dedupe_key: string; item_count: number }>> {
  if (keys.length === 0) return [];
  return db
    .selectFrom('purchase')
    .select(['id', 'dedupe_key', 'item_count'])
    .where('user_id', '=', userId)
    .where('dedupe_key', 'in', keys)
    .execute();
}

export async function findPurchase(
  db: Executor<DB>,
  userId: string,
  id: string,
): Promise<PurchaseRow | undefined> {
  return purchasesWithSlug(db)
    .where('purchase.user_id', '=', userId)
    .where('purchase.id', '=', id)
    .executeTakeFirst();
}

export async function listItems(db: Executor<DB>, purchaseId: string): Promise<PurchaseItemRow[]> {
  return db
    .selectFrom('purchase_item')
    .selectAll()
    .where('purchase_id', '=', purchaseId)
    .orderBy('line_no')
    .execute();
}

export interface PurchaseFilter {
  userId: string;
  store?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  text?: string | undefined;
  after?: { purchasedAt: Date; id: string } | undefined;
  limit: number;
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Newest first; `to` is exclusive. */
export async function listPurchases(db: Executor<DB>, filter: PurchaseFilter): Promise<PurchaseRow[]> {
  let query = purchasesWithSlug(db)
    .where('purchase.user_id', '=', filter.userId)
    .orderBy('purchase.purchased_at', 'desc')
    .orderBy('purchase.id', 'desc')
    .limit(filter.limit);
  if (filter.store !== undefined) query = query.where('retailer.slug', '=', filter.store);
  if (filter.from !== undefined) query = query.where('purchase.purchased_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('purchase.purchased_at', '<', filter.to);
  if (filter.text !== undefined) {
    const pattern = likePattern(filter.text);
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('purchase_item')
          .select(sql`1`.as('one'))
          .whereRef('purchase_item.purchase_id', '=', 'purchase.id')
          .where('purchase_item.name', 'ilike', pattern),
      ),
    );
  }
  if (filter.after !== undefined) {
    const { purchasedAt, id } = filter.after;
    query = query.where(({ eb, or, and }) =>
      or([
        eb('purchase.purchased_at', '<', purchasedAt),
        and([eb('purchase.purchased_at', '=', purchasedAt), eb('purchase.id', '<', id)]),
      ]),
    );
  }
  return query.execute();
}

export async function deletePurchase(db: Executor<DB>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('purchase')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export interface StatsRow {
  key: string;
  currency: string;
  spend_cents: string;
  savings_cents: string;
  item_count: string;
  purchase_count: string;
}

/** Spend, savings and counts of one user's line items grouped by store, category or UTC month. */
export async function purchaseStats(
  db: Executor<DB>,
  userId: string,
  groupBy: 'store' | 'category' | 'month',
  range: { from?: Date | undefined; to?: Date | undefined },
): Promise<StatsRow[]> {
  const key =
    groupBy === 'store'
      ? sql<string>`r.slug`
      : groupBy === 'category'
        ? sql<string>`coalesce(i.category, 'uncategorized')`
        : sql<string>`to_char(p.purchased_at at time zone 'UTC', 'YYYY-MM')`;
  const from = range.from === undefined ? sql`` : sql`and p.purchased_at >= ${range.from}`;
  const to = range.to === undefined ? sql`` : sql`and p.purchased_at < ${range.to}`;
  const result = await sql<StatsRow>`
    select ${key} as key, p.currency,
           sum(i.paid_cents)::text as spend_cents,
           sum(i.discount_cents)::text as savings_cents,
           count(*)::text as item_count,
           count(distinct p.id)::text as purchase_count
      from purchase p
      join retailer r on r.id = p.retailer_id
      join purchase_item i on i.purchase_id = p.id
     where p.user_id = ${userId} ${from} ${to}
     group by 1, 2
     order by 1, 2`.execute(db);
  return result.rows;
}

/** Fills the product id price-watch matched; false when the line is gone (purchase deleted). */
export async function setItemProduct(
  db: Executor<DB>,
  purchaseId: string,
  lineId: string,
  productId: string,
): Promise<boolean> {
  const result = await db
    .updateTable('purchase_item')
    .set({ product_id: productId })
    .where('id', '=', lineId)
    .where('purchase_id', '=', purchaseId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteUserPurchases(db: Executor<DB>, userId: string): Promise<number> {
  const result = await db.deleteFrom('purchase').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The line items of several purchases, by purchase then line number. */
export async function listItemsOfPurchases(
  db: Executor<DB>,
  purchaseIds: readonly string[],
): Promise<PurchaseItemRow[]> {
  if (purchaseIds.length === 0) return [];
  return db
    .selectFrom('purchase_item')
    .selectAll()
    .where('purchase_id', 'in', [...purchaseIds])
    .orderBy('purchase_id')
    .orderBy('line_no')
    .execute();
}
