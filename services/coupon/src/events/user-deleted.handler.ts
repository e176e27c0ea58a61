/** user.deleted.v1 -> forget the user's lists, clips, purchase history and own receipt prices. */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export async function purgeUser(trx: Transaction<DB>, userId: string): Promise<void> {
  await trx.deleteFrom('shopping_list').where('user_id', '=', userId).execute();
  await trx.deleteFrom('coupon_clip').where('user_id', '=', userId).execute();
  await trx.deleteFrom('purchase_line').where('user_id', '=', userId).execute();
  await trx.deleteFrom('own_price').where('user_id', '=', userId).execute();
}

export const userDeletedHandler = defineHandler(
  eventCatalog.userDeleted,
  async (trx: Transaction<DB>, event) => {
    await purgeUser(trx, event.data.userId);
  },
);
