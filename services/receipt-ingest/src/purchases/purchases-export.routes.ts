/**
 * GET /purchases/export.csv: the caller's purchases (the list's filters, no paging) as the receipt CSV
 * that POST /receipts/csv imports, streamed. GET /internal/users/{userId}/purchases.csv: the same file
 * for the gateway's account export (the service key is its credential).
 */
import { ReceiptIngestApi as Api, Uuid } from '@cartwatch/common-types';
import { defineRoute, errorResponses, type RouteDefinition } from '@cartwatch/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { type PurchaseCsvFilter, writePurchasesCsv } from './purchases-csv.js';

const UserParams = z.strictObject({ userId: Uuid });
const csvContent = { 'text/csv': { schema: z.string() } };

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

export function purchaseExportRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    // Mounted before /purchases/:id.
    defineRoute({
      method: 'get',
      path: '/purchases/export.csv',
      summary:
        "The caller's purchases matching the list's filters as a receipt CSV (the columns POST /receipts/csv imports), streamed",
      user: 'required',
      request: { query: Api.PurchaseExportQuery },
      responses: {
        200: {
          description:
            'One row per line item, newest purchase first; importing it into another account reproduces the purchases',
          content: csvContent,
        },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      handler: async ({ query, user }, _req, res) => {
        await sendCsv(deps, res, user.id, filterOf(query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/internal/users/:userId/purchases.csv',
      summary: "Internal: all of one user's purchases as a receipt CSV (the gateway's account export)",
      request: { params: UserParams },
      responses: {
        200: { description: 'One row per line item, newest purchase first', content: csvContent },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      handler: async ({ params }, _req, res) => {
        await sendCsv(deps, res, params.userId, {});
      },
    }),
  ];
}
