/**
 * GET /stores, GET /stores/{slug}, GET /stores/{slug}/locations; admins add retailers, and admins or the
 * retailer's store staff add its locations.
 */
import { ReceiptIngestApi as Api, pageOf } from '@cartwatch/common-types';
import {
  assertManagesRetailer,
  currentUser,
  defineRoute,
  errorResponses,
  jsonResponse,
  parseParams,
  type RouteDefinition,
  requireAdmin,
  requireStaff,
} from '@cartwatch/service-kit';
import type { RequestHandler } from 'express';
import type { AppDeps } from '../app-deps.js';
import * as storesService from './stores.service.js';

/**
 * Staff of another retailer are refused before the body is read (admins and staff pass `requireStaff`
 * first; a malformed slug is still a 400, as the path is parsed before the retailer is compared).
 */
const managesPathRetailer: RequestHandler = (req, _res, next) => {
  const { slug } = parseParams(Api.StoreSlugParams, req);
  assertManagesRetailer(currentUser(req), slug);
  next();
};

export function storeRoutes({ database }: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/stores',
      summary: 'List retailers with their supported ingestion methods',
      user: 'required',
      request: { query: Api.ListQuery },
      responses: {
        200: jsonResponse(pageOf(Api.Retailer), 'A page of retailers'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query }) => storesService.listRetailers(database, query),
    }),
    defineRoute({
      method: 'post',
      path: '/stores',
      summary: 'Add a retailer (admin)',
      use: [requireAdmin],
      request: { body: Api.CreateRetailer },
      responses: {
        201: jsonResponse(Api.Retailer, 'The new retailer'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'CONFLICT'),
      },
      handler: async ({ body }, _req, res) => {
        res.status(201).json(await storesService.createRetailer(database, body));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/stores/:slug',
      summary: 'One retailer',
      user: 'required',
      request: { params: Api.StoreSlugParams },
      responses: {
        200: jsonResponse(Api.Retailer, 'The retailer'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params }) => storesService.getRetailer(database, params.slug),
    }),
    defineRoute({
      method: 'get',
      path: '/stores/:slug/locations',
      summary: "List a retailer's locations",
      user: 'required',
      request: { params: Api.StoreSlugParams, query: Api.ListQuery },
      responses: {
        200: jsonResponse(pageOf(Api.StoreLocation), 'A page of locations'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, query }) => storesService.listLocations(database, params.slug, query),
    }),
    defineRoute({
      method: 'post',
      path: '/stores/:slug/locations',
      summary: "Add a location to a retailer (admin, or the retailer's store staff)",
      use: [requireStaff, managesPathRetailer],
      request: { params: Api.StoreSlugParams, body: Api.CreateStoreLocation },
      responses: {
        201: jsonResponse(Api.StoreLocation, 'The new location'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
      },
      handler: async ({ params, body }, _req, res) => {
        res.status(201).json(await storesService.createLocation(database, params.slug, body));
      },
    }),
  ];
}
