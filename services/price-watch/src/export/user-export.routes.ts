/**
 * GET /internal/users/{userId}/export: everything price-watch keeps for one user, for the gateway's
 * account export (docs/privacy.md): watches, alerts and alert settings, in the shapes the public API
 * answers with. The service key is the caller's credential; the user is the one named in the path.
 */
import type { Page } from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import { parseParams } from '@cartwatch/service-kit';
import type { Express } from 'express';
import { z } from 'zod';
import { getAlertSettings, listUserAlerts } from '../alerts/alerts.service.js';
import type { DB } from '../db/schema.js';
import { listWatches } from '../watches/watches.service.js';

const UserParams = z.strictObject({ userId: z.uuid() });
const PAGE = 100;

async function allPages<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

export function mountUserExportRoutes(app: Express, { database }: { database: Database<DB> }): void {
  app.get('/internal/users/:userId/export', async (req, res) => {
    const { userId } = parseParams(UserParams, req);
    const watches = await allPages((cursor) => listWatches(database, userId, { limit: PAGE, cursor }));
    const alerts = await allPages((cursor) => listUserAlerts(database, userId, { limit: PAGE, cursor }));
    const alertSettings = await getAlertSettings(database, userId);
    res.json({ watches, alerts, alertSettings });
  });
}
