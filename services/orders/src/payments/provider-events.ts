/**
 * Provider webhooks in Stripe's format (the `stripe` provider's real ones and the `test` provider's own):
 * `Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.body">` verified by the SDK's `constructEvent` with the
 * endpoint secret and its default tolerance (5 minutes, so an old capture cannot be replayed later), then
 * the few event types orders acts on, read into one shape. Amounts are minor units, as Stripe's are.
 */
import { AppError } from '@cartwatch/service-kit';
import Stripe from 'stripe';
import { z } from 'zod';

/**
 * `paymentId` / `refundId`: our own id, from the metadata we gave the provider; it finds a refund whose
 * event arrives before the provider's answer to our refund call was recorded.
 */
export type ProviderEvent = { id: string; type: string } & (
  | {
      kind: 'payment_succeeded';
      paymentReference: string;
      paymentId: string | undefined;
      amountCents: number;
      currency: string;
    }
  | { kind: 'payment_failed'; paymentReference: string; paymentId: string | undefined }
  | {
      kind: 'refund_succeeded';
      refundReference: string;
      refundId: string | undefined;
      amountCents: number;
      currency: string;
    }
  | { kind: 'refund_failed'; refundReference: string; refundId: string | undefined }
  | { kind: 'other' }
);

const SignedEvent = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

const Metadata = z.record(z.string(), z.string()).nullish();

const PaymentIntentObject = z.object({
  id: z.string().min(1).max(255),
  metadata: Metadata,
  amount_received: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[a-zA-Z]{3}$/),
});

const RefundObject = z.object({
  id: z.string().min(1).max(255),
  metadata: Metadata,
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[a-zA-Z]{3}$/),
  status: z.string().nullable(),
});

function readObject<T>(schema: z.ZodType<T>, value: unknown, type: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw AppError.validation(
      parsed.error.issues.map((issue) => ({
        path: ['data', 'object', ...issue.path.map(String)].join('.'),
        message: issue.message,
        code: issue.code,
      })),
      `unreadable ${type} event`,
    );
  }
  return parsed.data;
}

/** Verifies the signature (401 when it is missing, forged or stale) and reads the event. */
export function verifyStripeFormatEvent(
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
): ProviderEvent {
  if (!signature) throw AppError.unauthenticated('missing Stripe-Signature header');
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw AppError.unauthenticated('bad webhook signature');
    }
    // A correct signature over bytes that are not JSON.
    throw AppError.validation([{ path: '', message: 'the webhook body is not JSON', code: 'invalid_json' }]);
  }
  const parsed = SignedEvent.safeParse(event);
  if (!parsed.success) {
    throw AppError.validation([{ path: '', message: 'not a provider event', code: 'invalid_event' }]);
  }
  const { id, type, data } = parsed.data;
  switch (type) {
    case 'payment_intent.succeeded': {
      const intent = readObject(PaymentIntentObject, data.object, type);
      return {
        id,
        type,
        kind: 'payment_succeeded',
        paymentReference: intent.id,
        paymentId: intent.metadata?.paymentId,
        amountCents: intent.amount_received,
        currency: intent.currency.toUpperCase(),
      };
    }
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled': {
      const intent = readObject(PaymentIntentObject.pick({ id: true, metadata: true }), data.object, type);
      return {
        id,
        type,
        kind: 'payment_failed',
        paymentReference: intent.id,
        paymentId: intent.metadata?.paymentId,
      };
    }
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed':
    case 'charge.refund.updated': {
      const refund = readObject(RefundObject, data.object, type);
      if (refund.status === 'succeeded') {
        return {
          id,
          type,
          kind: 'refund_succeeded',
          refundReference: refund.id,
          refundId: refund.metadata?.refundId,
          amountCents: refund.amount,
          currency: refund.currency.toUpperCase(),
        };
      }
      if (type === 'refund.failed' || refund.status === 'failed' || refund.status === 'canceled') {
        return {
          id,
          type,
          kind: 'refund_failed',
          refundReference: refund.id,
          refundId: refund.metadata?.refundId,
        };
      }
      return { id, type, kind: 'other' };
    }
    default:
      return { id, type, kind: 'other' };
  }
}
