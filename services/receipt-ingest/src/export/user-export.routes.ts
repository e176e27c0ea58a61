/**
 * GET /internal/users/{userId}/export (service-kit's userExportRoute): one user's purchases with their line items and their store
 * accounts (status and sync times, never credentials), for the gateway's account export
 * (docs/privacy.md), in the shapes the public API answers with. The purchases CSV of the same export is
 * GET /internal/users/{userId}/purchases.csv (purchases-export.routes.ts). The service key is the
 * caller's credential; the user is the one named in the path.
 */
import { allPages, type RouteDefinition, userExportRoute } from '@cartwatch/service-kit';
import { listStoreAccounts } from '../accounts/accounts.service.js';
import type { AppDeps } from '../app-deps.js';
import { exportPurchases } from '../purchases/purchases.service.js';

export function userExportRoutes({ database }: AppDeps): RouteDefinition[] {
  return [
    userExportRoute(async (userId) => {
      const all = await exportPurchases(database, userId);
      const storeAccounts = await allPages((cursor) =>
        listStoreAccounts(database, userId, { limit: 100, cursor }),
      );
      return { purchases: all, storeAccounts };
    }),
  ];
}
