/**
 * Returns on receipts: a line with a negative `paid_cents` (goods brought back, a deposit refunded) is
 * recorded as `kind = 'return'`, every other line as `'purchase'`. Lines imported before keep their
 * amounts; the ones that already were returns are marked so, and the check keeps marker and sign agreed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('purchase_item')
    .addColumn('kind', 'text', (col) => col.notNull().defaultTo('purchase'))
    .execute();
  await sql`update purchase_item set kind = 'return' where paid_cents < 0`.execute(db);
  await sql`
    alter table purchase_item add constraint purchase_item_kind_check
      check (kind in ('purchase', 'return') and (kind = 'return') = (paid_cents < 0))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('purchase_item').dropColumn('kind').execute();
}
