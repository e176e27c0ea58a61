/** user.deleted.v1: the user's pairing sessions go (which ends any active one). */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { deleteUserSessions } from '../pairing/pairing.repository.js';

export const userDeletedHandler = defineHandler(
  eventCatalog.userDeleted,
  async (trx: Transaction<DB>, event) => {
    await deleteUserSessions(trx, event.data.userId);
  },
);
