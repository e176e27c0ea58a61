/**
 * Payment routes: the shopper starts a payment (`POST /orders/{id}/pay`); the provider confirms it
 * (`POST /payments/webhooks/{provider}`, mounted before the JSON parser: the signature covers the raw
 * bytes); store staff record in-store payments and refund; with the `test` provider only, the payer
 * completes a payment at the "provider" (`POST /payments/test/confirm`).
 */
import {
  ConfirmTestPayment,
  Order,
  OrdersIdParams,
  PaymentStart,
  PaymentWebhookParams,
  PayOrder,
  RecordInStorePayment,
  RefundOrder,
  RefundResult,
  WebhookReceipt,
} from '@cartwatch/common-types';
import { defineRoute, errorResponses, type RouteDefinition, requireStaff } from '@cartwatch/service-kit';
import express from 'express';
import * as paymentsService from './payments.service.js';
import { isTestProvider } from './test-provider.js';

/**
 * Mounted before the JSON body parser: the provider's signature is checked over the body exactly as
 * sent (`express.raw` reads it; documented with no request body, as before).
 */
export function paymentWebhookRoutes(
  deps: paymentsService.PaymentsDeps,
  bodyLimit: string,
): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/payments/webhooks/:provider',
      summary: 'Payment-provider webhook (no token: the `Stripe-Signature` header is verified)',
      description:
        "Stripe's signature scheme, checked over the raw body with the endpoint secret (5 minutes tolerance). " +
        "Acts on `payment_intent.succeeded` (amount and currency must equal the order's, else 422), " +
        '`payment_intent.payment_failed`/`canceled` and `refund.*`; each event id is applied once.',
      use: [express.raw({ type: () => true, limit: bodyLimit })],
      request: { params: PaymentWebhookParams },
      responses: {
        200: { description: 'Received', content: { 'application/json': { schema: WebhookReceipt } } },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
      },
      handler: async ({ params }, req, res) => {
        const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        res.json(
          await paymentsService.applyWebhook(deps, params.provider, rawBody, req.get('stripe-signature')),
        );
      },
    }),
  ];
}

export function paymentRoutes(deps: paymentsService.PaymentsDeps): RouteDefinition[] {
  const base = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'] as const;
  const routes = [
    defineRoute({
      method: 'post',
      path: '/orders/:id/pay',
      summary: 'Start paying your PENDING order with the payment provider',
      description:
        'Creates a payment at the provider (Stripe: a PaymentIntent) and answers what the client completes it ' +
        'with: Stripe.js `confirmPayment` with `clientSecret` and `publishableKey`, or, with the `test` provider, ' +
        "`POST /payments/test/confirm`. The order stays PENDING: it becomes PAID only on the provider's signed " +
        'confirmation. Calling it again answers the same payment.',
      user: 'required',
      request: { params: OrdersIdParams, body: PayOrder },
      responses: {
        202: { description: 'Payment started', content: { 'application/json': { schema: PaymentStart } } },
        ...errorResponses(...base, 'CONFLICT', 'UNPROCESSABLE', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async ({ params, user }, _req, res) => {
        res.status(202).json(await paymentsService.startPayment(deps, user, params.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/in-store-payment',
      summary: "Record a payment taken at the counter (staff of the order's retailer, admins)",
      description:
        "The amount must equal the order's total. The order becomes PAID; open provider payments are cancelled.",
      // requireStaff answers 401 without a user exactly as the user check before it does.
      user: 'required',
      use: [requireStaff],
      request: { params: OrdersIdParams, body: RecordInStorePayment },
      responses: {
        200: { description: 'The PAID order', content: { 'application/json': { schema: Order } } },
        ...errorResponses(...base, 'FORBIDDEN', 'CONFLICT', 'UNPROCESSABLE'),
      },
      read: ({ params, body, user }) => paymentsService.recordInStorePayment(deps, user, params.id, body),
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/refund',
      summary:
        'Refund a PAID or DELIVERED order through its payment provider (staff of its retailer, admins)',
      description:
        '200 when the refund is final (in-store payments, the test provider): the order is REFUNDED. 202 while the ' +
        'provider works on it: the order becomes REFUNDED on its signed confirmation. A repeated call answers ' +
        'the same refund.',
      user: 'required',
      use: [requireStaff],
      request: { params: OrdersIdParams, body: RefundOrder },
      responses: {
        200: { description: 'Refunded', content: { 'application/json': { schema: RefundResult } } },
        202: { description: 'Refund under way', content: { 'application/json': { schema: RefundResult } } },
        ...errorResponses(...base, 'FORBIDDEN', 'CONFLICT', 'UNPROCESSABLE', 'UPSTREAM_UNAVAILABLE'),
      },
      handler: async ({ params, body, user }, _req, res) => {
        const result = await paymentsService.refundOrder(deps, user, params.id, body);
        res.status(result.refund.status === 'SUCCEEDED' ? 200 : 202).json(result);
      },
    }),
  ];
  const { provider } = deps;
  if (isTestProvider(provider)) {
    routes.push(
      defineRoute({
        method: 'post',
        path: '/payments/test/confirm',
        summary: 'Complete a payment at the `test` provider (local use only; absent with Stripe)',
        description:
          'Stands for the payer completing the payment at the provider: the test provider signs a confirmation ' +
          'and it is applied as a webhook would be. Only the payer may use the client secret.',
        user: 'required',
        request: { body: ConfirmTestPayment },
        responses: {
          200: {
            description: 'The order after the confirmation',
            content: { 'application/json': { schema: Order } },
          },
          ...errorResponses(...base, 'UNPROCESSABLE'),
        },
        read: ({ body, user }) => paymentsService.confirmTestPayment({ ...deps, provider }, user, body),
      }),
    );
  }
  return routes;
}
