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
  currentUser,
  errorResponses,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requestIdOf,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import { z } from 'zod';
import * as cartService from './cart.service.js';

const UserParams = z.strictObject({ userId: Uuid });

export function mountCartRoutes(app: Express, deps: cartService.CartDeps): void {
  app.get('/cart', requireUser, async (req, res) => {
    const { location } = parseQuery(CartQuery, req);
    res.json(await cartService.getCart(deps, currentUser(req).id, location));
  });

  app.post('/cart/items', requireUser, async (req, res) => {
    const input = parseBody(AddCartItem, req);
    res.json(await cartService.addCartItem(deps, currentUser(req).id, input, requestIdOf(req)));
  });

  app.patch('/cart/items/:id', requireUser, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    const { quantity } = parseBody(UpdateCartItem, req);
    res.json(await cartService.updateCartItem(deps, currentUser(req).id, id, quantity));
  });

  app.delete('/cart/items/:id', requireUser, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    res.json(await cartService.deleteCartItem(deps, currentUser(req).id, id));
  });

  // cart-device acts for the paired user named in the path; the service key is its credential.
  app.get('/internal/carts/:userId', async (req, res) => {
    const { userId } = parseParams(UserParams, req);
    const { location } = parseQuery(CartQuery, req);
    res.json(await cartService.getCart(deps, userId, location));
  });

  app.post('/internal/carts/:userId/items', async (req, res) => {
    const { userId } = parseParams(UserParams, req);
    const input = parseBody(AddCartItem, req);
    res.json(await cartService.addCartItem(deps, userId, input, requestIdOf(req)));
  });

  app.post('/internal/carts/:userId/items/remove', async (req, res) => {
    const { userId } = parseParams(UserParams, req);
    const input = parseBody(RemoveCartItem, req);
    res.json(await cartService.removeCartUnits(deps, userId, input));
  });
}

export function documentCartRoutes(registry: OpenAPIRegistry): void {
  const cart = {
    description: 'The cart after the change',
    content: { 'application/json': { schema: Cart } },
  };
  registry.registerPath({
    method: 'get',
    path: '/cart',
    summary: 'Your cart at a store location (empty when you have none yet)',
    request: { query: CartQuery },
    responses: {
      200: { ...cart, description: 'The cart' },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/cart/items',
    summary: 'Add units of a product (by productId or GTIN); checks stock, reserves nothing',
    request: { body: { content: { 'application/json': { schema: AddCartItem } } } },
    responses: {
      200: cart,
      ...errorResponses(
        'VALIDATION_FAILED',
        'UNAUTHENTICATED',
        'NOT_FOUND',
        'CONFLICT',
        'OUT_OF_STOCK',
        'UPSTREAM_UNAVAILABLE',
      ),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/cart/items/{id}',
    summary: "Set a line's quantity",
    request: {
      params: OrdersIdParams,
      body: { content: { 'application/json': { schema: UpdateCartItem } } },
    },
    responses: {
      200: cart,
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'CONFLICT', 'OUT_OF_STOCK'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/cart/items/{id}',
    summary: 'Remove a line',
    request: { params: OrdersIdParams },
    responses: { 200: cart, ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND') },
  });
}
