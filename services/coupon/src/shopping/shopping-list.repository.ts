/** SQL for shopping lists; every read and write is scoped by the owning user. */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { DB, ShoppingListItemTable, ShoppingListTable } from '../db/schema.js';

export type ListRow = Selectable<ShoppingListTable>;
export type ListItemRow = Selectable<ShoppingListItemTable> & { name: string | null };

export interface NewListItem {
  id: string;
  productId?: string | undefined;
  text?: string | undefined;
  quantity: number;
}

export async function insertList(
  db: Executor<DB>,
  list: { id: string; userId: string; name: string },
): Promise<ListRow> {
  return db
    .insertInto('shopping_list')
    .values({ id: list.id, user_id: list.userId, name: list.name })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertItems(db: Executor<DB>, listId: string, items: NewListItem[]): Promise<void> {
  if (items.length === 0) return;
  await db
    .insertInto('shopping_list_item')
    .values(
      items.map((item) => ({
        id: item.id,
        list_id: listId,
        product_id: item.productId ?? null,
        text: item.text ?? null,
        quantity: item.quantity,
      })),
    )
    .execute();
}

export async function findList(
  db: Executor<DB>,
  userId: string,
  listId: string,
): Promise<ListRow | undefined> {
  return db
    .selectFrom('shopping_list')
    .selectAll()
    .where('id', '=', listId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Locks the user's list for a change of its items (concurrent edits bump updated_at in order). */
export async function lockList(
  trx: Transaction<DB>,
  userId: string,
  listId: string,
): Promise<ListRow | undefined> {
  return trx
    .selectFrom('shopping_list')
    .selectAll()
    .where('id', '=', listId)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

export async function touchList(db: Executor<DB>, listId: string, name?: string): Promise<ListRow> {
  return db
    .updateTable('shopping_list')
    .set({ updated_at: sql`now()`, ...(name === undefined ? {} : { name }) })
    .where('id', '=', listId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteList(db: Executor<DB>, userId: string, listId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('shopping_list')
    .where('id', '=', listId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function findItems(db: Executor<DB>, listId: string): Promise<ListItemRow[]> {
  return db
    .selectFrom('shopping_list_item')
    .leftJoin('product', 'product.product_id', 'shopping_list_item.product_id')
    .selectAll('shopping_list_item')
    .select('product.name')
    .where('list_id', '=', listId)
    .orderBy('shopping_list_item.id')
    .execute();
}

/**
 * The items of the user's list in one round trip (the list left-joined to its items), or undefined
 * when the user has no such list: the optimizer needs no list row, only its items.
 */
export async function findItemsOfUserList(
  db: Executor<DB>,
  userId: string,
  listId: string,
): Promise<Pick<ShoppingListItemTable, 'product_id' | 'text' | 'quantity'>[] | undefined> {
  const rows = await db
    .selectFrom('shopping_list')
    .leftJoin('shopping_list_item', 'shopping_list_item.list_id', 'shopping_list.id')
    .select([
      'shopping_list_item.id',
      'shopping_list_item.product_id',
      'shopping_list_item.text',
      'shopping_list_item.quantity',
    ])
    .where('shopping_list.id', '=', listId)
    .where('shopping_list.user_id', '=', userId)
    .orderBy('shopping_list_item.id')
    .execute();
  if (rows.length === 0) return undefined;
  return rows.flatMap((row) =>
    row.id === null || row.quantity === null
      ? []
      : [{ product_id: row.product_id, text: row.text, quantity: row.quantity }],
  );
}

export async function updateItemQuantity(
  db: Executor<DB>,
  listId: string,
  itemId: string,
  quantity: number,
): Promise<boolean> {
  const result = await db
    .updateTable('shopping_list_item')
    .set({ quantity })
    .where('id', '=', itemId)
    .where('list_id', '=', listId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteItem(db: Executor<DB>, listId: string, itemId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('shopping_list_item')
    .where('id', '=', itemId)
    .where('list_id', '=', listId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function listLists(
  db: Executor<DB>,
  userId: string,
  options: { afterId?: string | undefined; limit: number },
): Promise<(ListRow & { item_count: number })[]> {
  let query = db
    .selectFrom('shopping_list')
    .selectAll('shopping_list')
    .select((eb) =>
      eb
        .selectFrom('shopping_list_item')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('shopping_list_item.list_id', '=', 'shopping_list.id')
        .as('item_count'),
    )
    .where('user_id', '=', userId)
    .orderBy('id')
    .limit(options.limit);
  if (options.afterId) query = query.where('id', '>', options.afterId);
  const rows = await query.execute();
  return rows.map((row) => ({ ...row, item_count: Number(row.item_count ?? 0) }));
}

/** Product ids on any of the user's lists (a relevance signal). */
export async function findListedProductIds(db: Executor<DB>, userId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('shopping_list_item')
    .innerJoin('shopping_list', 'shopping_list.id', 'shopping_list_item.list_id')
    .select('shopping_list_item.product_id')
    .distinct()
    .where('shopping_list.user_id', '=', userId)
    .where('shopping_list_item.product_id', 'is not', null)
    .limit(5000)
    .execute();
  return new Set(rows.flatMap((row) => (row.product_id ? [row.product_id] : [])));
}

/** Deletes the user's shopping lists (their items go by ON DELETE CASCADE). */
export async function deleteUserLists(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('shopping_list').where('user_id', '=', userId).execute();
}
