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
  defineRoute,
  errorResponses,
  jsonResponse,
  type RouteDefinition,
  requireAdmin,
} from '@cartwatch/service-kit';
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

export function priceRoutes(deps: { database: Database<DB>; shared: SharedOptions }): RouteDefinition[] {
  const { database } = deps;
  return [
    // The two chart reads are the hottest routes of the service: fast reads (service-kit fast-reads.ts).
    defineRoute({
      method: 'get',
      path: '/products/:id/prices',
      summary:
        'Min/avg/max price series of a product as the caller sees it: shared prices plus their own observations (per day, week or month; one store or all)',
      user: 'required',
      request: { params: ProductParams, query: PriceSeriesQuery },
      responses: {
        200: jsonResponse(PriceSeries, 'The series'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      fast: true,
      read: ({ params, query, user }) => getPriceSeries(database, params.id, user.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/prices/trends',
      summary: 'Price change per category over a period',
      user: 'required',
      request: { query: TrendsQuery },
      responses: {
        200: jsonResponse(TrendsResponse, 'Trends'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query }) => getCategoryTrends(database, query),
    }),
    defineRoute({
      method: 'get',
      path: '/prices/increases',
      summary: 'Products whose price rose at least minPct since a date',
      user: 'required',
      request: { query: IncreasesQuery },
      responses: {
        200: jsonResponse(PriceIncreasePage, 'Increases'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query }) => listPriceIncreases(database, query),
    }),
    defineRoute({
      method: 'get',
      path: '/prices/comparison',
      summary: 'Latest prices of up to 50 products across stores',
      user: 'required',
      request: { query: ComparisonQuery },
      responses: {
        200: jsonResponse(StoreComparison, 'Comparison'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => compareStores(database, query.productIds, user.id),
    }),
    defineRoute({
      method: 'get',
      path: '/prices/moderation',
      summary:
        'Admin: suspicious receipt prices — more than 35 % away from the shared price of their product and store (docs/price-watch.md)',
      use: [requireAdmin],
      request: { query: SuspiciousPriceQuery },
      responses: {
        200: jsonResponse(SuspiciousPriceList, 'Newest first'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
      },
      read: ({ query }) =>
        listSuspiciousPrices(database, { windowDays: deps.shared.windowDays, limit: query.limit }),
    }),
    defineRoute({
      method: 'post',
      path: '/prices/cpi',
      summary: 'Admin: import newer CPI months from a BLS API v2 response',
      use: [requireAdmin],
      request: { body: BlsSeriesImport },
      responses: {
        200: jsonResponse(BlsImportResult, 'Import result'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
      },
      read: ({ body }) => importBlsSeries(database, body),
    }),
    defineRoute({
      method: 'get',
      path: '/public/trends/:productId',
      summary: 'Public daily price trend of a product (from daily rollups)',
      request: { params: PublicTrendParams, query: PublicTrendQuery },
      responses: {
        200: jsonResponse(PublicTrend, 'The trend'),
        ...errorResponses('VALIDATION_FAILED', 'NOT_FOUND'),
      },
      fast: true,
      read: ({ params, query }) => getPublicTrend(database, params.productId, query.period),
    }),
    defineRoute({
      method: 'get',
      path: '/public/store-comparison',
      summary: 'Public: latest prices of up to 20 products across stores',
      request: { query: PublicComparisonQuery },
      responses: { 200: jsonResponse(StoreComparison, 'Comparison'), ...errorResponses('VALIDATION_FAILED') },
      read: ({ query }) => compareStores(database, query.productIds),
    }),
    defineRoute({
      method: 'get',
      path: '/public/inflation',
      summary: 'CartWatch basket index vs the official CPI, year-over-year % (docs/inflation.md)',
      request: { query: InflationQuery },
      responses: {
        200: jsonResponse(Inflation, 'Inflation'),
        ...errorResponses('VALIDATION_FAILED', 'NOT_FOUND'),
      },
      read: ({ query }) => getInflation(database, query),
    }),
  ];
}
