/** SQL over the pack-size history: one row per price observation (regular or sale, sized or not). */
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { DB, PackObservationTable } from '../db/schema.js';

type Executor = Kysely<DB> | Transaction<DB>;
export type ObservationRow = Selectable<PackObservationTable>;
export type NewObservationRow = Omit<Insertable<PackObservationTable>, 'received_at'>;

/** Inserts the observation; false when it was already recorded (a repeated observation is a no-op). */
export async function insertObservation(db: Executor, row: NewObservationRow): Promise<boolean> {
  const inserted = await db
    .insertInto('pack_observation')
    .values(row)
    .onConflict((oc) => oc.column('observation_id').doNothing())
    .returning('observation_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * The latest `limit` regular-price (non-sale) observations that carry a size, returned oldest first.
 * Detection needs only the last two runs, so years of history are never loaded.
 */
export async function listRegularSized(
  db: Executor,
  productId: string,
  storeSlug: string,
  limit = 200,
): Promise<ObservationRow[]> {
  const rows = await db
    .selectFrom('pack_observation')
    .selectAll()
    .where('product_id', '=', productId)
    .where('store_slug', '=', storeSlug)
    .where('is_sale', '=', false)
    .where('size_value', 'is not', null)
    .orderBy('observed_at', 'desc')
    .orderBy('observation_id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse();
}

export async function countSaleObservations(
  db: Executor,
  productIds: string[],
  storeSlug: string,
  from: Date,
): Promise<number> {
  const row = await db
    .selectFrom('pack_observation')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('product_id', 'in', productIds)
    .where('store_slug', '=', storeSlug)
    .where('is_sale', '=', true)
    .where('observed_at', '>=', from)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export interface ProductPresence {
  productId: string;
  firstSeen: Date;
  lastSeen: Date;
}

/** When each product with this pairing key was first and last seen in the store (any price). */
export async function presenceByPairingKey(
  db: Executor,
  pairingKey: string,
  storeSlug: string,
): Promise<ProductPresence[]> {
  const rows = await db
    .selectFrom('pack_observation')
    .select((eb) => [
      'product_id',
      eb.fn.min('observed_at').as('first_seen'),
      eb.fn.max('observed_at').as('last_seen'),
    ])
    .where('pairing_key', '=', pairingKey)
    .where('store_slug', '=', storeSlug)
    .groupBy('product_id')
    .execute();
  return rows.map((row) => ({
    productId: row.product_id,
    firstSeen: new Date(row.first_seen),
    lastSeen: new Date(row.last_seen),
  }));
}

/** Every sized observation of a product, per store and oldest first (the size history). */
export function listSizedForProduct(db: Executor, productId: string): Promise<ObservationRow[]> {
  return db
    .selectFrom('pack_observation')
    .selectAll()
    .where('product_id', '=', productId)
    .where('size_value', 'is not', null)
    .orderBy('store_slug')
    .orderBy('observed_at')
    .orderBy('observation_id')
    .execute();
}

export function latestForProduct(db: Executor, productId: string): Promise<ObservationRow | undefined> {
  return db
    .selectFrom('pack_observation')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('observed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function findObservationsByIds(db: Executor, ids: string[]): Promise<ObservationRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('pack_observation')
    .selectAll()
    .where('observation_id', 'in', ids)
    .orderBy('observed_at')
    .orderBy('observation_id')
    .execute();
}

/** Detaches a deleted user's receipts from the observations they produced; returns how many. */
/**
 * A deleted user's receipts keep a random pseudonym instead of their id (docs/privacy.md): nothing names
 * them, and the evidence still counts them as one contributor.
 */
export async function detachUser(db: Executor, userId: string, pseudonym: string): Promise<number> {
  const result = await db
    .updateTable('pack_observation')
    .set({ user_id: pseudonym })
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The source and contributor of each of the observations. */
export async function sourcesOfObservations(
  db: Executor,
  observationIds: string[],
): Promise<Pick<ObservationRow, 'source' | 'user_id'>[]> {
  return db
    .selectFrom('pack_observation')
    .select(['source', 'user_id'])
    .where('observation_id', 'in', observationIds)
    .execute();
}
