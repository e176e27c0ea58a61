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
import {
  currentUser,
  errorResponses,
  type OpenAPIRegistry,
  parseBody,
  parseParams,
  requireStaff,
  requireUser,
} from '@cartwatch/service-kit';
import express, { type Express } from 'express';
import { z } from 'zod';
import * as paymentsService from './payments.service.js';
import { isTestProvider } from './test-provider.js';

/** Before the JSON body parser: the provider's signature is checked over the body exactly as sent. */
export function mountPaymentWebhooks(
  app: Express,
  deps: paymentsService.PaymentsDeps,
  bodyLimit: string,
): void {
  app.post(
    '/payments/webhooks/:provider',
    express.raw({ type: () => true, limit: bodyLimit }),
    async (req, res) => {
      const { provider } = parseParams(z.strictObject({ provider: z.string().max(40) }), req);
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      res.json(await paymentsService.applyWebhook(deps, provider, rawBody, req.get('stripe-signature')));
    },
  );
}

export function mountPaymentRoutes(app: Express, deps: paymentsService.PaymentsDeps): void {
  app.post('/orders/:id/pay', requireUser, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    parseBody(PayOrder, req);
    res.status(202).json(await paymentsService.startPayment(deps, currentUser(req), id));
  });

  app.post('/orders/:id/in-store-payment', requireStaff, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    const input = parseBody(RecordInStorePayment, req);
    res.json(await paymentsService.recordInStorePayment(deps, currentUser(req), id, input));
  });

  app.post('/orders/:id/refund', requireStaff, async (req, res) => {
    const { id } = parseParams(OrdersIdParams, req);
    const input = parseBody(RefundOrder, req);
    const result = await paymentsService.refundOrder(deps, currentUser(req), id, input);
    res.status(result.refund.status === 'SUCCEEDED' ? 200 : 202).json(result);
  });

  const { provider } = deps;
  if (isTestProvider(provider)) {
    app.post('/payments/test/confirm', requireUser, async (req, res) => {
      const input = parseBody(ConfirmTestPayment, req);
      res.json(await paymentsService.confirmTestPayment({ ...deps, provider }, currentUser(req), input));
    });
  }
}

export function documentPaymentRoutes(registry: OpenAPIRegistry): void {
  const base = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'] as const;
  registry.registerPath({
    method: 'post',
    path: '/orders/{id}/pay',
    summary: 'Start paying your PENDING order with the payment provider',
    description:
      'Creates a payment at the provider (Stripe: a PaymentIntent) and answers what the client completes it ' +
      'with: Stripe.js `confirmPayment` with `clientSecret` and `publishableKey`, or, with the `test` provider, ' +
      "`POST /payments/test/confirm`. The order stays PENDING: it becomes PAID only on the provider's signed " +
      'confirmation. Calling it again answers the same payment.',
    request: { params: OrdersIdParams, body: { content: { 'application/json': { schema: PayOrder } } } },
    responses: {
      202: { description: 'Payment started', content: { 'application/json': { schema: PaymentStart } } },
      ...errorResponses(...base, 'CONFLICT', 'UNPROCESSABLE', 'UPSTREAM_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/orders/{id}/in-store-payment',
    summary: "Record a payment taken at the counter (staff of the order's retailer, admins)",
    description:
      "The amount must equal the order's total. The order becomes PAID; open provider payments are cancelled.",
    request: {
      params: OrdersIdParams,
      body: { content: { 'application/json': { schema: RecordInStorePayment } } },
    },
    responses: {
      200: { description: 'The PAID order', content: { 'application/json': { schema: Order } } },
      ...errorResponses(...base, 'FORBIDDEN', 'CONFLICT', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/orders/{id}/refund',
    summary: 'Refund a PAID or DELIVERED order through its payment provider (staff of its retailer, admins)',
    description:
      '200 when the refund is final (in-store payments, the test provider): the order is REFUNDED. 202 while the ' +
      'provider works on it: the order becomes REFUNDED on its signed confirmation. A repeated call answers ' +
      'the same refund.',
    request: { params: OrdersIdParams, body: { content: { 'application/json': { schema: RefundOrder } } } },
    responses: {
      200: { description: 'Refunded', content: { 'application/json': { schema: RefundResult } } },
      202: { description: 'Refund under way', content: { 'application/json': { schema: RefundResult } } },
      ...errorResponses(...base, 'FORBIDDEN', 'CONFLICT', 'UNPROCESSABLE', 'UPSTREAM_UNAVAILABLE'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/payments/webhooks/{provider}',
    summary: 'Payment-provider webhook (no token: the `Stripe-Signature` header is verified)',
    description:
      "Stripe's signature scheme, checked over the raw body with the endpoint secret (5 minutes tolerance). " +
      "Acts on `payment_intent.succeeded` (amount and currency must equal the order's, else 422), " +
      '`payment_intent.payment_failed`/`canceled` and `refund.*`; each event id is applied once.',
    request: { params: PaymentWebhookParams },
    responses: {
      200: { description: 'Received', content: { 'application/json': { schema: WebhookReceipt } } },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/payments/test/confirm',
    summary: 'Complete a payment at the `test` provider (local use only; absent with Stripe)',
    description:
      'Stands for the payer completing the payment at the provider: the test provider signs a confirmation ' +
      'and it is applied as a webhook would be. Only the payer may use the client secret.',
    request: { body: { content: { 'application/json': { schema: ConfirmTestPayment } } } },
    responses: {
      200: {
        description: 'The order after the confirmation',
        content: { 'application/json': { schema: Order } },
      },
      ...errorResponses(...base, 'UNPROCESSABLE'),
    },
  });
}
