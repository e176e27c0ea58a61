/**
 * The user's carts (`/cart/*`) and the internal routes cart-device uses to add and remove scanned
 * items for the user a device is paired with (`/internal/carts/*`, never exposed by the gateway).
 */
import {
  AddCartItem,
  Cart,
  CartQuery,
  OrdersIdParams,
  RemoveCartItem,
  UpdateCartItem,
  Uuid,
} from '@cartwatch/common-types';
import {
  defineRoute,
  errorResponses,
  jsonResponse,
  type RouteDefinition,
  requestIdOf,
} from '@cartwatch/service-kit';
import { z } from 'zod';
import * as cartService from './cart.service.js';

const UserParams = z.strictObject({ userId: Uuid });

export function cartRoutes(deps: cartService.CartDeps): RouteDefinition[] {
  const cart = jsonResponse(Cart, 'The cart after the change');
  // Adding units answers the same whether the shopper or their paired cart (cart-device) adds them.
  const addItemResponses = {
    200: cart,
    ...errorResponses(
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'NOT_FOUND',
      'CONFLICT',
      'OUT_OF_STOCK',
      'UPSTREAM_UNAVAILABLE',
    ),
  };
  return [
    defineRoute({
      method: 'get',
      path: '/cart',
      summary: 'Your cart at a store location (empty when you have none yet)',
      user: 'required',
      request: { query: CartQuery },
      responses: {
        200: jsonResponse(Cart, 'The cart'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ query, user }) => cartService.getCart(deps, user.id, query.location),
    }),
    defineRoute({
      method: 'post',
      path: '/cart/items',
      summary: 'Add units of a product (by productId or GTIN); checks stock, reserves nothing',
      user: 'required',
      request: { body: AddCartItem },
      responses: addItemResponses,
      handler: async ({ body, user }, req, res) => {
        res.json(await cartService.addCartItem(deps, user.id, body, requestIdOf(req)));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/cart/items/:id',
      summary: "Set a line's quantity",
      user: 'required',
      request: { params: OrdersIdParams, body: UpdateCartItem },
      responses: {
        200: cart,
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT', 'OUT_OF_STOCK'),
      },
      read: ({ params, body, user }) => cartService.updateCartItem(deps, user.id, params.id, body.quantity),
    }),
    defineRoute({
      method: 'delete',
      path: '/cart/items/:id',
      summary: 'Remove a line',
      user: 'required',
      request: { params: OrdersIdParams },
      responses: { 200: cart, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND') },
      read: ({ params, user }) => cartService.deleteCartItem(deps, user.id, params.id),
    }),
    // cart-device acts for the paired user named in the path; the service key is its credential.
    defineRoute({
      method: 'get',
      path: '/internal/carts/:userId',
      summary: "Internal (cart-device): the paired user's cart at a store location",
      request: { params: UserParams, query: CartQuery },
      responses: {
        200: jsonResponse(Cart, 'The cart'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, query }) => cartService.getCart(deps, params.userId, query.location),
    }),
    defineRoute({
      method: 'post',
      path: '/internal/carts/:userId/items',
      summary: "Internal (cart-device): add scanned units to the paired user's cart",
      request: { params: UserParams, body: AddCartItem },
      responses: addItemResponses,
      handler: async ({ params, body }, req, res) => {
        res.json(await cartService.addCartItem(deps, params.userId, body, requestIdOf(req)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/internal/carts/:userId/items/remove',
      summary: "Internal (cart-device): take units out of the paired user's cart",
      request: { params: UserParams, body: RemoveCartItem },
      responses: {
        200: cart,
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      read: ({ params, body }) => cartService.removeCartUnits(deps, params.userId, body),
    }),
  ];
}
