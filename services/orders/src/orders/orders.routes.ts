/**
 * Checkout (`POST /orders` with Idempotency-Key), order reads, cancel, and status changes by the order's
 * store (its retailer's staff, or an admin). Paying and refunds: payments/.
 */
import {
  CancelOrder,
  IdempotencyKeyHeader,
  Order,
  OrderListQuery,
  OrderStatusChangePage,
  OrderSummaryPage,
  OrdersIdParams,
  PaginationQuery,
  PlaceOrder,
  SetOrderStatus,
} from '@cartwatch/common-types';
import {
  AppError,
  currentUser,
  errorResponses,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  parseQuery,
  requireStaff,
  requireUser,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import { z } from 'zod';
import * as ordersService from './orders.service.js';

const IdempotencyHeaders = z.object({ 'idempotency-key': IdempotencyKeyHeader });

function idempotencyKeyOf(header: string | undefined): string {
  const parsed = IdempotencyKeyHeader.safeParse(header);
  if (!parsed.success) {
    throw AppError.validation([
      {
        path: 'Idempotency-Key',
        message:
          header === undefined
            ? 'the Idempotency-Key header is required'
            : (parsed.error.issues[0]?.message ?? 'invalid'),
        code: header === undefined ? 'required' : 'invalid_string',
      },
    ]);
  }
  return parsed.data;
}

export function mountOrderRoutes(app: Express, deps: ordersService.OrdersDeps): void {
  app.post('/orders', requireUser, async (req, res) => {
    const key = idempotencyKeyOf(req.get('idempotency-key'));
    const input = parseBody(PlaceOrder, req);
    const result = await ordersService.checkout(deps, currentUser(req).id, input, key);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  });

  app.get('/orders', requireUser, async (req, res) => {
    const query = parseQuery(OrderListQuery, req);
    res.json(await ordersService.listOrders(deps, currentUser(req), query));
  });

  app.get('/orders/:id', requireUser, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    res.json(await ordersService.getOrder(deps, currentUser(req), id));
  });

  app.get('/orders/:id/history', requireUser, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    const page = parseQuery(PaginationQuery.strict(), req);
    res.json(await ordersService.orderHistory(deps, currentUser(req), id, page));
  });

  app.post('/orders/:id/cancel', requireUser, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    const { reason } = parseBody(CancelOrder, req);
    const user = currentUser(req);
    res.json(
      await ordersService.transitionOrder(deps, {
        orderId: id,
        to: 'CANCELLED',
        actor: ordersService.actorOf(user),
        reason: reason ?? 'cancelled by customer',
        ownerId: user.id,
      }),
    );
  });

  app.patch('/orders/:id/status', requireStaff, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    const input = parseBody(SetOrderStatus, req);
    const user = currentUser(req);
    res.json(
      await ordersService.transitionOrder(deps, {
        orderId: id,
        to: input.status,
        actor: ordersService.actorOf(user),
        reason: input.reason,
        managedBy: user,
      }),
    );
  });
}

export function documentOrderRoutes(registry: OpenAPIRegistry): void {
  const order = { description: 'The order', content: { 'application/json': { schema: Order } } };
  const base = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'] as const;
  registry.registerPath({
    method: 'post',
    path: '/orders',
    summary: 'Check out the cart of a location: reserves stock, creates a PENDING order',
    description:
      'Requires `Idempotency-Key`. The same key and body replay the first response (header ' +
      '`Idempotent-Replayed: true`); the same key with another body is 422; while the first request runs, 409. ' +
      'Short stock is 409 `OUT_OF_STOCK` with `details.shortages`.',
    request: {
      headers: IdempotencyHeaders,
      body: { content: { 'application/json': { schema: PlaceOrder } } },
    },
    responses: {
      201: { ...order, description: 'The new order' },
      ...errorResponses(...base, 'CONFLICT', 'OUT_OF_STOCK', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/orders',
    summary:
      "Your orders, newest first; `all=true`: your retailer's orders (store staff), every order (admin)",
    request: { query: OrderListQuery },
    responses: {
      200: { description: 'A page of orders', content: { 'application/json': { schema: OrderSummaryPage } } },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/orders/{id}',
    summary: "One of your orders with its items (store staff and admins: their store's orders)",
    request: { params: OrdersIdParams },
    responses: { 200: order, ...errorResponses(...base) },
  });
  registry.registerPath({
    method: 'get',
    path: '/orders/{id}/history',
    summary: "An order's status changes, oldest first",
    request: { params: OrdersIdParams, query: PaginationQuery },
    responses: {
      200: {
        description: 'A page of status changes',
        content: { 'application/json': { schema: OrderStatusChangePage } },
      },
      ...errorResponses(...base),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/orders/{id}/cancel',
    summary: 'Cancel your PENDING order; releases its stock',
    request: { params: OrdersIdParams, body: { content: { 'application/json': { schema: CancelOrder } } } },
    responses: { 200: order, ...errorResponses(...base, 'CONFLICT') },
  });
  registry.registerPath({
    method: 'patch',
    path: '/orders/{id}/status',
    summary: "Move an order through the state machine (admin, or store staff of the order's retailer)",
    description:
      'PENDING -> CANCELLED; PAID -> SHIPPED; SHIPPED -> DELIVERED. Anything else is 409 naming the allowed ' +
      'statuses. PAID follows a payment (the provider, or POST /orders/{id}/in-store-payment) and REFUNDED a ' +
      'refund (POST /orders/{id}/refund): asking for either here is 400.',
    request: {
      params: OrdersIdParams,
      body: { content: { 'application/json': { schema: SetOrderStatus } } },
    },
    responses: { 200: order, ...errorResponses(...base, 'FORBIDDEN', 'CONFLICT') },
  });
}
