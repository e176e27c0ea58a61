/** Shopping lists of one user: a list that is not the caller's is NOT_FOUND, never FORBIDDEN. */
import {
  IdCursor,
  type Page,
  pageFromRows,
  type ShoppingList,
  type ShoppingListItemInput,
  type ShoppingListSummary,
} from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import * as lists from './shopping-list.repository.js';

type ItemInput = ShoppingListItemInput;
const MAX_ITEMS_PER_LIST = 500;
const iso = (value: Date | string): string => new Date(value).toISOString();

function toList(row: lists.ListRow, items: lists.ListItemRow[]): ShoppingList {
  return {
    id: row.id,
    name: row.name,
    items: items.map((item) => ({
      id: item.id,
      productId: item.product_id,
      text: item.text,
      name: item.name,
      quantity: item.quantity,
    })),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export async function createList(
  db: Kysely<DB>,
  userId: string,
  input: { name: string; items: ItemInput[] },
): Promise<ShoppingList> {
  return withTransaction(db, async (trx) => {
    const row = await lists.insertList(trx, { id: newId(), userId, name: input.name });
    await lists.insertItems(
      trx,
      row.id,
      input.items.map((item) => ({ ...item, id: newId() })),
    );
    return toList(row, await lists.findItems(trx, row.id));
  });
}

export async function getList(db: Kysely<DB>, userId: string, listId: string): Promise<ShoppingList> {
  const row = await lists.findList(db, userId, listId);
  if (!row) throw AppError.notFound('shopping list');
  return toList(row, await lists.findItems(db, listId));
}

export async function renameList(
  db: Kysely<DB>,
  userId: string,
  listId: string,
  name: string,
): Promise<ShoppingList> {
  return withTransaction(db, async (trx) => {
    if (!(await lists.lockList(trx, userId, listId))) throw AppError.notFound('shopping list');
    const row = await lists.touchList(trx, listId, name);
    return toList(row, await lists.findItems(trx, listId));
  });
}

export async function deleteList(db: Kysely<DB>, userId: string, listId: string): Promise<void> {
  if (!(await lists.deleteList(db, userId, listId))) throw AppError.notFound('shopping list');
}

export async function addItem(
  db: Kysely<DB>,
  userId: string,
  listId: string,
  item: ItemInput,
): Promise<ShoppingList> {
  return withTransaction(db, async (trx) => {
    if (!(await lists.lockList(trx, userId, listId))) throw AppError.notFound('shopping list');
    const existing = await lists.findItems(trx, listId);
    if (existing.length >= MAX_ITEMS_PER_LIST) {
      throw AppError.unprocessable(`a list holds at most ${MAX_ITEMS_PER_LIST} items`);
    }
    await lists.insertItems(trx, listId, [{ ...item, id: newId() }]);
    const row = await lists.touchList(trx, listId);
    return toList(row, await lists.findItems(trx, listId));
  });
}

export async function changeItem(
  db: Kysely<DB>,
  userId: string,
  listId: string,
  itemId: string,
  quantity: number,
): Promise<ShoppingList> {
  return withTransaction(db, async (trx) => {
    if (!(await lists.lockList(trx, userId, listId))) throw AppError.notFound('shopping list');
    if (!(await lists.updateItemQuantity(trx, listId, itemId, quantity)))
      throw AppError.notFound('list item');
    const row = await lists.touchList(trx, listId);
    return toList(row, await lists.findItems(trx, listId));
  });
}

export async function removeItem(
  db: Kysely<DB>,
  userId: string,
  listId: string,
  itemId: string,
): Promise<ShoppingList> {
  return withTransaction(db, async (trx) => {
    if (!(await lists.lockList(trx, userId, listId))) throw AppError.notFound('shopping list');
    if (!(await lists.deleteItem(trx, listId, itemId))) throw AppError.notFound('list item');
    const row = await lists.touchList(trx, listId);
    return toList(row, await lists.findItems(trx, listId));
  });
}

export async function listPage(
  db: Kysely<DB>,
  userId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<ShoppingListSummary>> {
  const after = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor);
  const rows = await lists.listLists(db, userId, { afterId: after?.id, limit: query.limit + 1 });
  return pageFromRows(
    rows,
    query.limit,
    (row) => ({
      id: row.id,
      name: row.name,
      itemCount: row.item_count,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    }),
    (last) => IdCursor.encode({ id: last.id }),
  );
}
