/** GET /purchases, GET /purchases/stats, GET/DELETE /purchases/{id}: the caller's own purchases only. */
import { ReceiptIngestApi as Api, pageOf } from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  type OpenAPIRegistry,
  parseParams,
  parseQuery,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { AppDeps } from '../app-deps.js';
import * as purchasesService from './purchases.service.js';

export function registerPurchaseRoutes(app: Express, { database }: AppDeps): void {
  app.get('/purchases', requireUser, async (req, res) => {
    const query = parseQuery(Api.PurchaseListQuery, req);
    res.json(await purchasesService.listPurchases(database, currentUser(req).id, query));
  });

  // Before /purchases/:id so "stats" is never taken for an id.
  app.get('/purchases/stats', requireUser, async (req, res) => {
    const query = parseQuery(Api.PurchaseStatsQuery, req);
    res.json(await purchasesService.purchaseStats(database, currentUser(req).id, query));
  });

  app.get('/purchases/:id', requireUser, async (req, res) => {
    const { id } = parseParams(Api.PurchaseIdParams, req);
    res.json(await purchasesService.getPurchase(database, currentUser(req).id, id));
  });

  app.delete('/purchases/:id', requireUser, async (req, res) => {
    const { id } = parseParams(Api.PurchaseIdParams, req);
    await purchasesService.deletePurchase(database, currentUser(req).id, id);
    res.status(204).end();
  });
}

export function documentPurchaseRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/purchases',
    summary: "The caller's purchases, newest first",
    request: { query: Api.PurchaseListQuery },
    responses: {
      200: {
        description: 'A page of purchases',
        content: { 'application/json': { schema: pageOf(Api.PurchaseSummary) } },
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/purchases/stats',
    summary: 'Spend, savings and item counts grouped by store, category or month (UTC)',
    request: { query: Api.PurchaseStatsQuery },
    responses: {
      200: { description: 'The groups', content: { 'application/json': { schema: Api.PurchaseStats } } },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/purchases/{id}',
    summary: 'One purchase with its line items (productId once price-watch matched the line)',
    request: { params: Api.PurchaseIdParams },
    responses: {
      200: { description: 'The purchase', content: { 'application/json': { schema: Api.Purchase } } },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/purchases/{id}',
    summary: 'Delete a purchase and its line items',
    request: { params: Api.PurchaseIdParams },
    responses: {
      204: { description: 'Deleted' },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
}
