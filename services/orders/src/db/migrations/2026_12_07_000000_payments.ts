/**
 * Payments as their own records. `payment`: one attempt to pay an order through a provider (or an
 * in-store payment staff recorded), PENDING until the provider's signed confirmation; at most one
 * PENDING payment per order. `refund`: money given back through the payment's provider. `payment_event`:
 * the provider events already applied (provider + event id), so a redelivered or replayed webhook is
 * applied once. The rows of the old `order_payment` (all taken by the `manual` provider, i.e. outside
 * CartWatch) are copied as SUCCEEDED in-store payments; the table itself stays until a later release drops it (expand, then
 * contract: pods of the previous release may still write it during a rollout).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('payment')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('order_id', 'uuid', (col) => col.notNull().references('order.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) =>
      col.notNull().check(sql`provider in ('stripe', 'test', 'in_store')`),
    )
    .addColumn('provider_reference', 'text')
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED')`),
    )
    .addColumn('amount_cents', 'bigint', (col) => col.notNull().check(sql`amount_cents >= 0`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('recorded_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('payment_order_idx').on('payment').columns(['order_id', 'id']).execute();
  // Two concurrent `pay` calls share one payment (and so one PaymentIntent).
  await db.schema
    .createIndex('payment_one_pending_per_order_key')
    .on('payment')
    .column('order_id')
    .unique()
    .where(sql.ref('status'), '=', 'PENDING')
    .execute();
  // Webhooks find the payment by the provider's id (in-store references are the till's, not unique).
  await db.schema
    .createIndex('payment_provider_reference_key')
    .on('payment')
    .columns(['provider', 'provider_reference'])
    .unique()
    .where(sql<boolean>`provider_reference is not null and provider <> 'in_store'`)
    .execute();

  await db.schema
    .createTable('refund')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('payment_id', 'uuid', (col) => col.notNull().references('payment.id').onDelete('cascade'))
    .addColumn('order_id', 'uuid', (col) => col.notNull().references('order.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('provider_reference', 'text')
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('PENDING', 'SUCCEEDED', 'FAILED')`),
    )
    .addColumn('amount_cents', 'bigint', (col) => col.notNull().check(sql`amount_cents >= 0`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('restock', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('requested_by', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('refund_order_idx').on('refund').columns(['order_id', 'id']).execute();
  // One refund in flight or done per payment: a second request finds the first.
  await db.schema
    .createIndex('refund_one_open_per_payment_key')
    .on('refund')
    .column('payment_id')
    .unique()
    .where(sql.ref('status'), 'in', sql`('PENDING', 'SUCCEEDED')`)
    .execute();
  await db.schema
    .createIndex('refund_provider_reference_key')
    .on('refund')
    .columns(['provider', 'provider_reference'])
    .unique()
    .where(sql<boolean>`provider_reference is not null and provider <> 'in_store'`)
    .execute();

  await db.schema
    .createTable('payment_event')
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('event_id', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('payment_event_pkey', ['provider', 'event_id'])
    .execute();

  await sql`
    insert into payment (id, order_id, provider, provider_reference, status, amount_cents, currency, created_at, updated_at)
    select id, order_id, 'in_store', reference, 'SUCCEEDED', amount_cents, currency, created_at, created_at
    from order_payment`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // The previous release reads order_payment: give it the payments taken since.
  await sql`
    insert into order_payment (id, order_id, provider, reference, amount_cents, currency, created_at)
    select p.id, p.order_id, p.provider, coalesce(p.provider_reference, p.provider), p.amount_cents, p.currency, p.created_at
    from payment p
    where p.status = 'SUCCEEDED' and not exists (select 1 from order_payment o where o.id = p.id)`.execute(
    db,
  );
  await db.schema.dropTable('payment_event').execute();
  await db.schema.dropTable('refund').execute();
  await db.schema.dropTable('payment').execute();
}
