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
  defineRoute,
  errorResponses,
  jsonResponse,
  type RouteDefinition,
  requestIdOf,
  requireStaff,
} from '@cartwatch/service-kit';
import { currentDevice } from '../auth/device-context.js';
import type { Deps } from '../deps.js';
import { deviceAuth, deviceKeySecurity } from '../devices/device-api.routes.js';
import { deviceRoute, getLayout, type LayoutCache, putLayout, shoppingRoute } from './layout.service.js';

export function layoutRoutes(deps: Deps, cache: LayoutCache): RouteDefinition[] {
  return [
    defineRoute({
      method: 'put',
      path: '/store-layouts/:locationId',
      tags: ['store-layouts'],
      summary:
        "Create or replace the layout of a store location (admin, or store staff of the location's retailer)",
      use: [requireStaff],
      request: { params: LocationIdParams, body: StoreLayoutInput },
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
      handler: async ({ params, body }, req, res) => {
        res.json(
          await putLayout(deps, params.locationId, body, currentUser(req), { requestId: requestIdOf(req) }),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/store-layouts/:locationId',
      tags: ['store-layouts'],
      summary: 'The layout of a store location',
      user: 'required',
      request: { params: LocationIdParams },
      responses: {
        200: jsonResponse(StoreLayout, 'The layout'),
        ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params }) => getLayout(deps, params.locationId),
    }),
    defineRoute({
      method: 'post',
      path: '/store-layouts/:locationId/route',
      tags: ['store-layouts'],
      summary: 'The shortest walk from the entrance past every needed shelf to a checkout',
      user: 'required',
      request: { params: LocationIdParams, body: RouteRequest },
      responses: {
        200: jsonResponse(ShoppingRoute, 'The route'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async ({ params, body, user }, req, res) => {
        res.json(
          await shoppingRoute(deps, cache, params.locationId, body, user, { requestId: requestIdOf(req) }),
        );
      },
    }),
  ];
}

/** The route through the paired shopper's cart, for the cart's screen. */
export function deviceRouteRoutes(deps: Deps, cache: LayoutCache): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/device/route',
      tags: ['device'],
      security: deviceKeySecurity,
      summary: "The route through the paired shopper's cart",
      use: [deviceAuth(deps)],
      responses: {
        200: jsonResponse(ShoppingRoute, 'The route'),
        ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async (_input, req, res) => {
        res.json(await deviceRoute(deps, cache, currentDevice(req), { requestId: requestIdOf(req) }));
      },
    }),
  ];
}
