/**
 * `user.deleted.v1`: this service holds a user's id only as the origin of receipt observations (and so
 * among a detection's contributors) and as the reviewer of detections. The first becomes a random
 * pseudonym, the second is dropped; the prices themselves are market data and stay (docs/privacy.md).
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
