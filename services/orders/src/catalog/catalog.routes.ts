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
  RetailerLocationIds,
  RetailerLocationsQuery,
  StockAdjustment,
  StoreLocation,
  StoreLocationPage,
  UpdateCatalogItem,
} from '@cartwatch/common-types';
import {
  defineRoute,
  errorResponses,
  jsonResponse,
  type RouteDefinition,
  requestIdOf,
  requireStaff,
} from '@cartwatch/service-kit';
import * as catalogService from './catalog.service.js';

export function catalogRoutes(deps: catalogService.CatalogDeps): RouteDefinition[] {
  const auth = ['VALIDATION_FAILED', 'UNAUTHENTICATED'] as const;
  // "store staff": admins, and staff of the retailer the location belongs to; anyone else gets 403.
  // requireStaff answers 401 without a user exactly as the user check before it does.
  const staff = [...auth, 'FORBIDDEN'] as const;
  return [
    defineRoute({
      method: 'post',
      path: '/catalog/locations',
      summary: "Create a store location (admin, or store staff of the location's retailer)",
      user: 'required',
      use: [requireStaff],
      request: { body: CreateStoreLocation },
      responses: { 201: jsonResponse(StoreLocation, 'The location'), ...errorResponses(...staff) },
      handler: async ({ body, user }, _req, res) => {
        res.status(201).json(await catalogService.createLocation(deps, body, user));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/catalog/locations',
      summary: 'List store locations',
      user: 'required',
      request: { query: PaginationQuery.strict() },
      responses: { 200: jsonResponse(StoreLocationPage, 'A page of locations'), ...errorResponses(...auth) },
      read: ({ query }) => catalogService.listLocations(deps, query),
    }),
    defineRoute({
      method: 'get',
      path: '/catalog',
      summary: "Browse a location's catalog",
      user: 'required',
      request: { query: CatalogQuery },
      responses: {
        200: jsonResponse(CatalogItemPage, 'A page of catalog items, by name'),
        ...errorResponses(...staff, 'NOT_FOUND'),
      },
      read: ({ query, user }) => catalogService.browseCatalog(deps, query, user),
    }),
    defineRoute({
      method: 'post',
      path: '/catalog/items',
      summary: 'Add a product to a location (store staff); publishes catalog.price-set.v1',
      user: 'required',
      use: [requireStaff],
      request: { body: CreateCatalogItem },
      responses: {
        201: jsonResponse(CatalogItem, 'The item'),
        ...errorResponses(...staff, 'NOT_FOUND', 'CONFLICT', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async ({ body, user }, req, res) => {
        res.status(201).json(await catalogService.createCatalogItem(deps, body, user, requestIdOf(req)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/catalog/items/:id',
      summary: "One catalog item (inactive and deleted ones: its store's staff and admins only)",
      user: 'required',
      request: { params: OrdersIdParams },
      responses: { 200: jsonResponse(CatalogItem, 'The item'), ...errorResponses(...auth, 'NOT_FOUND') },
      read: ({ params, user }) => catalogService.getCatalogItem(deps, params.id, user),
    }),
    defineRoute({
      method: 'patch',
      path: '/catalog/items/:id',
      summary:
        'Change name, brand, price or active flag (store staff); a new price publishes catalog.price-set.v1',
      user: 'required',
      use: [requireStaff],
      request: { params: OrdersIdParams, body: UpdateCatalogItem },
      responses: { 200: jsonResponse(CatalogItem, 'The item'), ...errorResponses(...staff, 'NOT_FOUND') },
      read: ({ params, body, user }) => catalogService.updateCatalogItem(deps, params.id, body, user),
    }),
    defineRoute({
      method: 'delete',
      path: '/catalog/items/:id',
      summary: 'Soft-delete a catalog item (store staff)',
      user: 'required',
      use: [requireStaff],
      request: { params: OrdersIdParams },
      responses: {
        200: jsonResponse(CatalogItem, 'The item, with deletedAt'),
        ...errorResponses(...staff, 'NOT_FOUND'),
      },
      read: ({ params, user }) => catalogService.setCatalogItemDeleted(deps, params.id, true, user),
    }),
    defineRoute({
      method: 'post',
      path: '/catalog/items/:id/restore',
      summary: 'Restore a soft-deleted catalog item (store staff)',
      user: 'required',
      use: [requireStaff],
      request: { params: OrdersIdParams },
      responses: { 200: jsonResponse(CatalogItem, 'The item'), ...errorResponses(...staff, 'NOT_FOUND') },
      read: ({ params, user }) => catalogService.setCatalogItemDeleted(deps, params.id, false, user),
    }),
    defineRoute({
      method: 'post',
      path: '/catalog/import',
      summary: 'Bulk upsert up to 1,000 items of one location (store staff)',
      user: 'required',
      use: [requireStaff],
      request: { body: CatalogImport },
      responses: {
        200: jsonResponse(CatalogImportResult, 'What changed'),
        ...errorResponses(...staff, 'NOT_FOUND', 'CONFLICT', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async ({ body, user }, req, res) => {
        res.json(await catalogService.importCatalog(deps, body, user, requestIdOf(req)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/inventory/items/:id/adjustments',
      summary: 'Add or remove units on hand (store staff); never below reserved units',
      user: 'required',
      use: [requireStaff],
      request: { params: OrdersIdParams, body: StockAdjustment },
      responses: {
        200: jsonResponse(CatalogItem, 'The item'),
        ...errorResponses(...staff, 'NOT_FOUND', 'CONFLICT'),
      },
      read: ({ params, body, user }) => catalogService.adjustStock(deps, params.id, body, user),
    }),
    // cart-device scopes carts and layouts by the location's retailer; the service key is its credential.
    defineRoute({
      method: 'get',
      path: '/internal/locations/:id',
      summary: 'Internal (cart-device): one store location, with the retailer it belongs to',
      request: { params: OrdersIdParams },
      responses: {
        200: jsonResponse(StoreLocation, 'The location'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params }) => catalogService.getLocation(deps, params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/internal/locations',
      summary: 'Internal (cart-device): the ids of every location of one retailer (none for an unknown slug)',
      request: { query: RetailerLocationsQuery },
      responses: {
        200: jsonResponse(RetailerLocationIds, "The retailer's location ids"),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      read: ({ query }) => catalogService.locationIdsOfRetailer(deps, query.store),
    }),
  ];
}
