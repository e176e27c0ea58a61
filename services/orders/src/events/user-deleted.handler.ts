/**
 * `user.deleted.v1`: purge the user's carts, orders and idempotency keys. Stock their open orders still
 * reserve (PENDING, PAID) is released first, so the deletion cannot leave units stuck as reserved.
 */
import type { EventCatalog, EventDataOf } from '@cartwatch/common-types';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import * as orders from '../orders/orders.repository.js';

export async function purgeUserData(trx: Transaction<DB>, data: EventDataOf<EventCatalog['userDeleted']>) {
  const { userId } = data;
  const open = await orders.lockOpenOrdersOfUser(trx, userId);
  for (const order of open) {
    const items = await orders.findOrderItems(trx, order.id);
    await orders.moveStock(
      trx,
      items.map((item) => ({ catalogItemId: item.catalog_item_id, quantity: item.quantity })),
      'release',
    );
  }
  await orders.deleteUserData(trx, userId);
}
