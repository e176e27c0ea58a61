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
  defineRoute,
  errorResponses,
  jsonResponse,
  limitedBody,
  parseBody,
  type RouteDefinition,
  requireStaff,
  sizeInBytes,
} from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import { relevantCoupons } from '../relevance/relevance.service.js';
import * as coupons from './coupon.service.js';
import { couponsFromCsv } from './coupon-csv.js';

export function couponRoutes(db: Kysely<DB>, bodyLimit: string): RouteDefinition[] {
  // requireStaff answers 401 without a user exactly as the user check before it does.
  return [
    defineRoute({
      method: 'get',
      path: '/coupons',
      summary: 'Coupons, filtered by store, category and whether they are valid now',
      user: 'required',
      request: { query: CouponListQuery },
      responses: {
        200: jsonResponse(CouponPage, 'A page of coupons'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => coupons.listCouponPage(db, user.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/coupons/relevant',
      summary: 'Active coupons ranked for the caller (lists and recent purchases)',
      user: 'required',
      request: { query: RelevantCouponQuery },
      responses: {
        200: jsonResponse(RelevantCouponPage, 'Ranked coupons, best first'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query, user }) => relevantCoupons(db, user.id, query),
    }),
    defineRoute({
      method: 'post',
      path: '/coupons/import',
      summary:
        "Bulk import a deal feed (admin; store staff: their retailer's entries): JSON `{ coupons: [...] }` or CSV with a header row",
      user: 'required',
      use: [requireStaff],
      request: {
        // Two media types: the handler parses the JSON body or streams the CSV one itself.
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
      handler: async ({ user }, req, res) => {
        let entries: unknown[];
        if (req.is(['text/csv', 'application/csv'])) {
          // Streamed, never buffered whole: at most BODY_LIMIT bytes (413) and as many rows as a JSON feed.
          entries = await couponsFromCsv(limitedBody(req, sizeInBytes(bodyLimit)), MAX_IMPORTED_COUPONS);
          if (entries.length === 0)
            throw AppError.validation([{ path: 'lines', message: 'no data rows', code: 'too_small' }]);
        } else {
          entries = parseBody(CouponImportJson, req).coupons;
        }
        res.json(await coupons.importCoupons(db, entries, user));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/coupons',
      summary: "Create a coupon (admin; store staff: their retailer's only); publishes coupon.published.v1",
      user: 'required',
      use: [requireStaff],
      request: { body: CreateCoupon },
      responses: {
        201: jsonResponse(Coupon, 'The coupon'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
      },
      handler: async ({ body, user }, _req, res) => {
        res.status(201).json(await coupons.createCoupon(db, body, user));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/coupons/:id',
      // The summary the gateway gave this operation when it had none (the public contract unchanged).
      summary: 'GET /coupons/{id}',
      user: 'required',
      request: { params: CouponIdParams },
      responses: {
        200: jsonResponse(Coupon, 'The coupon'),
        ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, user }) => coupons.getCoupon(db, params.id, user.id),
    }),
    defineRoute({
      method: 'put',
      path: '/coupons/:id',
      summary:
        "Replace a coupon (admin; store staff: their retailer's, never moved to another); publishes coupon.published.v1",
      user: 'required',
      use: [requireStaff],
      request: { params: CouponIdParams, body: CreateCoupon },
      responses: {
        200: jsonResponse(Coupon, 'The coupon'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'),
      },
      read: ({ params, body, user }) => coupons.replaceCoupon(db, params.id, body, user),
    }),
    defineRoute({
      method: 'delete',
      path: '/coupons/:id',
      summary: "Delete a coupon (admin; store staff: their retailer's)",
      user: 'required',
      use: [requireStaff],
      request: { params: CouponIdParams },
      responses: {
        204: { description: 'Deleted' },
        ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
      },
      handler: async ({ params, user }, _req, res) => {
        await coupons.removeCoupon(db, params.id, user);
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'post',
      path: '/coupons/:id/clip',
      summary: 'Clip a coupon for the caller (idempotent)',
      user: 'required',
      request: { params: CouponIdParams },
      responses: {
        200: jsonResponse(Coupon, 'The coupon, clipped'),
        ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
      },
      read: ({ params, user }) => coupons.clip(db, user.id, params.id),
    }),
    defineRoute({
      method: 'delete',
      path: '/coupons/:id/clip',
      summary: 'DELETE /coupons/{id}/clip',
      user: 'required',
      request: { params: CouponIdParams },
      responses: { 204: { description: 'Unclipped' }, ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND') },
      handler: async ({ params, user }, _req, res) => {
        await coupons.unclip(db, user.id, params.id);
        res.status(204).end();
      },
    }),
  ];
}
