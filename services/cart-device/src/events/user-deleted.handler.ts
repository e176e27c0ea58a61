/** user.deleted.v1: the user's scans and pairing sessions go (which ends any active session). */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { deleteUserSessions } from '../pairing/pairing.repository.js';
import { deleteUserScans } from '../scans/scan.repository.js';

export const userDeletedHandler = defineHandler(
  eventCatalog.userDeleted,
  async (trx: Transaction<DB>, event) => {
    await deleteUserScans(trx, event.data.userId);
    await deleteUserSessions(trx, event.data.userId);
  },
);
