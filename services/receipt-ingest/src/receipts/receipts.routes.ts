/** POST /receipts (JSON), /receipts/batch, /receipts/csv (streamed), /receipts/text. */
import { ReceiptIngestApi as Api } from '@cartwatch/common-types';
import {
  AppError,
  defineRoute,
  errorResponses,
  limitedBody,
  type RouteDefinition,
} from '@cartwatch/service-kit';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import * as receiptsService from './receipts.service.js';

const importResponses = {
  200: {
    description: 'Imported before: the existing purchase (`created: false`)',
    content: { 'application/json': { schema: Api.ImportResult } },
  },
  201: { description: 'Recorded', content: { 'application/json': { schema: Api.ImportResult } } },
};
const batchResponses = {
  200: {
    description: 'Recorded; `created` tells new purchases from re-imports',
    content: { 'application/json': { schema: Api.BatchImportResult } },
  },
};

export function receiptRoutes({ database, config }: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/receipts',
      summary: 'Import one JSON receipt (idempotent per retailer receipt id, else per content)',
      user: 'required',
      request: { body: Api.ReceiptInput },
      responses: { ...importResponses, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
      handler: async ({ body, user }, _req, res) => {
        const result = await receiptsService.importReceipt(
          database,
          user.id,
          receiptsService.normalizeJsonReceipt(body),
        );
        res.status(result.created ? 201 : 200).json(result);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/receipts/batch',
      summary: 'Import up to 100 JSON receipts at once, all or nothing',
      user: 'required',
      request: { body: Api.ReceiptBatchInput },
      responses: { ...batchResponses, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
      read: ({ body, user }) => receiptsService.importJsonBatch(database, user.id, body.receipts),
    }),
    defineRoute({
      method: 'post',
      path: '/receipts/csv',
      summary: 'Import a CSV of line items (streamed; columns in the receipt-ingest README), all or nothing',
      user: 'required',
      // Documented only: the handler streams the body itself.
      request: { body: { content: { 'text/csv': { schema: z.string() } } } },
      responses: {
        ...batchResponses,
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE'),
      },
      handler: async ({ user }, req, res) => {
        if (!req.is('text/csv')) {
          throw AppError.validation([
            { path: 'content-type', message: 'must be text/csv', code: 'invalid_type' },
          ]);
        }
        const result = await receiptsService.importCsv(
          database,
          user.id,
          limitedBody(req, config.CSV_MAX_BYTES),
          {
            maxRows: config.CSV_MAX_ROWS,
            defaultCurrency: config.DEFAULT_CURRENCY,
          },
        );
        res.json(result);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/receipts/text',
      summary: 'Import a pasted plain-text receipt; unparsed lines are kept with a parse confidence',
      user: 'required',
      request: { body: Api.TextReceiptInput },
      responses: {
        ...importResponses,
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE'),
      },
      handler: async ({ body, user }, _req, res) => {
        const result = await receiptsService.importText(database, user.id, body);
        res.status(result.created ? 201 : 200).json(result);
      },
    }),
  ];
}
