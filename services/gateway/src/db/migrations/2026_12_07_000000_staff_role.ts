/** Store staff: a third role, scoped to one retailer (its receipt-ingest store slug). */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table app_user drop constraint if exists app_user_role_check`.execute(db);
  await db.schema.alterTable('app_user').addColumn('retailer_slug', 'text').execute();
  await sql`alter table app_user add constraint app_user_role_check
    check (role in ('user', 'staff', 'admin'))`.execute(db);
  // Staff work for exactly one retailer; nobody else has one.
  await sql`alter table app_user add constraint app_user_staff_retailer_check
    check ((role = 'staff') = (retailer_slug is not null))`.execute(db);
  await db.schema.createIndex('app_user_retailer_idx').on('app_user').column('retailer_slug').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // Staff go back to shoppers: the old schema has no way to say what they were.
  await sql`update app_user set role = 'user' where role = 'staff'`.execute(db);
  await sql`alter table app_user drop constraint app_user_staff_retailer_check`.execute(db);
  await sql`alter table app_user drop constraint app_user_role_check`.execute(db);
  await db.schema.dropIndex('app_user_retailer_idx').execute();
  await db.schema.alterTable('app_user').dropColumn('retailer_slug').execute();
  await sql`alter table app_user add constraint app_user_role_check check (role in ('user', 'admin'))`.execute(
    db,
  );
}
