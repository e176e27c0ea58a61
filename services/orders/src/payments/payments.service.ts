/**
 * Payments and refunds of orders. The rules:
 * - A shopper's `pay` only starts a payment: a PENDING `payment` row, then the provider's payment (with
 *   an idempotency key derived from the row's id), then its reference recorded. The order stays PENDING.
 * - The order becomes PAID only when the provider's signed confirmation arrives (`applyWebhook`): the
 *   signature is verified, the amount and currency must equal the payment's and the order's, and the
 *   event id is recorded in the transaction of the change, so a redelivery or a replay changes nothing.
 *   Money that arrives for an order no longer PENDING (cancelled by the sweeper, paid in store) is
 *   refunded automatically.
 * - Store staff of the order's retailer (or an admin) record in-store payments, and refund orders
 *   through the provider that took the money; a provider refund makes the order REFUNDED on the
 *   provider's confirmation (at once for the test provider and for in-store payments).
 * - Provider calls happen outside database transactions (docs/orders.md#payments).
 */
import {
  type ConfirmTestPayment,
  type Order,
  type OrderStatus,
  type Payment,
  type PaymentStart,
  type RecordInStorePayment,
  type Refund,
  type RefundOrder,
  Uuid,
  type WebhookReceipt,
} from '@cartwatch/common-types';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { AppError, assertManagesRetailer, type CurrentUser } from '@cartwatch/service-kit';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import { allowedTransitions, canTransition } from '../orders/order-status.js';
import * as orders from '../orders/orders.repository.js';
import { actorOf, toOrder, transitionInTransaction } from '../orders/orders.service.js';
import type { PaymentProvider } from './payment-provider.js';
import * as payments from './payments.repository.js';
import type { ProviderEvent } from './provider-events.js';
import type { TestPaymentProvider } from './test-provider.js';

export interface PaymentsDeps {
  database: Database<DB>;
  logger: Logger;
  provider: PaymentProvider;
}

const AUTOMATIC_REFUND_ACTOR = 'system:payments';

