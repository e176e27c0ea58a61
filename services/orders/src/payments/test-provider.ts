/**
 * The `test` payment provider, for `pnpm start` and the e2e platform: no network, no money. A payment it
 * starts is a PaymentIntent-like id and a client secret (an HMAC of the id, so the provider needs no
 * state). `POST /payments/test/confirm` stands for the payer completing it at the provider: the provider
 * then issues a confirmation signed exactly as Stripe signs webhooks, and it is applied through the same
 * verified, once-only path as Stripe's (`/payments/webhooks/test` accepts such confirmations too).
 * Refunds succeed at once. Production refuses to start with this provider (config.ts).
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import Stripe from 'stripe';
import type { PaymentProvider } from './payment-provider.js';
import { verifyStripeFormatEvent } from './provider-events.js';

export interface SignedConfirmation {
  rawBody: Buffer;
  signature: string;
}

export interface TestPaymentProvider extends PaymentProvider {
  readonly name: 'test';
  /** The payment reference a client secret belongs to, or undefined for a secret this provider never issued. */
  referenceOf(clientSecret: string): string | undefined;
  /** The provider's signed event saying the payer completed (or failed) the payment. */
  signConfirmation(
    payment: { reference: string; amountCents: number; currency: string; paymentId: string; orderId: string },
    outcome: 'succeeded' | 'failed',
  ): SignedConfirmation;
}

export function isTestProvider(provider: PaymentProvider): provider is TestPaymentProvider {
  return provider.name === 'test';
}

const compact = (uuid: string) => uuid.replaceAll('-', '');

export function createTestProvider(options: { webhookSecret?: string | undefined }): TestPaymentProvider {
  const secret = options.webhookSecret ?? `whsec_${randomBytes(24).toString('base64')}`;
  const clientSecretOf = (reference: string) =>
    `${reference}_secret_${createHmac('sha256', secret).update(`client-secret:${reference}`).digest('base64url')}`;

  return {
    name: 'test',
    publishableKey: null,
    refundsSettleAtOnce: true,

    async createPayment(request) {
      const reference = `pi_test_${compact(request.paymentId)}`;
      return { reference, clientSecret: clientSecretOf(reference) };
    },

    async resumePayment(reference) {
      return { reference, clientSecret: clientSecretOf(reference) };
    },

    async refund(request) {
      return { reference: `re_test_${compact(request.refundId)}`, status: 'SUCCEEDED' };
    },

    verifyWebhook(rawBody, signature) {
      return verifyStripeFormatEvent(rawBody, signature, secret);
    },

    referenceOf(clientSecret) {
      const reference = /^(pi_test_[0-9a-f]{32})_secret_/.exec(clientSecret)?.[1];
      if (!reference) return undefined;
      const expected = Buffer.from(clientSecretOf(reference));
      const given = Buffer.from(clientSecret);
      return expected.length === given.length && timingSafeEqual(expected, given) ? reference : undefined;
    },

    signConfirmation(payment, outcome) {
      const payload = JSON.stringify({
        id: `evt_test_${compact(randomUUID())}`,
        object: 'event',
        type: outcome === 'succeeded' ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: payment.reference,
            object: 'payment_intent',
            amount: payment.amountCents,
            amount_received: outcome === 'succeeded' ? payment.amountCents : 0,
            currency: payment.currency.toLowerCase(),
            status: outcome === 'succeeded' ? 'succeeded' : 'requires_payment_method',
            metadata: { orderId: payment.orderId, paymentId: payment.paymentId },
          },
        },
      });
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
      return { rawBody: Buffer.from(payload), signature };
    },
  };
}
