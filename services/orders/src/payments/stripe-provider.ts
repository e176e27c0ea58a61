/**
 * Stripe PaymentIntents through the official SDK. `createPayment` creates an intent (automatic payment
 * methods, our payment and order ids in its metadata) with the caller's idempotency key; the client
 * confirms it with Stripe.js and the publishable key; Stripe then signs `payment_intent.succeeded` to
 * `/payments/webhooks/stripe`. Refunds are Stripe refunds of the intent, confirmed by `refund.*` events.
 */
import { AppError } from '@cartwatch/service-kit';
import Stripe from 'stripe';
import type { PaymentProvider, ProviderRefund } from './payment-provider.js';
import { verifyStripeFormatEvent } from './provider-events.js';

/** Where the SDK sends requests; only tests set it (a local fake of the Stripe API). */
export interface StripeApiAddress {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

export interface StripeProviderOptions {
  secretKey: string;
  webhookSecret: string;
  publishableKey: string;
  timeoutMs: number;
  api?: StripeApiAddress | undefined;
}

/** Stripe's answer as one of our errors: declines are 422, Stripe being unreachable or failing is 503. */
function toAppError(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  if (error instanceof Stripe.errors.StripeCardError) {
    return AppError.unprocessable('the payment provider declined the payment', {
      reason: 'PAYMENT_DECLINED',
      providerCode: error.code,
    });
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    return AppError.unprocessable('the payment provider refused the request', {
      reason: 'PROVIDER_REFUSED',
      providerCode: error.code,
    });
  }
  return new AppError('UPSTREAM_UNAVAILABLE', 'the payment provider is unavailable', undefined, {
    cause: error,
  });
}

function refundStatusOf(status: string | null): ProviderRefund['status'] {
  if (status === 'succeeded') return 'SUCCEEDED';
  if (status === 'failed' || status === 'canceled') return 'FAILED';
  return 'PENDING';
}

function clientSecretOf(intent: Stripe.PaymentIntent) {
  if (!intent.client_secret) throw new Error(`PaymentIntent ${intent.id} came without a client secret`);
  return { reference: intent.id, clientSecret: intent.client_secret };
}

export function createStripeProvider(options: StripeProviderOptions): PaymentProvider {
  const stripe = new Stripe(options.secretKey, {
    maxNetworkRetries: 2,
    timeout: options.timeoutMs,
    telemetry: false,
    appInfo: { name: 'CartWatch orders' },
    ...(options.api && { host: options.api.host, port: options.api.port, protocol: options.api.protocol }),
  });
  return {
    name: 'stripe',
    publishableKey: options.publishableKey,
    refundsSettleAtOnce: false,

    async createPayment(request) {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: request.amountCents,
            currency: request.currency.toLowerCase(),
            automatic_payment_methods: { enabled: true },
            metadata: { orderId: request.orderId, paymentId: request.paymentId },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return clientSecretOf(intent);
      } catch (error) {
        throw toAppError(error);
      }
    },

    async resumePayment(reference) {
      try {
        return clientSecretOf(await stripe.paymentIntents.retrieve(reference));
      } catch (error) {
        throw toAppError(error);
      }
    },

    async refund(request) {
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: request.paymentReference,
            amount: request.amountCents,
            metadata: { refundId: request.refundId },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return { reference: refund.id, status: refundStatusOf(refund.status) };
      } catch (error) {
        throw toAppError(error);
      }
    },

    verifyWebhook(rawBody, signature) {
      return verifyStripeFormatEvent(rawBody, signature, options.webhookSecret);
    },
  };
}
