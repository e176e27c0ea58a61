/**
 * Notifications delivered after commit (issue #18):
 * - `notification_delivery`: one row per message to send (an alert on one channel and target, a one-time
 *   code, an account notice), written in the transaction that decides to send it and sent afterwards by
 *   the delivery worker, which leases rows (`lease_owner`, `lease_expires_at`) with FOR UPDATE SKIP LOCKED.
 *   `idempotency_key` is unique: the same alert on the same channel and target is queued once.
 * - `push_subscription`: the browsers' Web Push subscriptions (endpoint and keys) of each user.
 * - `notification_preference` gains `sms_enabled` and `push_enabled`.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('notification_preference')
    .addColumn('sms_enabled', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('push_enabled', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();

  await db.schema
    .createTable('push_subscription')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('endpoint', 'text', (col) => col.notNull())
    .addColumn('p256dh', 'text', (col) => col.notNull())
    .addColumn('auth', 'text', (col) => col.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  // A browser's endpoint belongs to one account at a time (the last one that subscribed with it).
  await db.schema
    .createIndex('push_subscription_endpoint_key')
    .on('push_subscription')
    .column('endpoint')
    .unique()
    .execute();
  await db.schema
    .createIndex('push_subscription_user_idx')
    .on('push_subscription')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('notification_delivery')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('idempotency_key', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('alert', 'code', 'notice')`))
    .addColumn('channel', 'text', (col) =>
      col.notNull().check(sql`channel in ('email', 'sms', 'webhook', 'push')`),
    )
    // Which worker slots send it: account messages (codes, notices) first, then one lane per channel.
    .addColumn('lane', 'text', (col) =>
      col.notNull().check(sql`lane in ('account', 'email', 'sms', 'webhook', 'push')`),
    )
    .addColumn('target', 'text', (col) => col.notNull())
    .addColumn('title', 'text', (col) => col.notNull())
    // What is sent; null once an account message (it may hold a code) was sent or failed.
    .addColumn('payload', 'jsonb')
    .addColumn('status', 'text', (col) =>
      col.notNull().defaultTo('pending').check(sql`status in ('pending', 'sent', 'failed')`),
    )
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (col) => col.notNull())
    .addColumn('run_after', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('last_error', 'text')
    // Account messages expire with their code: not sent after, and deleted once past it.
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('notification_delivery_idempotency_key')
    .on('notification_delivery')
    .column('idempotency_key')
    .unique()
    .execute();
  await db.schema
    .createIndex('notification_delivery_due_idx')
    .on('notification_delivery')
    .columns(['lane', 'run_after'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('notification_delivery_user_idx')
    .on('notification_delivery')
    .columns(['user_id', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_delivery').execute();
  await db.schema.dropTable('push_subscription').execute();
  await db.schema
    .alterTable('notification_preference')
    .dropColumn('push_enabled')
    .dropColumn('sms_enabled')
    .execute();
}
