/** Deletes every row of one user (purchases with their items; more tables join as features land). */
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { deleteUserPurchases } from '../purchases/purchases.repository.js';

export async function purgeUser(trx: Transaction<DB>, userId: string): Promise<void> {
  await deleteUserPurchases(trx, userId);
}
