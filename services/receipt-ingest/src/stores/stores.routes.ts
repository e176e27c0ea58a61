/**
 * GET /stores, GET /stores/{slug}, GET /stores/{slug}/locations; admins add retailers, and admins or the
 * retailer's store staff add its locations.
 */
import { ReceiptIngestApi as Api, pageOf } from '@cartwatch/common-types';
import {
  assertManagesRetailer,
  currentUser,
  errorResponses,
  jsonResponse,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requireAdmin,
  requireStaff,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { AppDeps } from '../app-deps.js';
import * as storesService from './stores.service.js';

export function registerStoreRoutes(app: Express, deps: AppDeps): void {
  const { database } = deps;

  app.get('/stores', requireUser, async (req, res) => {
    const query = parseQuery(Api.ListQuery, req);
    res.json(await storesService.listRetailers(database, query));
  });

  app.post('/stores', requireAdmin, async (req, res) => {
    const input = parseBody(Api.CreateRetailer, req);
    res.status(201).json(await storesService.createRetailer(database, input));
  });

  app.get('/stores/:slug', requireUser, async (req, res) => {
    const { slug } = parseParams(Api.StoreSlugParams, req);
    res.json(await storesService.getRetailer(database, slug));
  });

  app.get('/stores/:slug/locations', requireUser, async (req, res) => {
    const { slug } = parseParams(Api.StoreSlugParams, req);
    const query = parseQuery(Api.ListQuery, req);
    res.json(await storesService.listLocations(database, slug, query));
  });

  app.post('/stores/:slug/locations', requireStaff, async (req, res) => {
    const { slug } = parseParams(Api.StoreSlugParams, req);
    assertManagesRetailer(currentUser(req), slug);
    const input = parseBody(Api.CreateStoreLocation, req);
    res.status(201).json(await storesService.createLocation(database, slug, input));
  });
}

export function documentStoreRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/stores',
    summary: 'List retailers with their supported ingestion methods',
    request: { query: Api.ListQuery },
    responses: {
      200: jsonResponse(pageOf(Api.Retailer), 'A page of retailers'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/stores',
    summary: 'Add a retailer (admin)',
    request: { body: { content: { 'application/json': { schema: Api.CreateRetailer } } } },
    responses: {
      201: jsonResponse(Api.Retailer, 'The new retailer'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'CONFLICT'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/stores/{slug}',
    summary: 'One retailer',
    request: { params: Api.StoreSlugParams },
    responses: {
      200: jsonResponse(Api.Retailer, 'The retailer'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/stores/{slug}/locations',
    summary: "List a retailer's locations",
    request: { params: Api.StoreSlugParams, query: Api.ListQuery },
    responses: {
      200: jsonResponse(pageOf(Api.StoreLocation), 'A page of locations'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/stores/{slug}/locations',
    summary: "Add a location to a retailer (admin, or the retailer's store staff)",
    request: {
      params: Api.StoreSlugParams,
      body: { content: { 'application/json': { schema: Api.CreateStoreLocation } } },
    },
    responses: {
      201: jsonResponse(Api.StoreLocation, 'The new location'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'),
    },
  });
}
