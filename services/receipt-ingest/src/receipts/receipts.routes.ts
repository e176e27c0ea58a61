/** POST /receipts (JSON), /receipts/batch, /receipts/csv (streamed), /receipts/text. */
import { ReceiptIngestApi as Api } from '@cartwatch/common-types';
import {
  AppError,
  currentUser,
  errorResponses,
  limitedBody,
  type OpenAPIRegistry,
  parseBody,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
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

export function registerReceiptRoutes(app: Express, { database, config }: AppDeps): void {
  app.post('/receipts', requireUser, async (req, res) => {
    const input = parseBody(Api.ReceiptInput, req);
    const result = await receiptsService.importReceipt(
      database,
      currentUser(req).id,
      receiptsService.normalizeJsonReceipt(input),
    );
    res.status(result.created ? 201 : 200).json(result);
  });

  app.post('/receipts/batch', requireUser, async (req, res) => {
    const input = parseBody(Api.ReceiptBatchInput, req);
    res.json(await receiptsService.importJsonBatch(database, currentUser(req).id, input.receipts));
  });

  app.post('/receipts/csv', requireUser, async (req, res) => {
    if (!req.is('text/csv')) {
      throw AppError.validation([
        { path: 'content-type', message: 'must be text/csv', code: 'invalid_type' },
      ]);
    }
    const result = await receiptsService.importCsv(
      database,
      currentUser(req).id,
      limitedBody(req, config.CSV_MAX_BYTES),
      {
        maxRows: config.CSV_MAX_ROWS,
        defaultCurrency: config.DEFAULT_CURRENCY,
      },
    );
    res.json(result);
  });

  app.post('/receipts/text', requireUser, async (req, res) => {
    const input = parseBody(Api.TextReceiptInput, req);
    const result = await receiptsService.importText(database, currentUser(req).id, input);
    res.status(result.created ? 201 : 200).json(result);
  });
}

export function documentReceiptRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/receipts',
    summary: 'Import one JSON receipt (idempotent per retailer receipt id, else per content)',
    request: { body: { content: { 'application/json': { schema: Api.ReceiptInput } } } },
    responses: { ...importResponses, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
  });
  registry.registerPath({
    method: 'post',
    path: '/receipts/batch',
    summary: 'Import up to 100 JSON receipts at once, all or nothing',
    request: { body: { content: { 'application/json': { schema: Api.ReceiptBatchInput } } } },
    responses: { ...batchResponses, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED') },
  });
  registry.registerPath({
    method: 'post',
    path: '/receipts/csv',
    summary: 'Import a CSV of line items (streamed; columns in the receipt-ingest README), all or nothing',
    request: { body: { content: { 'text/csv': { schema: z.string() } } } },
    responses: {
      ...batchResponses,
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/receipts/text',
    summary: 'Import a pasted plain-text receipt; unparsed lines are kept with a parse confidence',
    request: { body: { content: { 'application/json': { schema: Api.TextReceiptInput } } } },
    responses: {
      ...importResponses,
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE'),
    },
  });
}
