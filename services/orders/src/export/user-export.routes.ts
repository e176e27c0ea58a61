/**
 * GET /internal/users/{userId}/export: one user's orders with their lines and status history, for the
 * gateway's account export (docs/privacy.md), in the shapes the public API answers with. The service
 * key is the caller's credential; the user is the one named in the path.
 */
import type { Page } from '@cartwatch/common-types';
import { parseParams } from '@cartwatch/service-kit';
import type { Express } from 'express';
import { z } from 'zod';
import { getOrder, listOrders, type OrdersDeps, orderHistory } from '../orders/orders.service.js';

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

export function mountUserExportRoutes(app: Express, deps: OrdersDeps): void {
  app.get('/internal/users/:userId/export', async (req, res) => {
    const { userId } = parseParams(UserParams, req);
    const user = { id: userId, role: 'user' as const };
    const summaries = await allPages((cursor) => listOrders(deps, user, { limit: PAGE, cursor }));
    const orders = [];
    for (const summary of summaries) {
      const order = await getOrder(deps, user, summary.id);
      const history = await allPages((cursor) =>
        orderHistory(deps, user, summary.id, { limit: PAGE, cursor }),
      );
      orders.push({ ...order, history });
    }
    res.json({ orders });
  });
}
