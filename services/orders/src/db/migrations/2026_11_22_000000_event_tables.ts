/** Outbox and inbox tables of the event backbone (frozen DDL from @cartwatch/events). */
import { eventTablesV1 } from '@cartwatch/events';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await eventTablesV1.up(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await eventTablesV1.down(db);
}
