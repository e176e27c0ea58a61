/** user.deleted.v1 -> forget the user's lists, clips, purchase history and own receipt prices. */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import { deleteUserClips } from '../coupons/coupon.repository.js';
import type { DB } from '../db/schema.js';
import { deleteUserOwnPrices } from '../prices/price.repository.js';
import { deleteUserPurchaseLines } from '../relevance/purchase-line.repository.js';
import { deleteUserLists } from '../shopping/shopping-list.repository.js';

export async function purgeUser(trx: Transaction<DB>, userId: string): Promise<void> {
  await deleteUserLists(trx, userId);
  await deleteUserClips(trx, userId);
  await deleteUserPurchaseLines(trx, userId);
  await deleteUserOwnPrices(trx, userId);
}

export const userDeletedHandler = defineHandler(
  eventCatalog.userDeleted,
  async (trx: Transaction<DB>, event) => {
    await purgeUser(trx, event.data.userId);
  },
);
