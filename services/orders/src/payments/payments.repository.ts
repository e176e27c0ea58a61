/** SQL of payments, refunds and the provider events already applied. */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { DB, PaymentTable, RefundTable } from '../db/schema.js';

export type PaymentRow = Selectable<PaymentTable>;
export type RefundRow = Selectable<RefundTable>;
export type PaymentStatus = PaymentRow['status'];
export type RefundStatus = RefundRow['status'];

/**
 * The order's PENDING payment through `provider`, created when there is none. The partial unique index
 * (one PENDING payment per order) makes two concurrent calls share one payment.
 */
export async function claimPendingPayment(
  db: Executor<DB>,
  payment: {
    id: string;
    order_id: string;
    provider: PaymentRow['provider'];
    amount_cents: number;
    currency: string;
  },
): Promise<PaymentRow> {
  const inserted = await db
    .insertInto('payment')
    .values({ ...payment, status: 'PENDING', provider_reference: null, recorded_by: null })
    .onConflict((conflict) => conflict.column('order_id').where('status', '=', 'PENDING').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return inserted;
  return db
    .selectFrom('payment')
    .selectAll()
    .where('order_id', '=', payment.order_id)
    .where('status', '=', 'PENDING')
    .executeTakeFirstOrThrow();
}

export async function insertPayment(
  db: Executor<DB>,
  payment: Omit<PaymentRow, 'created_at' | 'updated_at'>,
): Promise<PaymentRow> {
  return db.insertInto('payment').values(payment).returningAll().executeTakeFirstOrThrow();
}

/** Records the provider's id of a payment created before it (set once: a concurrent call keeps the first). */
export async function setPaymentReference(db: Executor<DB>, id: string, reference: string): Promise<void> {
  await db
    .updateTable('payment')
    .set({ provider_reference: reference, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('provider_reference', 'is', null)
    .execute();
}

export async function findPayment(db: Executor<DB>, id: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payment').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPaymentByReference(
  db: Executor<DB>,
  provider: PaymentRow['provider'],
  reference: string,
): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payment')
    .selectAll()
    .where('provider', '=', provider)
    .where('provider_reference', '=', reference)
    .executeTakeFirst();
}

export async function lockPayment(trx: Transaction<DB>, id: string): Promise<PaymentRow | undefined> {
  return trx.selectFrom('payment').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
}

export async function setPaymentStatus(
  trx: Transaction<DB>,
  id: string,
  status: PaymentStatus,
): Promise<PaymentRow> {
  return trx
    .updateTable('payment')
    .set({ status, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Staff recorded an in-store payment: the order's open provider payments are no longer wanted. */
export async function cancelPendingPayments(trx: Transaction<DB>, orderId: string): Promise<void> {
  await trx
    .updateTable('payment')
    .set({ status: 'CANCELLED', updated_at: sql<Date>`now()` })
    .where('order_id', '=', orderId)
    .where('status', '=', 'PENDING')
    .execute();
}

/** The payment that paid the order (newest first, should there ever be two). */
export async function findSucceededPayment(
  db: Executor<DB>,
  orderId: string,
): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payment')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('status', '=', 'SUCCEEDED')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/**
 * The payment's refund, created PENDING when it has none in flight or done (the partial unique index:
 * one PENDING or SUCCEEDED refund per payment); a FAILED one may be followed by a new one.
 */
export async function claimRefund(
  db: Executor<DB>,
  refund: Omit<RefundRow, 'created_at' | 'updated_at' | 'status' | 'provider_reference'>,
): Promise<RefundRow> {
  const inserted = await db
    .insertInto('refund')
    .values({ ...refund, status: 'PENDING', provider_reference: null })
    .onConflict((conflict) =>
      conflict.column('payment_id').where('status', 'in', ['PENDING', 'SUCCEEDED']).doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
  if (inserted) return inserted;
  const existing = await findOpenRefund(db, refund.payment_id);
  if (!existing) throw new Error(`refund of payment ${refund.payment_id} vanished`);
  return existing;
}

/** The payment's refund under way or done, if any. */
export async function findOpenRefund(db: Executor<DB>, paymentId: string): Promise<RefundRow | undefined> {
  return db
    .selectFrom('refund')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .where('status', 'in', ['PENDING', 'SUCCEEDED'])
    .executeTakeFirst();
}

export async function setRefundReference(db: Executor<DB>, id: string, reference: string): Promise<void> {
  await db
    .updateTable('refund')
    .set({ provider_reference: reference, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('provider_reference', 'is', null)
    .execute();
}

export async function findRefund(db: Executor<DB>, id: string): Promise<RefundRow | undefined> {
  return db.selectFrom('refund').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findRefundByReference(
  db: Executor<DB>,
  provider: RefundRow['provider'],
  reference: string,
): Promise<RefundRow | undefined> {
  return db
    .selectFrom('refund')
    .selectAll()
    .where('provider', '=', provider)
    .where('provider_reference', '=', reference)
    .executeTakeFirst();
}

export async function lockRefund(trx: Transaction<DB>, id: string): Promise<RefundRow | undefined> {
  return trx.selectFrom('refund').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
}

export async function setRefundStatus(
  trx: Executor<DB>,
  id: string,
  status: RefundStatus,
): Promise<RefundRow> {
  return trx
    .updateTable('refund')
    .set({ status, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Marks a provider event as applied; false when it was applied before (a redelivery or a replay). Runs
 * in the transaction of the change the event makes, so "applied" and "changed" commit together.
 */
export async function recordProviderEvent(
  trx: Transaction<DB>,
  event: { provider: string; eventId: string; type: string },
): Promise<boolean> {
  const inserted = await trx
    .insertInto('payment_event')
    .values({ provider: event.provider, event_id: event.eventId, type: event.type })
    .onConflict((conflict) => conflict.columns(['provider', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return inserted !== undefined;
}
