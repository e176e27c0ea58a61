/**
 * GET /purchases/export.csv: the caller's purchases (the list's filters, no paging) as the receipt CSV
 * that POST /receipts/csv imports, streamed. GET /internal/users/{userId}/purchases.csv: the same file
 * for the gateway's account export (the service key is its credential).
 */
import { ReceiptIngestApi as Api, Uuid } from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  type OpenAPIRegistry,
  parseParams,
  parseQuery,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express, Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { type PurchaseCsvFilter, writePurchasesCsv } from './purchases-csv.js';

const UserParams = z.strictObject({ userId: Uuid });

function filterOf(query: z.infer<typeof Api.PurchaseExportQuery>): PurchaseCsvFilter {
  return {
    store: query.store,
    from: query.from === undefined ? undefined : new Date(query.from),
    to: query.to === undefined ? undefined : new Date(query.to),
    text: query.text,
  };
}

async function sendCsv(
  { database, logger }: AppDeps,
  res: Response,
  userId: string,
  filter: PurchaseCsvFilter,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', 'attachment; filename="purchases.csv"');
  res.setHeader('Cache-Control', 'no-store');
  try {
    await writePurchasesCsv(database, userId, filter, res);
  } catch (err) {
    // Once rows are out, no error body can follow: the connection is cut so the file is not
    // mistaken for a complete one.
    if (!res.headersSent) throw err;
    logger.warn({ err, userId }, 'purchases CSV export stopped midway');
    res.destroy();
  }
}

export function registerPurchaseExportRoutes(app: Express, deps: AppDeps): void {
  // Registered before /purchases/:id.
  app.get('/purchases/export.csv', requireUser, async (req, res) => {
    const query = parseQuery(Api.PurchaseExportQuery, req);
    await sendCsv(deps, res, currentUser(req).id, filterOf(query));
  });

  app.get('/internal/users/:userId/purchases.csv', async (req, res) => {
    const { userId } = parseParams(UserParams, req);
    await sendCsv(deps, res, userId, {});
  });
}

export function documentPurchaseExportRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/purchases/export.csv',
    summary:
      "The caller's purchases matching the list's filters as a receipt CSV (the columns POST /receipts/csv imports), streamed",
    request: { query: Api.PurchaseExportQuery },
    responses: {
      200: {
        description:
          'One row per line item, newest purchase first; importing it into another account reproduces the purchases',
        content: { 'text/csv': { schema: z.string() } },
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
}
