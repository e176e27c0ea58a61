/** user.deleted.v1: forget everything this service holds about the user. */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { purgeUser } from '../users/user-purge.service.js';

export const userDeletedHandler = defineHandler(
  eventCatalog.userDeleted,
  async (trx: Transaction<DB>, event) => {
    await purgeUser(trx, event.data.userId);
  },
);
