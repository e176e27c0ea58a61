/**
 * GET /internal/users/{userId}/export (service-kit's userExportRoute): one user's orders with their lines
 * and status history, for the gateway's account export (docs/privacy.md).
 */
import { allPages, type RouteDefinition, userExportRoute } from '@cartwatch/service-kit';
import { getOrder, listOrders, type OrdersDeps, orderHistory } from '../orders/orders.service.js';

const PAGE = 100;

export function userExportRoutes(deps: OrdersDeps): RouteDefinition[] {
  return [
    userExportRoute(async (userId) => {
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
      return { orders };
    }),
  ];
}
