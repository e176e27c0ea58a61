/** Deletion tombstones: a late event about a deleted user is dropped (frozen DDL from @cartwatch/events). */
import { eventTablesV2 } from '@cartwatch/events';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await eventTablesV2.up(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await eventTablesV2.down(db);
}
