/**
 * `user.deleted.v1`: this service holds a user's id only as the origin of receipt observations and as the
 * reviewer of detections. Both links are dropped; the prices themselves are market data and stay.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { forgetUser } from '../observations/user-data.service.js';

export const userDeletedHandler = defineHandler(
  eventCatalog.userDeleted,
  async (trx: Transaction<DB>, event) => {
    await forgetUser(trx, event.data.userId);
  },
);
