/**
 * /coupons: writes and bulk import by admins and store staff (their retailer's coupons only, see
 * coupon.service.ts), listing, clipping and the relevant-for-you ranking.
 */
import {
  Coupon,
  CouponIdParams,
  CouponImportJson,
  CouponImportResult,
  CouponListQuery,
  CouponPage,
  CreateCoupon,
  MAX_IMPORTED_COUPONS,
  RelevantCouponPage,
  RelevantCouponQuery,
} from '@cartwatch/common-types';
import {
  AppError,
  currentUser,
  errorResponses,
  jsonResponse,
  limitedBody,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requireStaff,
  requireUser,
  sizeInBytes,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import { relevantCoupons } from '../relevance/relevance.service.js';
import * as coupons from './coupon.service.js';
import { couponsFromCsv } from './coupon-csv.js';

export function mountCouponRoutes(app: Express, db: Kysely<DB>, bodyLimit: string): void {
  app.get('/coupons', requireUser, async (req, res) => {
    const query = parseQuery(CouponListQuery, req);
    res.json(await coupons.listCouponPage(db, currentUser(req).id, query));
  });

  app.get('/coupons/relevant', requireUser, async (req, res) => {
    const query = parseQuery(RelevantCouponQuery, req);
    res.json(await relevantCoupons(db, currentUser(req).id, query));
  });

  app.post('/coupons/import', requireStaff, async (req, res) => {
    let entries: unknown[];
    if (req.is(['text/csv', 'application/csv'])) {
      // Streamed, never buffered whole: at most BODY_LIMIT bytes (413) and as many rows as a JSON feed.
      entries = await couponsFromCsv(limitedBody(req, sizeInBytes(bodyLimit)), MAX_IMPORTED_COUPONS);
      if (entries.length === 0)
        throw AppError.validation([{ path: 'lines', message: 'no data rows', code: 'too_small' }]);
    } else {
      entries = parseBody(CouponImportJson, req).coupons;
    }
    res.json(await coupons.importCoupons(db, entries, currentUser(req)));
  });

  app.post('/coupons', requireStaff, async (req, res) => {
    res.status(201).json(await coupons.createCoupon(db, parseBody(CreateCoupon, req), currentUser(req)));
  });

  app.get('/coupons/:id', requireUser, async (req, res) => {
    const { id } = parseParams(CouponIdParams, req);
    res.json(await coupons.getCoupon(db, id, currentUser(req).id));
  });

  app.put('/coupons/:id', requireStaff, async (req, res) => {
    const { id } = parseParams(CouponIdParams, req);
    res.json(await coupons.replaceCoupon(db, id, parseBody(CreateCoupon, req), currentUser(req)));
  });

  app.delete('/coupons/:id', requireStaff, async (req, res) => {
    const { id } = parseParams(CouponIdParams, req);
    await coupons.removeCoupon(db, id, currentUser(req));
    res.status(204).end();
  });

  app.post('/coupons/:id/clip', requireUser, async (req, res) => {
    const { id } = parseParams(CouponIdParams, req);
    res.json(await coupons.clip(db, currentUser(req).id, id));
  });

  app.delete('/coupons/:id/clip', requireUser, async (req, res) => {
    const { id } = parseParams(CouponIdParams, req);
    await coupons.unclip(db, currentUser(req).id, id);
    res.status(204).end();
  });
}

export function registerCouponDocs(registry: OpenAPIRegistry): void {
  const idParams = { params: CouponIdParams };
  registry.registerPath({
    method: 'get',
    path: '/coupons',
    summary: 'Coupons, filtered by store, category and whether they are valid now',
    request: { query: CouponListQuery },
    responses: {
      200: jsonResponse(CouponPage, 'A page of coupons'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/coupons/relevant',
    summary: 'Active coupons ranked for the caller (lists and recent purchases)',
    request: { query: RelevantCouponQuery },
    responses: {
      200: jsonResponse(RelevantCouponPage, 'Ranked coupons, best first'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/coupons',
    summary: "Create a coupon (admin; store staff: their retailer's only); publishes coupon.published.v1",
    request: { body: { content: { 'application/json': { schema: CreateCoupon } } } },
    responses: {
      201: jsonResponse(Coupon, 'The coupon'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/coupons/import',
    summary:
      "Bulk import a deal feed (admin; store staff: their retailer's entries): JSON `{ coupons: [...] }` or CSV with a header row",
    request: {
      body: {
        content: {
          'application/json': { schema: CouponImportJson },
          'text/csv': { schema: z.string() },
        },
      },
    },
    responses: {
      200: jsonResponse(CouponImportResult, 'What was created, updated (same externalId) and rejected'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'PAYLOAD_TOO_LARGE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/coupons/{id}',
    request: idParams,
    responses: { 200: jsonResponse(Coupon, 'The coupon'), ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
  });
  registry.registerPath({
    method: 'put',
    path: '/coupons/{id}',
    summary:
      "Replace a coupon (admin; store staff: their retailer's, never moved to another); publishes coupon.published.v1",
    request: { ...idParams, body: { content: { 'application/json': { schema: CreateCoupon } } } },
    responses: {
      200: jsonResponse(Coupon, 'The coupon'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/coupons/{id}',
    summary: "Delete a coupon (admin; store staff: their retailer's)",
    request: idParams,
    responses: {
      204: { description: 'Deleted' },
      ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/coupons/{id}/clip',
    summary: 'Clip a coupon for the caller (idempotent)',
    request: idParams,
    responses: {
      200: jsonResponse(Coupon, 'The coupon, clipped'),
      ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/coupons/{id}/clip',
    request: idParams,
    responses: { 204: { description: 'Unclipped' }, ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
  });
}
