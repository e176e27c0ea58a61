/** Deletes every row of one user (purchases with their items, the inbound e-mail address, store accounts). */
import type { Transaction } from 'kysely';
import { deleteUserAccounts } from '../accounts/accounts.repository.js';
import type { DB } from '../db/schema.js';
import { deleteUserAddress } from '../inbound/inbound.repository.js';
import { deleteUserPurchases } from '../purchases/purchases.repository.js';

export async function purgeUser(trx: Transaction<DB>, userId: string): Promise<void> {
  await deleteUserPurchases(trx, userId);
  await deleteUserAddress(trx, userId);
  await deleteUserAccounts(trx, userId);
}
