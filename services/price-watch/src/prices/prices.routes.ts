/** Price routes: series, trends, increases, comparison; the public reads; CPI import (admin). */
import {
  BlsImportResult,
  BlsSeriesImport,
  ComparisonQuery,
  IncreasesQuery,
  Inflation,
  InflationQuery,
  PriceIncreasePage,
  PriceSeries,
  PriceSeriesQuery,
  ProductParams,
  PublicComparisonQuery,
  PublicTrend,
  PublicTrendParams,
  PublicTrendQuery,
  StoreComparison,
  SuspiciousPriceList,
  SuspiciousPriceQuery,
  TrendsQuery,
  TrendsResponse,
} from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import {
  AppError,
  currentUser,
  errorResponses,
  jsonResponse,
  mountFastRead,
  type OpenAPIRegistry,
  parseBody,
  parseQuery,
  requireAdmin,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { DB } from '../db/schema.js';
import { getInflation, importBlsSeries } from '../inflation/inflation.service.js';
import type { SharedOptions } from './consensus.repository.js';
import {
  compareStores,
  getCategoryTrends,
  getPriceSeries,
  getPublicTrend,
  listPriceIncreases,
  listSuspiciousPrices,
} from './prices.service.js';

export function mountPriceRoutes(
  app: Express,
  deps: { database: Database<DB>; registry: OpenAPIRegistry; shared: SharedOptions },
): void {
  const { database, registry } = deps;

  registry.registerPath({
    method: 'get',
    path: '/products/{id}/prices',
    summary:
      'Min/avg/max price series of a product as the caller sees it: shared prices plus their own observations (per day, week or month; one store or all)',
    request: { params: ProductParams, query: PriceSeriesQuery },
    responses: {
      200: jsonResponse(PriceSeries, 'The series'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  // The two chart reads are the hottest routes of the service: fast reads (service-kit fast-reads.ts).
  mountFastRead(app, {
    path: '/products/:id/prices',
    params: ProductParams,
    query: PriceSeriesQuery,
    user: 'required',
    handle: async ({ params, query, user }) => {
      // user: 'required' (both paths answer 401 without one); the check only narrows the type.
      if (!user) throw AppError.unauthenticated();
      return getPriceSeries(database, params.id, user.id, query);
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/prices/trends',
    summary: 'Price change per category over a period',
    request: { query: TrendsQuery },
    responses: {
      200: jsonResponse(TrendsResponse, 'Trends'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  app.get('/prices/trends', requireUser, async (req, res) => {
    res.json(await getCategoryTrends(database, parseQuery(TrendsQuery, req)));
  });

  registry.registerPath({
    method: 'get',
    path: '/prices/increases',
    summary: 'Products whose price rose at least minPct since a date',
    request: { query: IncreasesQuery },
    responses: {
      200: jsonResponse(PriceIncreasePage, 'Increases'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  app.get('/prices/increases', requireUser, async (req, res) => {
    res.json(await listPriceIncreases(database, parseQuery(IncreasesQuery, req)));
  });

  registry.registerPath({
    method: 'get',
    path: '/prices/comparison',
    summary: 'Latest prices of up to 50 products across stores',
    request: { query: ComparisonQuery },
    responses: {
      200: jsonResponse(StoreComparison, 'Comparison'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  app.get('/prices/comparison', requireUser, async (req, res) => {
    res.json(await compareStores(database, parseQuery(ComparisonQuery, req).productIds, currentUser(req).id));
  });

  registry.registerPath({
    method: 'get',
    path: '/prices/moderation',
    summary:
      'Admin: suspicious receipt prices — more than 35 % away from the shared price of their product and store (docs/price-watch.md)',
    request: { query: SuspiciousPriceQuery },
    responses: {
      200: jsonResponse(SuspiciousPriceList, 'Newest first'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
    },
  });
  app.get('/prices/moderation', requireAdmin, async (req, res) => {
    const { limit } = parseQuery(SuspiciousPriceQuery, req);
    res.json(await listSuspiciousPrices(database, { windowDays: deps.shared.windowDays, limit }));
  });

  registry.registerPath({
    method: 'post',
    path: '/prices/cpi',
    summary: 'Admin: import newer CPI months from a BLS API v2 response',
    request: { body: { content: { 'application/json': { schema: BlsSeriesImport } } } },
    responses: {
      200: jsonResponse(BlsImportResult, 'Import result'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
    },
  });
  app.post('/prices/cpi', requireAdmin, async (req, res) => {
    res.json(await importBlsSeries(database, parseBody(BlsSeriesImport, req)));
  });

  registry.registerPath({
    method: 'get',
    path: '/public/trends/{productId}',
    summary: 'Public daily price trend of a product (from daily rollups)',
    request: { params: PublicTrendParams, query: PublicTrendQuery },
    responses: {
      200: jsonResponse(PublicTrend, 'The trend'),
      ...errorResponses('VALIDATION_FAILED', 'NOT_FOUND'),
    },
  });
  mountFastRead(app, {
    path: '/public/trends/:productId',
    params: PublicTrendParams,
    query: PublicTrendQuery,
    handle: ({ params, query }) => getPublicTrend(database, params.productId, query.period),
  });

  registry.registerPath({
    method: 'get',
    path: '/public/store-comparison',
    summary: 'Public: latest prices of up to 20 products across stores',
    request: { query: PublicComparisonQuery },
    responses: { 200: jsonResponse(StoreComparison, 'Comparison'), ...errorResponses('VALIDATION_FAILED') },
  });
  app.get('/public/store-comparison', async (req, res) => {
    res.json(await compareStores(database, parseQuery(PublicComparisonQuery, req).productIds));
  });

  registry.registerPath({
    method: 'get',
    path: '/public/inflation',
    summary: 'CartWatch basket index vs the official CPI, year-over-year % (docs/inflation.md)',
    request: { query: InflationQuery },
    responses: {
      200: jsonResponse(Inflation, 'Inflation'),
      ...errorResponses('VALIDATION_FAILED', 'NOT_FOUND'),
    },
  });
  app.get('/public/inflation', async (req, res) => {
    res.json(await getInflation(database, parseQuery(InflationQuery, req)));
  });
}
