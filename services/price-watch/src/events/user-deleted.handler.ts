/**
 * user.deleted.v1: purge what price-watch holds about the user (purchase-line matches, watches, alerts,
 * settings). Prices they contributed stay, their account id replaced by a pseudonym (docs/privacy.md).
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import { deleteUserAlerts } from '../alerts/alerts.repository.js';
import { deleteUserMatches } from '../catalog/catalog.repository.js';
import type { DB } from '../db/schema.js';
import { anonymizeUserObservations } from '../prices/observation.repository.js';
import { deleteUserWatches } from '../watches/watches.repository.js';

export const userDeletedHandler = defineHandler(
  eventCatalog.userDeleted,
  async (trx: Transaction<DB>, event) => {
    const { userId } = event.data;
    await deleteUserMatches(trx, userId);
    await anonymizeUserObservations(trx, userId);
    await deleteUserAlerts(trx, userId);
    await deleteUserWatches(trx, userId);
  },
);
