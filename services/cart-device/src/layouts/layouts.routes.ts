/**
 * `/store-layouts/*` (admins and the store staff of the location's retailer write, shoppers read and
 * route) and the cart's `GET /device/route`.
 */
import {
  LocationIdParams,
  RouteRequest,
  ShoppingRoute,
  StoreLayout,
  StoreLayoutInput,
} from '@cartwatch/common-types';
import {
  currentUser,
  errorResponses,
  jsonResponse,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  requestIdOf,
  requireStaff,
  requireUser,
} from '@cartwatch/service-kit';
import { type Express, Router } from 'express';
import { currentDevice } from '../auth/device-context.js';
import type { Deps } from '../deps.js';
import { deviceSecurity } from '../devices/device-api.routes.js';
import { deviceRoute, getLayout, type LayoutCache, putLayout, shoppingRoute } from './layout.service.js';

export function mountLayoutRoutes(app: Express, deps: Deps, cache: LayoutCache): void {
  const router = Router();
  router.put('/:locationId', requireStaff, async (req, res) => {
    const { locationId } = parseParams(LocationIdParams, req);
    const input = parseBody(StoreLayoutInput, req);
    res.json(await putLayout(deps, locationId, input, currentUser(req), { requestId: requestIdOf(req) }));
  });
  router.get('/:locationId', requireUser, async (req, res) => {
    res.json(await getLayout(deps, parseParams(LocationIdParams, req).locationId));
  });
  router.post('/:locationId/route', requireUser, async (req, res) => {
    const { locationId } = parseParams(LocationIdParams, req);
    const input = parseBody(RouteRequest, req);
    res.json(
      await shoppingRoute(deps, cache, locationId, input, currentUser(req), { requestId: requestIdOf(req) }),
    );
  });
  app.use('/store-layouts', router);
}

/** The route through the paired shopper's cart, for the cart's screen. */
export function addDeviceRouteRoute(router: Router, deps: Deps, cache: LayoutCache): void {
  router.get('/route', async (req, res) => {
    res.json(await deviceRoute(deps, cache, currentDevice(req), { requestId: requestIdOf(req) }));
  });
}

export function registerLayoutOpenApi(registry: OpenAPIRegistry): void {
  const tags = ['store-layouts'];
  registry.registerPath({
    method: 'put',
    path: '/store-layouts/{locationId}',
    tags,
    summary:
      "Create or replace the layout of a store location (admin, or store staff of the location's retailer)",
    request: {
      params: LocationIdParams,
      body: { content: { 'application/json': { schema: StoreLayoutInput } } },
    },
    responses: {
      200: jsonResponse(StoreLayout, 'The stored layout'),
      ...errorResponses(
        'VALIDATION_FAILED',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'NOT_FOUND',
        'UPSTREAM_UNAVAILABLE',
      ),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/store-layouts/{locationId}',
    tags,
    summary: 'The layout of a store location',
    request: { params: LocationIdParams },
    responses: {
      200: jsonResponse(StoreLayout, 'The layout'),
      ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/store-layouts/{locationId}/route',
    tags,
    summary: 'The shortest walk from the entrance past every needed shelf to a checkout',
    request: {
      params: LocationIdParams,
      body: { content: { 'application/json': { schema: RouteRequest } } },
    },
    responses: {
      200: jsonResponse(ShoppingRoute, 'The route'),
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/device/route',
    tags: ['device'],
    security: deviceSecurity,
    summary: "The route through the paired shopper's cart",
    responses: {
      200: jsonResponse(ShoppingRoute, 'The route'),
      ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'UPSTREAM_UNAVAILABLE'),
    },
  });
}
