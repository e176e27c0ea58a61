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
  defineRoute,
  errorResponses,
  type RouteDefinition,
  requireStaff,
} from '@cartwatch/service-kit';
import type { RequestHandler } from 'express';
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

/** Checked before the body is parsed, as before: a request without a valid key is refused first. */
const requireIdempotencyKey: RequestHandler = (req, _res, next) => {
  idempotencyKeyOf(req.get('idempotency-key'));
  next();
};

export function orderRoutes(deps: ordersService.OrdersDeps): RouteDefinition[] {
  const order = { description: 'The order', content: { 'application/json': { schema: Order } } };
  const base = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'] as const;
  return [
    defineRoute({
      method: 'post',
      path: '/orders',
      summary: 'Check out the cart of a location: reserves stock, creates a PENDING order',
      description:
        'Requires `Idempotency-Key`. The same key and body replay the first response (header ' +
        '`Idempotent-Replayed: true`); the same key with another body is 422; while the first request runs, 409. ' +
        'Short stock is 409 `OUT_OF_STOCK` with `details.shortages`.',
      user: 'required',
      use: [requireIdempotencyKey],
      request: { headers: IdempotencyHeaders, body: PlaceOrder },
      responses: {
        201: { ...order, description: 'The new order' },
        ...errorResponses(...base, 'CONFLICT', 'OUT_OF_STOCK', 'UNPROCESSABLE'),
      },
      handler: async ({ body, user }, req, res) => {
        const key = idempotencyKeyOf(req.get('idempotency-key'));
        const result = await ordersService.checkout(deps, user.id, body, key);
        if (result.replayed) res.set('Idempotent-Replayed', 'true');
        res.status(result.status).json(result.body);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/orders',
      summary:
        "Your orders, newest first; `all=true`: your retailer's orders (store staff), every order (admin)",
      user: 'required',
      request: { query: OrderListQuery },
      responses: {
        200: {
          description: 'A page of orders',
          content: { 'application/json': { schema: OrderSummaryPage } },
        },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'),
      },
      read: ({ query, user }) => ordersService.listOrders(deps, user, query),
    }),
    defineRoute({
      method: 'get',
      path: '/orders/:id',
      summary: "One of your orders with its items (store staff and admins: their store's orders)",
      user: 'required',
      request: { params: OrdersIdParams },
      responses: { 200: order, ...errorResponses(...base) },
      read: ({ params, user }) => ordersService.getOrder(deps, user, params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/orders/:id/history',
      summary: "An order's status changes, oldest first",
      user: 'required',
      request: { params: OrdersIdParams, query: PaginationQuery.strict() },
      responses: {
        200: {
          description: 'A page of status changes',
          content: { 'application/json': { schema: OrderStatusChangePage } },
        },
        ...errorResponses(...base),
      },
      read: ({ params, query, user }) => ordersService.orderHistory(deps, user, params.id, query),
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/cancel',
      summary: 'Cancel your PENDING order; releases its stock',
      user: 'required',
      request: { params: OrdersIdParams, body: CancelOrder },
      responses: { 200: order, ...errorResponses(...base, 'CONFLICT') },
      read: ({ params, body, user }) =>
        ordersService.transitionOrder(deps, {
          orderId: params.id,
          to: 'CANCELLED',
          actor: ordersService.actorOf(user),
          reason: body.reason ?? 'cancelled by customer',
          ownerId: user.id,
        }),
    }),
    defineRoute({
      method: 'patch',
      path: '/orders/:id/status',
      summary: "Move an order through the state machine (admin, or store staff of the order's retailer)",
      description:
        'PENDING -> CANCELLED; PAID -> SHIPPED; SHIPPED -> DELIVERED. Anything else is 409 naming the allowed ' +
        'statuses. PAID follows a payment (the provider, or POST /orders/{id}/in-store-payment) and REFUNDED a ' +
        'refund (POST /orders/{id}/refund): asking for either here is 400.',
      // requireStaff answers 401 without a user exactly as the user check before it does.
      user: 'required',
      use: [requireStaff],
      request: { params: OrdersIdParams, body: SetOrderStatus },
      responses: { 200: order, ...errorResponses(...base, 'FORBIDDEN', 'CONFLICT') },
      read: ({ params, body, user }) =>
        ordersService.transitionOrder(deps, {
          orderId: params.id,
          to: body.status,
          actor: ordersService.actorOf(user),
          reason: body.reason,
          managedBy: user,
        }),
    }),
  ];
}
