/**
 * GET /internal/users/{userId}/export (service-kit's userExportRoute): everything price-watch keeps for
 * one user, for the gateway's account export (docs/privacy.md): watches, alerts and alert settings.
 */
import type { Database } from '@cartwatch/db';
import { allPages, type RouteDefinition, userExportRoute } from '@cartwatch/service-kit';
import { getAlertSettings, listUserAlerts } from '../alerts/alerts.service.js';
import type { DB } from '../db/schema.js';
import { listWatches } from '../watches/watches.service.js';

const PAGE = 100;

export function userExportRoutes({ database }: { database: Database<DB> }): RouteDefinition[] {
  return [
    userExportRoute(async (userId) => ({
      watches: await allPages((cursor) => listWatches(database, userId, { limit: PAGE, cursor })),
      alerts: await allPages((cursor) => listUserAlerts(database, userId, { limit: PAGE, cursor })),
      alertSettings: await getAlertSettings(database, userId),
    })),
  ];
}
