/** Deletes every row of one user (purchases with their items, the inbound e-mail address, store accounts, photo receipts). */
import type { Transaction } from 'kysely';
import { deleteUserAccounts } from '../accounts/accounts.repository.js';
import type { DB } from '../db/schema.js';
import { deleteUserAddress } from '../inbound/inbound.repository.js';
import { deleteUserPurchases } from '../purchases/purchases.repository.js';
import { deleteUserPhotos } from '../receipts/photo/photo.repository.js';

export async function purgeUser(trx: Transaction<DB>, userId: string): Promise<void> {
  await deleteUserPurchases(trx, userId);
  await deleteUserAddress(trx, userId);
  await deleteUserAccounts(trx, userId);
  await deleteUserPhotos(trx, userId);
}
