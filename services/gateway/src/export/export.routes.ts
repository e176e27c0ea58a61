/** POST /me/export, GET /me/export/{id}, GET /me/export/{id}/download: the caller's own exports only. */
import { AccountExport, AccountExportParams } from '@cartwatch/common-types';
import { defineRoute, errorResponses, jsonResponse, type RouteDefinition } from '@cartwatch/service-kit';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { sessionOf } from '../auth/authenticate.js';
import type { ExportService } from './export.service.js';

export function exportRoutes(deps: { exports: ExportService; session: RequestHandler }): RouteDefinition[] {
  const { exports, session } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/me/export',
      tags: ['account'],
      summary:
        'Ask for an export of the whole account (profile, purchases with lines and as CSV, store accounts without secrets, watches, alerts, lists, clipped coupons, orders): built after the request as a zip',
      use: [session],
      responses: {
        202: {
          description: 'Queued; follow it at `Location` (`GET /me/export/{id}`)',
          headers: { Location: { schema: { type: 'string' }, description: '/me/export/{id}' } },
          content: { 'application/json': { schema: AccountExport } },
        },
        ...errorResponses('UNAUTHENTICATED', 'CONFLICT', 'RATE_LIMITED'),
      },
      handler: async (_input, _req, res) => {
        const job = await exports.request(sessionOf(res).userId);
        res.status(202).location(`/me/export/${job.id}`).json(job);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me/export/:id',
      tags: ['account'],
      summary: 'How far an export is: queued, running (areas done), ready (until `expiresAt`), failed (why)',
      use: [session],
      request: { params: AccountExportParams },
      responses: {
        200: jsonResponse(AccountExport, 'The export'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      handler: async ({ params }, _req, res) => {
        res.setHeader('Cache-Control', 'no-store');
        res.json(await exports.get(sessionOf(res).userId, params.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me/export/:id/download',
      tags: ['account'],
      summary:
        'The zip of a ready export: manifest.json, one JSON file per area and purchases.csv; kept an hour after the first download at most',
      use: [session],
      request: { params: AccountExportParams },
      responses: {
        200: {
          description: 'The archive',
          content: { 'application/zip': { schema: z.string().meta({ format: 'binary' }) } },
        },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT'),
      },
      handler: async ({ params }, _req, res) => {
        const { archive, createdAt } = await exports.download(sessionOf(res).userId, params.id);
        const day = createdAt.toISOString().slice(0, 10);
        res.setHeader('Content-Type', 'application/zip');
        res.setHeader('Content-Disposition', `attachment; filename="cartwatch-export-${day}.zip"`);
        res.setHeader('Cache-Control', 'no-store');
        res.send(archive);
      },
    }),
  ];
}
