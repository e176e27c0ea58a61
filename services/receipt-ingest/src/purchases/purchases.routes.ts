/** GET /purchases, GET /purchases/stats, GET/DELETE /purchases/{id}: the caller's own purchases only. */
import { ReceiptIngestApi as Api, pageOf } from '@cartwatch/common-types';
import { defineRoute, errorResponses, type RouteDefinition } from '@cartwatch/service-kit';
import type { AppDeps } from '../app-deps.js';
import * as purchasesService from './purchases.service.js';

export function purchaseRoutes({ database }: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/purchases',
      summary: "The caller's purchases, newest first",
      user: 'required',
      request: { query: Api.PurchaseListQuery },
      responses: {
        200: {
          description: 'A page of purchases',
          content: { 'application/json': { schema: pageOf(Api.PurchaseSummary) } },
        },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => purchasesService.listPurchases(database, user.id, query),
    }),
    // Before /purchases/:id so "stats" is never taken for an id.
    defineRoute({
      method: 'get',
      path: '/purchases/stats',
      summary: 'Spend, savings and item counts grouped by store, category or month (UTC)',
      user: 'required',
      request: { query: Api.PurchaseStatsQuery },
      responses: {
        200: { description: 'The groups', content: { 'application/json': { schema: Api.PurchaseStats } } },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE'),
      },
      read: ({ query, user }) => purchasesService.purchaseStats(database, user.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/purchases/:id',
      summary: 'One purchase with its line items (productId once price-watch matched the line)',
      user: 'required',
      request: { params: Api.PurchaseIdParams },
      responses: {
        200: { description: 'The purchase', content: { 'application/json': { schema: Api.Purchase } } },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => purchasesService.getPurchase(database, user.id, params.id),
    }),
    defineRoute({
      method: 'delete',
      path: '/purchases/:id',
      summary: 'Delete a purchase and its line items',
      user: 'required',
      request: { params: Api.PurchaseIdParams },
      responses: {
        204: { description: 'Deleted' },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      handler: async ({ params, user }, _req, res) => {
        await purchasesService.deletePurchase(database, user.id, params.id);
        res.status(204).end();
      },
    }),
  ];
}
