/** SQL of product attributes: the votes of each source, admins' overrides and the change history. */
import type { Executor } from '@cartwatch/db';
import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type {
  AttributeName,
  DB,
  ProductAttributeVoteTable,
  ProductHistoryTable,
  ProductTable,
} from '../db/schema.js';

export type AttributeVote = Pick<
  Selectable<ProductAttributeVoteTable>,
  'attribute' | 'source' | 'voter' | 'value' | 'observed_at'
>;

/**
 * Upserts one source's statements about a product; returns the attributes whose vote is new or changed.
 * Only a changed statement is written: the same value again (every receipt of a regular buy) changes no
 * vote and needs no resolving.
 */
export async function upsertVotes(
  db: Executor<DB>,
  votes: readonly Insertable<ProductAttributeVoteTable>[],
): Promise<AttributeName[]> {
  const changed = await db
    .insertInto('product_attribute_vote')
    .values([...votes])
    .onConflict((oc) =>
      oc
        .columns(['product_id', 'attribute', 'source', 'voter'])
        .doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          observed_at: eb.ref('excluded.observed_at'),
        }))
        .where((eb) =>
          eb.and([
            eb('product_attribute_vote.observed_at', '<=', eb.ref('excluded.observed_at')),
            eb('product_attribute_vote.value', '<>', eb.ref('excluded.value')),
          ]),
        ),
    )
    .returning('attribute')
    .execute();
  return changed.map((row) => row.attribute);
}

export async function votesOf(db: Executor<DB>, productId: string): Promise<AttributeVote[]> {
  return db
    .selectFrom('product_attribute_vote')
    .select(['attribute', 'source', 'voter', 'value', 'observed_at'])
    .where('product_id', '=', productId)
    .execute();
}

export async function overridesOf(
  db: Executor<DB>,
  productId: string,
): Promise<{ attribute: AttributeName; value: string | null }[]> {
  return db
    .selectFrom('product_attribute_override')
    .select(['attribute', 'value'])
    .where('product_id', '=', productId)
    .execute();
}

/** Writes an attribute's columns on the product (e.g. brand with brand_norm) and touches updated_at. */
export async function setProductColumns(
  db: Executor<DB>,
  productId: string,
  columns: Updateable<ProductTable>,
): Promise<void> {
  await db
    .updateTable('product')
    .set({ ...columns, updated_at: sql`now()` })
    .where('id', '=', productId)
    .execute();
}

export async function insertHistory(db: Executor<DB>, entry: Insertable<ProductHistoryTable>): Promise<void> {
  await db.insertInto('product_history').values(entry).execute();
}

export async function upsertOverride(
  db: Executor<DB>,
  productId: string,
  attribute: AttributeName,
  value: string | null,
  adminId: string,
): Promise<void> {
  await db
    .insertInto('product_attribute_override')
    .values({ product_id: productId, attribute, value, set_by: adminId })
    .onConflict((oc) =>
      oc.columns(['product_id', 'attribute']).doUpdateSet({ value, set_by: adminId, set_at: sql`now()` }),
    )
    .execute();
}

export async function deleteOverrides(
  db: Executor<DB>,
  productId: string,
  attributes: readonly AttributeName[],
): Promise<void> {
  await db
    .deleteFrom('product_attribute_override')
    .where('product_id', '=', productId)
    .where('attribute', 'in', attributes)
    .execute();
}

/** A product's attribute history, newest first, at most `limit` entries. */
export async function historyOf(db: Executor<DB>, productId: string, limit: number) {
  return db
    .selectFrom('product_history')
    .select(['id', 'attribute', 'old_value', 'new_value', 'cause', 'actor_user_id', 'created_at'])
    .where('product_id', '=', productId)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}
