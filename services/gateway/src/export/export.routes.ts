/** POST /me/export, GET /me/export/{id}, GET /me/export/{id}/download: the caller's own exports only. */
import { AccountExport, AccountExportParams } from '@cartwatch/common-types';
import { errorResponses, type OpenAPIRegistry, parseParams } from '@cartwatch/service-kit';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import { sessionOf } from '../auth/authenticate.js';
import type { ExportService } from './export.service.js';

export function mountExportRoutes(
  app: Express,
  deps: { exports: ExportService; session: RequestHandler },
): void {
  const { exports, session } = deps;
  app.post('/me/export', session, async (_req, res) => {
    const job = await exports.request(sessionOf(res).userId);
    res.status(202).location(`/me/export/${job.id}`).json(job);
  });
  app.get('/me/export/:id', session, async (req, res) => {
    const { id } = parseParams(AccountExportParams, req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await exports.get(sessionOf(res).userId, id));
  });
  app.get('/me/export/:id/download', session, async (req, res) => {
    const { id } = parseParams(AccountExportParams, req);
    const { archive, createdAt } = await exports.download(sessionOf(res).userId, id);
    const day = createdAt.toISOString().slice(0, 10);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="cartwatch-export-${day}.zip"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(archive);
  });
}

export function documentExportRoutes(registry: OpenAPIRegistry): void {
  const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
  registry.registerPath({
    method: 'post',
    path: '/me/export',
    tags: ['account'],
    summary:
      'Ask for an export of the whole account (profile, purchases with lines and as CSV, store accounts without secrets, watches, alerts, lists, clipped coupons, orders): built after the request as a zip',
    responses: {
      202: {
        description: 'Queued; follow it at `Location` (`GET /me/export/{id}`)',
        headers: { Location: { schema: { type: 'string' }, description: '/me/export/{id}' } },
        ...json(AccountExport),
      },
      ...errorResponses('UNAUTHENTICATED', 'CONFLICT', 'RATE_LIMITED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/me/export/{id}',
    tags: ['account'],
    summary: 'How far an export is: queued, running (areas done), ready (until `expiresAt`), failed (why)',
    request: { params: AccountExportParams },
    responses: {
      200: { description: 'The export', ...json(AccountExport) },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/me/export/{id}/download',
    tags: ['account'],
    summary:
      'The zip of a ready export: manifest.json, one JSON file per area and purchases.csv; kept an hour after the first download at most',
    request: { params: AccountExportParams },
    responses: {
      200: {
        description: 'The archive',
        content: { 'application/zip': { schema: z.string().meta({ format: 'binary' }) } },
      },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT'),
    },
  });
}
