/**
 * Store locations, catalog browsing, and the store-management routes (item CRUD, bulk import, stock
 * adjustments) open to admins and the location's retailer's store staff (the service checks which).
 */
import {
  CatalogImport,
  CatalogImportResult,
  CatalogItem,
  CatalogItemPage,
  CatalogQuery,
  CreateCatalogItem,
  CreateStoreLocation,
  OrdersIdParams,
  PaginationQuery,
  RetailerLocationsQuery,
  StockAdjustment,
  StoreLocation,
  StoreLocationPage,
  UpdateCatalogItem,
} from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  jsonResponse,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requestIdOf,
  requireStaff,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import * as catalogService from './catalog.service.js';

export function mountCatalogRoutes(app: Express, deps: catalogService.CatalogDeps): void {
  app.post('/catalog/locations', requireStaff, async (req, res) => {
    const input = parseBody(CreateStoreLocation, req);
    res.status(201).json(await catalogService.createLocation(deps, input, currentUser(req)));
  });

  app.get('/catalog/locations', requireUser, async (req, res) => {
    const query = parseQuery(PaginationQuery.strict(), req);
    res.json(await catalogService.listLocations(deps, query));
  });

  app.get('/catalog', requireUser, async (req, res) => {
    const query = parseQuery(CatalogQuery, req);
    res.json(await catalogService.browseCatalog(deps, query, currentUser(req)));
  });

  app.post('/catalog/items', requireStaff, async (req, res) => {
    const input = parseBody(CreateCatalogItem, req);
    res
      .status(201)
      .json(await catalogService.createCatalogItem(deps, input, currentUser(req), requestIdOf(req)));
  });

  app.get('/catalog/items/:id', requireUser, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    res.json(await catalogService.getCatalogItem(deps, id, currentUser(req)));
  });

  app.patch('/catalog/items/:id', requireStaff, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    const input = parseBody(UpdateCatalogItem, req);
    res.json(await catalogService.updateCatalogItem(deps, id, input, currentUser(req)));
  });

  app.delete('/catalog/items/:id', requireStaff, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    res.json(await catalogService.setCatalogItemDeleted(deps, id, true, currentUser(req)));
  });

  app.post('/catalog/items/:id/restore', requireStaff, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    res.json(await catalogService.setCatalogItemDeleted(deps, id, false, currentUser(req)));
  });

  app.post('/catalog/import', requireStaff, async (req, res) => {
    const input = parseBody(CatalogImport, req);
    res.json(await catalogService.importCatalog(deps, input, currentUser(req), requestIdOf(req)));
  });

  app.post('/inventory/items/:id/adjustments', requireStaff, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    const input = parseBody(StockAdjustment, req);
    res.json(await catalogService.adjustStock(deps, id, input, currentUser(req)));
  });

  // cart-device scopes carts and layouts by the location's retailer; the service key is its credential.
  app.get('/internal/locations/:id', async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    res.json(await catalogService.getLocation(deps, id));
  });

  app.get('/internal/locations', async (req, res) => {
    const { store } = parseQuery(RetailerLocationsQuery, req);
    res.json(await catalogService.locationIdsOfRetailer(deps, store));
  });
}

export function documentCatalogRoutes(registry: OpenAPIRegistry): void {
  const auth = ['VALIDATION_FAILED', 'UNAUTHENTICATED'] as const;
  // "store staff": admins, and staff of the retailer the location belongs to; anyone else gets 403.
  const staff = [...auth, 'FORBIDDEN'] as const;
  registry.registerPath({
    method: 'post',
    path: '/catalog/locations',
    summary: "Create a store location (admin, or store staff of the location's retailer)",
    request: { body: { content: { 'application/json': { schema: CreateStoreLocation } } } },
    responses: { 201: jsonResponse(StoreLocation, 'The location'), ...errorResponses(...staff) },
  });
  registry.registerPath({
    method: 'get',
    path: '/catalog/locations',
    summary: 'List store locations',
    request: { query: PaginationQuery },
    responses: { 200: jsonResponse(StoreLocationPage, 'A page of locations'), ...errorResponses(...auth) },
  });
  registry.registerPath({
    method: 'get',
    path: '/catalog',
    summary: "Browse a location's catalog",
    request: { query: CatalogQuery },
    responses: {
      200: jsonResponse(CatalogItemPage, 'A page of catalog items, by name'),
      ...errorResponses(...staff, 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/catalog/items',
    summary: 'Add a product to a location (store staff); publishes catalog.price-set.v1',
    request: { body: { content: { 'application/json': { schema: CreateCatalogItem } } } },
    responses: {
      201: jsonResponse(CatalogItem, 'The item'),
      ...errorResponses(...staff, 'NOT_FOUND', 'CONFLICT', 'UPSTREAM_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/catalog/items/{id}',
    summary: "One catalog item (inactive and deleted ones: its store's staff and admins only)",
    request: { params: OrdersIdParams },
    responses: { 200: jsonResponse(CatalogItem, 'The item'), ...errorResponses(...auth, 'NOT_FOUND') },
  });
  registry.registerPath({
    method: 'patch',
    path: '/catalog/items/{id}',
    summary:
      'Change name, brand, price or active flag (store staff); a new price publishes catalog.price-set.v1',
    request: {
      params: OrdersIdParams,
      body: { content: { 'application/json': { schema: UpdateCatalogItem } } },
    },
    responses: { 200: jsonResponse(CatalogItem, 'The item'), ...errorResponses(...staff, 'NOT_FOUND') },
  });
  registry.registerPath({
    method: 'delete',
    path: '/catalog/items/{id}',
    summary: 'Soft-delete a catalog item (store staff)',
    request: { params: OrdersIdParams },
    responses: {
      200: jsonResponse(CatalogItem, 'The item, with deletedAt'),
      ...errorResponses(...staff, 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/catalog/items/{id}/restore',
    summary: 'Restore a soft-deleted catalog item (store staff)',
    request: { params: OrdersIdParams },
    responses: { 200: jsonResponse(CatalogItem, 'The item'), ...errorResponses(...staff, 'NOT_FOUND') },
  });
  registry.registerPath({
    method: 'post',
    path: '/catalog/import',
    summary: 'Bulk upsert up to 1,000 items of one location (store staff)',
    request: { body: { content: { 'application/json': { schema: CatalogImport } } } },
    responses: {
      200: jsonResponse(CatalogImportResult, 'What changed'),
      ...errorResponses(...staff, 'NOT_FOUND', 'CONFLICT', 'UPSTREAM_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/inventory/items/{id}/adjustments',
    summary: 'Add or remove units on hand (store staff); never below reserved units',
    request: {
      params: OrdersIdParams,
      body: { content: { 'application/json': { schema: StockAdjustment } } },
    },
    responses: {
      200: jsonResponse(CatalogItem, 'The item'),
      ...errorResponses(...staff, 'NOT_FOUND', 'CONFLICT'),
    },
  });
}
