/** SQL of store layouts. */
import type { Executor } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB, StoredLayout } from '../db/schema.js';

export interface LayoutRow {
  location_id: string;
  version: number;
  layout: StoredLayout;
  updated_at: Date;
}

/** Inserts version 1 or replaces the layout with the next version, in one statement. */
export function upsertLayout(
  db: Executor<DB>,
  locationId: string,
  layout: StoredLayout,
  updatedBy: string,
): Promise<LayoutRow> {
  return db
    .insertInto('store_layout')
    .values({ location_id: locationId, version: 1, layout: JSON.stringify(layout), updated_by: updatedBy })
    .onConflict((oc) =>
      oc.column('location_id').doUpdateSet({
        version: sql`store_layout.version + 1`,
        layout: (eb) => eb.ref('excluded.layout'),
        updated_by: (eb) => eb.ref('excluded.updated_by'),
        updated_at: sql`now()`,
      }),
    )
    .returning(['location_id', 'version', 'layout', 'updated_at'])
    .executeTakeFirstOrThrow();
}

export function findLayout(db: Executor<DB>, locationId: string): Promise<LayoutRow | undefined> {
  return db
    .selectFrom('store_layout')
    .select(['location_id', 'version', 'layout', 'updated_at'])
    .where('location_id', '=', locationId)
    .executeTakeFirst();
}

export function findLayoutVersion(
  db: Executor<DB>,
  locationId: string,
): Promise<{ version: number } | undefined> {
  return db
    .selectFrom('store_layout')
    .select('version')
    .where('location_id', '=', locationId)
    .executeTakeFirst();
}