export function toPayment(row: payments.PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.order_id,
    provider: row.provider,
    status: row.status,
    providerReference: row.provider_reference,
    amountCents: row.amount_cents,
    currency: row.currency,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toRefund(row: payments.RefundRow): Refund {
  return {
    id: row.id,
    orderId: row.order_id,
    paymentId: row.payment_id,
    provider: row.provider,
    status: row.status,
    providerReference: row.provider_reference,
    amountCents: row.amount_cents,
    currency: row.currency,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function notPayable(status: OrderStatus, to: OrderStatus): AppError {
  const allowed = allowedTransitions[status];
  return AppError.conflict(
    `cannot change an order from ${status} to ${to}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
    { reason: 'INVALID_TRANSITION', from: status, to, allowed },
  );
}

async function orderAnswer(deps: PaymentsDeps, orderId: string): Promise<Order> {
  const row = await orders.findOrder(deps.database.db, orderId);
  if (!row) throw AppError.notFound('order');
  return toOrder(row, await orders.findOrderItems(deps.database.db, orderId));
}

/** The order, when `user` may manage its retailer's payments (staff of that retailer, or an admin). */
async function orderManagedBy(deps: PaymentsDeps, user: CurrentUser, orderId: string) {
  const order = await orders.findOrder(deps.database.db, orderId);
  if (!order) throw AppError.notFound('order');
  assertManagesRetailer(user, (await orders.findOrderRetailer(deps.database.db, order.id)) ?? null);
  return order;
}

// ---- the shopper starts a payment ----

/** `POST /orders/{id}/pay`: the owner's PENDING order gets a PENDING payment at the provider. */
export async function startPayment(
  deps: PaymentsDeps,
  user: CurrentUser,
  orderId: string,
): Promise<PaymentStart> {
  const { db } = deps.database;
  const order = await orders.findOrder(db, orderId);
  if (!order || order.user_id !== user.id) throw AppError.notFound('order');
  const status = order.status as OrderStatus;
  if (!canTransition(status, 'PAID')) throw notPayable(status, 'PAID');

  let payment = await claimProviderPayment(deps, order);
  const started = payment.provider_reference
    ? await deps.provider.resumePayment(payment.provider_reference)
    : await deps.provider.createPayment({
        paymentId: payment.id,
        orderId,
        amountCents: payment.amount_cents,
        currency: payment.currency,
        idempotencyKey: `payment-${payment.id}`,
      });
  if (!payment.provider_reference) {
    await payments.setPaymentReference(db, payment.id, started.reference);
    payment = (await payments.findPayment(db, payment.id)) ?? payment;
  }
  return {
    order: toOrder(order, await orders.findOrderItems(db, orderId)),
    payment: toPayment(payment),
    clientSecret: started.clientSecret,
    publishableKey: deps.provider.publishableKey,
  };
}

/** The order's PENDING payment through the configured provider (one left by another provider is cancelled). */
async function claimProviderPayment(
  deps: PaymentsDeps,
  order: orders.OrderRow,
): Promise<payments.PaymentRow> {
  const claim = () =>
    payments.claimPendingPayment(deps.database.db, {
      id: newId(),
      order_id: order.id,
      provider: deps.provider.name,
      amount_cents: order.total_cents,
      currency: order.currency,
    });
  const payment = await claim();
  if (payment.provider === deps.provider.name) return payment;
  await withTransaction(deps.database.db, (trx) => payments.setPaymentStatus(trx, payment.id, 'CANCELLED'));
  return claim();
}

// ---- the provider confirms ----

/** `POST /payments/webhooks/{provider}`: verifies, then applies the event once. */
export async function applyWebhook(
  deps: PaymentsDeps,
  provider: string,
  rawBody: Buffer,
  signature: string | undefined,
): Promise<WebhookReceipt> {
  if (provider !== deps.provider.name) throw AppError.notFound(`payment provider ${provider}`);
  const event = deps.provider.verifyWebhook(rawBody, signature);
  const outcome = await applyProviderEvent(deps, event);
  return { received: true, outcome };
}

async function applyProviderEvent(
  deps: PaymentsDeps,
  event: ProviderEvent,
): Promise<WebhookReceipt['outcome']> {
  switch (event.kind) {
    case 'payment_succeeded':
      return paymentSucceeded(deps, event);
    case 'payment_failed':
      return paymentFailed(deps, event);
    case 'refund_succeeded':
    case 'refund_failed':
      return refundSettled(deps, event);
    case 'other':
      return 'ignored';
  }
}

async function findEventPayment(deps: PaymentsDeps, reference: string, paymentId: string | undefined) {
  const { db } = deps.database;
  const byReference = await payments.findPaymentByReference(db, deps.provider.name, reference);
  if (byReference || paymentId === undefined || !Uuid.safeParse(paymentId).success) return byReference;
  const byId = await payments.findPayment(db, paymentId);
  return byId?.provider === deps.provider.name &&
    (byId.provider_reference === null || byId.provider_reference === reference)
    ? byId
    : undefined;
}

/** Records the event as applied, in the caller's transaction; false for a redelivery or a replay. */
function firstDelivery(trx: Transaction<DB>, deps: PaymentsDeps, event: ProviderEvent): Promise<boolean> {
  return payments.recordProviderEvent(trx, {
    provider: deps.provider.name,
    eventId: event.id,
    type: event.type,
  });
}

function amountMismatch(
  event: { id: string; type: string; amountCents: number; currency: string },
  expected: { amountCents: number; currency: string },
  logger: Logger,
): AppError {
  logger.error(
    {
      eventId: event.id,
      eventType: event.type,
      got: { amountCents: event.amountCents, currency: event.currency },
      expected,
    },
    'payment provider event does not match the amount or currency we asked for; not applied',
  );
  return AppError.unprocessable('the amount or currency does not match', {
    reason: 'AMOUNT_MISMATCH',
    expected,
    received: { amountCents: event.amountCents, currency: event.currency },
  });
}

async function paymentSucceeded(
  deps: PaymentsDeps,
  event: Extract<ProviderEvent, { kind: 'payment_succeeded' }>,
): Promise<WebhookReceipt['outcome']> {
  const { db } = deps.database;
  const payment = await findEventPayment(deps, event.paymentReference, event.paymentId);
  if (!payment) {
    deps.logger.warn(
      { eventId: event.id, reference: event.paymentReference },
      'payment event for no payment of ours',
    );
    return 'ignored';
  }
  const order = await orders.findOrder(db, payment.order_id);
  if (!order) return 'ignored';
  const expected = { amountCents: payment.amount_cents, currency: payment.currency };
  if (
    event.amountCents !== expected.amountCents ||
    event.currency !== expected.currency ||
    order.total_cents !== expected.amountCents ||
    order.currency !== expected.currency
  ) {
    throw amountMismatch(event, expected, deps.logger);
  }

  const result = await withTransaction(db, async (trx) => {
    if (!(await firstDelivery(trx, deps, event))) return { outcome: 'duplicate' as const };
    const locked = await payments.lockPayment(trx, payment.id);
    if (!locked || locked.status === 'SUCCEEDED') return { outcome: 'ignored' as const };
    await payments.setPaymentStatus(trx, payment.id, 'SUCCEEDED');
    if (locked.provider_reference === null)
      await payments.setPaymentReference(trx, payment.id, event.paymentReference);
    const current = await orders.lockOrder(trx, payment.order_id);
    if (current?.status === 'PENDING') {
      await transitionInTransaction(trx, {
        orderId: current.id,
        to: 'PAID',
        actor: `provider:${deps.provider.name}`,
        reason: `paid via ${deps.provider.name} (${event.paymentReference})`,
      });
      return { outcome: 'applied' as const };
    }
    // The money came for an order that can no longer be paid (the sweeper cancelled it, or it was paid
    // in store meanwhile): give it back.
    await payments.claimRefund(trx, {
      id: newId(),
      payment_id: payment.id,
      order_id: payment.order_id,
      provider: payment.provider,
      amount_cents: payment.amount_cents,
      currency: payment.currency,
      reason: `order was ${current?.status ?? 'deleted'} when the payment arrived`,
      restock: false,
      requested_by: AUTOMATIC_REFUND_ACTOR,
    });
    deps.logger.warn(
      { orderId: payment.order_id, paymentId: payment.id, orderStatus: current?.status },
      'payment for an order no longer payable; refunding',
    );
    return { outcome: 'applied' as const };
  });
  // After the commit (and again on every redelivery, until the provider took it): the automatic refund.
  // Should the provider call fail, the webhook answers 5xx and the provider's retry comes back here.
  const refund = await payments.findOpenRefund(db, payment.id);
  if (
    refund?.status === 'PENDING' &&
    refund.provider_reference === null &&
    refund.requested_by === AUTOMATIC_REFUND_ACTOR
  ) {
    await issueRefund(deps, { ...payment, status: 'SUCCEEDED' }, refund);
  }
  return result.outcome;
}

async function paymentFailed(
  deps: PaymentsDeps,
  event: Extract<ProviderEvent, { kind: 'payment_failed' }>,
): Promise<WebhookReceipt['outcome']> {
  const payment = await findEventPayment(deps, event.paymentReference, event.paymentId);
  if (!payment) return 'ignored';
  return withTransaction(deps.database.db, async (trx) => {
    if (!(await firstDelivery(trx, deps, event))) return 'duplicate';
    const locked = await payments.lockPayment(trx, payment.id);
    if (locked?.status !== 'PENDING') return 'ignored';
    // The order stays PENDING: the shopper may pay again (a new payment).
    await payments.setPaymentStatus(trx, payment.id, 'FAILED');
    return 'applied';
  });
}

async function refundSettled(
  deps: PaymentsDeps,
  event: Extract<ProviderEvent, { kind: 'refund_succeeded' | 'refund_failed' }>,
): Promise<WebhookReceipt['outcome']> {
  const { db } = deps.database;
  let refund = await payments.findRefundByReference(db, deps.provider.name, event.refundReference);
  if (!refund && event.refundId !== undefined && Uuid.safeParse(event.refundId).success) {
    const byId = await payments.findRefund(db, event.refundId);
    if (byId?.provider === deps.provider.name) refund = byId;
  }
  if (!refund) return 'ignored';
  if (
    event.kind === 'refund_succeeded' &&
    (event.amountCents !== refund.amount_cents || event.currency !== refund.currency)
  ) {
    throw amountMismatch(event, { amountCents: refund.amount_cents, currency: refund.currency }, deps.logger);
  }
  const refundId = refund.id;
  return withTransaction(db, async (trx) => {
    if (!(await firstDelivery(trx, deps, event))) return 'duplicate';
    const locked = await payments.lockRefund(trx, refundId);
    if (locked?.status !== 'PENDING') return 'ignored';
    if (locked.provider_reference === null)
      await payments.setRefundReference(trx, refundId, event.refundReference);
    if (event.kind === 'refund_failed') {
      deps.logger.error({ refundId, orderId: locked.order_id }, 'the payment provider could not refund');
      await payments.setRefundStatus(trx, refundId, 'FAILED');
    } else {
      await settleRefundInTransaction(trx, locked, `provider:${deps.provider.name}`);
    }
    return 'applied';
  });
}

/** The refund succeeded: it is recorded and the order becomes REFUNDED (when its status allows). */
async function settleRefundInTransaction(
  trx: Transaction<DB>,
  refund: payments.RefundRow,
  actor: string,
): Promise<payments.RefundRow> {
  const settled = await payments.setRefundStatus(trx, refund.id, 'SUCCEEDED');
  const order = await orders.lockOrder(trx, refund.order_id);
  // An automatic refund (the order was cancelled before the money came) leaves the order as it is.
  if (order && canTransition(order.status as OrderStatus, 'REFUNDED')) {
    await transitionInTransaction(trx, {
      orderId: order.id,
      to: 'REFUNDED',
      actor,
      reason: refund.reason ?? 'refunded',
      restock: refund.restock,
    });
  }
  return settled;
}

// ---- the test provider's completion step ----

/** `POST /payments/test/confirm`: the payer completes a test payment; the provider's signed confirmation is applied. */
export async function confirmTestPayment(
  deps: PaymentsDeps & { provider: TestPaymentProvider },
  user: CurrentUser,
  input: ConfirmTestPayment,
): Promise<Order> {
  const { db } = deps.database;
  const reference = deps.provider.referenceOf(input.clientSecret);
  const payment = reference && (await payments.findPaymentByReference(db, 'test', reference));
  const order = payment ? await orders.findOrder(db, payment.order_id) : undefined;
  if (!payment || !order || order.user_id !== user.id) throw AppError.notFound('payment');
  const confirmation = deps.provider.signConfirmation(
    {
      reference: payment.provider_reference ?? '',
      amountCents: payment.amount_cents,
      currency: payment.currency,
      paymentId: payment.id,
      orderId: payment.order_id,
    },
    input.outcome,
  );
  await applyWebhook(deps, 'test', confirmation.rawBody, confirmation.signature);
  return orderAnswer(deps, order.id);
}

// ---- store staff ----

/** `POST /orders/{id}/in-store-payment`: staff of the order's retailer (or an admin) record a payment taken at the counter. */
export async function recordInStorePayment(
  deps: PaymentsDeps,
  user: CurrentUser,
  orderId: string,
  input: RecordInStorePayment,
): Promise<Order> {
  const order = await orderManagedBy(deps, user, orderId);
  const status = order.status as OrderStatus;
  if (!canTransition(status, 'PAID')) throw notPayable(status, 'PAID');
  if (input.amountCents !== order.total_cents) {
    throw AppError.unprocessable(`the order's total is ${order.total_cents}`, {
      reason: 'AMOUNT_MISMATCH',
      expected: { amountCents: order.total_cents, currency: order.currency },
    });
  }
  const actor = actorOf(user);
  return withTransaction(deps.database.db, (trx) =>
    transitionInTransaction(
      trx,
      { orderId, to: 'PAID', actor, reason: `paid in store (${input.reference})` },
      async (paid) => {
        await payments.cancelPendingPayments(trx, paid.id);
        await payments.insertPayment(trx, {
          id: newId(),
          order_id: paid.id,
          provider: 'in_store',
          provider_reference: input.reference,
          status: 'SUCCEEDED',
          amount_cents: paid.total_cents,
          currency: paid.currency,
          recorded_by: actor,
        });
      },
    ),
  );
}

export interface RefundAnswer {
  order: Order;
  refund: Refund;
}

/** `POST /orders/{id}/refund`: staff of the order's retailer (or an admin) give the money back. */
export async function refundOrder(
  deps: PaymentsDeps,
  user: CurrentUser,
  orderId: string,
  input: RefundOrder,
): Promise<RefundAnswer> {
  const { db } = deps.database;
  const order = await orderManagedBy(deps, user, orderId);
  const payment = await payments.findSucceededPayment(db, orderId);
  const refundedBefore = payment && (await payments.findOpenRefund(db, payment.id));
  const status = order.status as OrderStatus;
  // A repeated request answers the refund already under way or done.
  if (!refundedBefore && !canTransition(status, 'REFUNDED')) throw notPayable(status, 'REFUNDED');
  if (!payment) {
    throw AppError.conflict('the order has no recorded payment to refund', { reason: 'NO_PAYMENT' });
  }
  const refund = await payments.claimRefund(db, {
    id: newId(),
    payment_id: payment.id,
    order_id: orderId,
    provider: payment.provider,
    amount_cents: payment.amount_cents,
    currency: payment.currency,
    reason: input.reason ?? null,
    restock: input.restock ?? false,
    requested_by: actorOf(user),
  });
  const settled = await issueRefund(deps, payment, refund, actorOf(user));
  return { order: await orderAnswer(deps, orderId), refund: toRefund(settled) };
}

/**
 * Gives a payment's money back: in-store payments at once (the store hands it back); provider payments
 * through the provider, outside any transaction, with an idempotency key derived from the refund's id,
 * then settled by the provider's confirmation (or at once when the provider says it is final).
 */
async function issueRefund(
  deps: PaymentsDeps,
  payment: payments.PaymentRow,
  refund: payments.RefundRow,
  actor: string = AUTOMATIC_REFUND_ACTOR,
): Promise<payments.RefundRow> {
  const { db } = deps.database;
  if (refund.status !== 'PENDING') return refund;
  if (payment.provider === 'in_store') {
    return withTransaction(db, async (trx) => {
      const locked = await payments.lockRefund(trx, refund.id);
      if (locked?.status !== 'PENDING') return locked ?? refund;
      return settleRefundInTransaction(trx, locked, actor);
    });
  }
  if (payment.provider !== deps.provider.name || payment.provider_reference === null) {
    throw AppError.conflict(
      `payments taken through ${payment.provider} cannot be refunded by this deployment`,
      {
        reason: 'PROVIDER_UNAVAILABLE',
      },
    );
  }
  const answer = await deps.provider.refund({
    refundId: refund.id,
    paymentReference: payment.provider_reference,
    amountCents: refund.amount_cents,
    currency: refund.currency,
    idempotencyKey: `refund-${refund.id}`,
  });
  await payments.setRefundReference(db, refund.id, answer.reference);
  if (answer.status === 'PENDING' || (answer.status === 'SUCCEEDED' && !deps.provider.refundsSettleAtOnce)) {
    return (await payments.findRefund(db, refund.id)) ?? refund;
  }
  const settled = await withTransaction(db, async (trx) => {
    const locked = await payments.lockRefund(trx, refund.id);
    if (locked?.status !== 'PENDING') return locked ?? refund;
    if (answer.status === 'FAILED') return payments.setRefundStatus(trx, refund.id, 'FAILED');
    return settleRefundInTransaction(trx, locked, actor);
  });
  if (settled.status === 'FAILED') {
    throw AppError.unprocessable('the payment provider could not refund the payment', {
      reason: 'REFUND_FAILED',
    });
  }
  return settled;
}
