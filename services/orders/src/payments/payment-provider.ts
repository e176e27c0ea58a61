/**
 * What orders needs from a payment provider. A shopper's `POST /orders/{id}/pay` only *starts* a payment
 * (`createPayment`); the order becomes PAID when the provider's signed confirmation arrives
 * (`verifyWebhook`, then payments.service applies it once). Refunds go back through the provider that
 * took the money. Every call here is network I/O to the provider: callers make it outside any database
 * transaction, with an idempotency key derived from our own record's id, so a retried call is one
 * payment (or refund) at the provider.
 *
 * Implementations: `stripe` (PaymentIntents through the official SDK) and `test` (a local stand-in
 * production refuses). In-store payments are recorded by staff and involve no provider.
 */
import type { RefundStatus } from '@cartwatch/common-types';
import type { Config } from '../config.js';
import type { ProviderEvent } from './provider-events.js';
import { createStripeProvider, type StripeApiAddress } from './stripe-provider.js';
import { createTestProvider } from './test-provider.js';

export type ProviderName = 'stripe' | 'test';

export interface StartedPayment {
  /** The provider's id of the payment (a PaymentIntent id). */
  reference: string;
  /** What the payer's client completes the payment with; shown to the payer only. */
  clientSecret: string;
}

export interface ProviderRefund {
  reference: string;
  status: RefundStatus;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  /** The key a client-side SDK (Stripe.js) needs; null when there is none. */
  readonly publishableKey: string | null;
  /** True when `refund` answers the final outcome (no webhook follows): the test provider. */
  readonly refundsSettleAtOnce: boolean;
  createPayment(request: {
    paymentId: string;
    orderId: string;
    amountCents: number;
    currency: string;
    idempotencyKey: string;
  }): Promise<StartedPayment>;
  /** The client secret of a payment started before (a retried `pay`). */
  resumePayment(reference: string): Promise<StartedPayment>;
  refund(request: {
    refundId: string;
    paymentReference: string;
    amountCents: number;
    currency: string;
    idempotencyKey: string;
  }): Promise<ProviderRefund>;
  /**
   * Checks a webhook's signature over the raw body and reads the event. Throws UNAUTHENTICATED (401)
   * for a missing, forged or stale signature and VALIDATION_FAILED for a signed body it cannot read.
   */
  verifyWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent;
}

export interface ProviderOptions {
  /** Tests only: where the Stripe SDK sends its requests (a local fake of the Stripe API). */
  stripeApi?: StripeApiAddress | undefined;
}

export function createPaymentProvider(config: Config, options: ProviderOptions = {}): PaymentProvider {
  switch (config.PAYMENT_PROVIDER) {
    case 'stripe': {
      const { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PUBLISHABLE_KEY } = config;
      // The config schema refuses `stripe` without these; this only narrows the types.
      if (!STRIPE_SECRET_KEY || !STRIPE_WEBHOOK_SECRET || !STRIPE_PUBLISHABLE_KEY) {
        throw new Error(
          'PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_PUBLISHABLE_KEY',
        );
      }
      return createStripeProvider({
        secretKey: STRIPE_SECRET_KEY,
        webhookSecret: STRIPE_WEBHOOK_SECRET,
        publishableKey: STRIPE_PUBLISHABLE_KEY,
        timeoutMs: config.STRIPE_TIMEOUT_MS,
        api: options.stripeApi,
      });
    }
    case 'test':
      return createTestProvider({ webhookSecret: config.PAYMENT_TEST_WEBHOOK_SECRET });
  }
}
