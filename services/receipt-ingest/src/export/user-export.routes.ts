/**
 * GET /internal/users/{userId}/export (service-kit's mountUserExport): one user's purchases with their line items and their store
 * accounts (status and sync times, never credentials), for the gateway's account export
 * (docs/privacy.md), in the shapes the public API answers with. The purchases CSV of the same export is
 * GET /internal/users/{userId}/purchases.csv (purchases-export.routes.ts). The service key is the
 * caller's credential; the user is the one named in the path.
 */
import { allPages, mountUserExport } from '@cartwatch/service-kit';
import type { Express } from 'express';
import { listStoreAccounts } from '../accounts/accounts.service.js';
import type { AppDeps } from '../app-deps.js';
import * as purchases from '../purchases/purchases.repository.js';
import { toItem, toSummary } from '../purchases/purchases.service.js';

const PAGE = 200;

export function registerUserExportRoutes(app: Express, { database }: AppDeps): void {
  mountUserExport(app, async (userId) => {
    const all = [];
    let after: { purchasedAt: Date; id: string } | undefined;
    for (;;) {
      const page = await purchases.listPurchases(database.db, { userId, after, limit: PAGE });
      const items = await purchases.listItemsOfPurchases(
        database.db,
        page.map((row) => row.id),
      );
      const lines = new Map<string, purchases.PurchaseItemRow[]>();
      for (const item of items) {
        const of = lines.get(item.purchase_id);
        if (of) of.push(item);
        else lines.set(item.purchase_id, [item]);
      }
      for (const row of page) {
        all.push({
          ...toSummary(row),
          parseConfidence: row.parse_confidence,
          unparsedLines: row.unparsed_lines,
          items: (lines.get(row.id) ?? []).map(toItem),
        });
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) break;
      after = { purchasedAt: last.purchased_at, id: last.id };
    }
    const storeAccounts = await allPages((cursor) =>
      listStoreAccounts(database, userId, { limit: 100, cursor }),
    );
    return { purchases: all, storeAccounts };
  });
}
