/**
 * Contacts that are proven before they count, and recent re-authentication:
 * - `app_user.phone` now holds only a phone verified by an SMS code, and one account at most has it
 *   (unique). Numbers stored before were never verified: they are cleared, and an SMS second factor
 *   that relied on one falls back to e-mail codes (still a second factor) until a phone is verified.
 * - a code may be bound to the address it was sent to (`destination`: the new phone or e-mail).
 * - `session.reauthenticated_at`: when the session last proved the password or a fresh code; changing
 *   e-mail, phone, password or second factor needs it within the last minutes.
 */
import { type Kysely, sql } from 'kysely';

const PURPOSES = ['verify-email', 'password-reset', 'login', 'second-factor'];
const NEW_PURPOSES = [...PURPOSES, 'reauthenticate', 'verify-phone', 'change-email'];
const list = (values: string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '));

export async function up(db: Kysely<any>): Promise<void> {
  await sql`update app_user set second_factor = 'email' where second_factor = 'sms'`.execute(db);
  await sql`update app_user set phone = null`.execute(db);
  await db.schema.dropIndex('app_user_phone_idx').execute();
  await db.schema
    .createIndex('app_user_phone_key')
    .on('app_user')
    .column('phone')
    .unique()
    .where(sql.ref('phone'), 'is not', null)
    .execute();

  await db.schema
    .alterTable('session')
    .addColumn('reauthenticated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.alterTable('one_time_code').addColumn('destination', 'text').execute();
  await sql`alter table one_time_code drop constraint one_time_code_purpose_check`.execute(db);
  await sql`alter table one_time_code add constraint one_time_code_purpose_check
    check (purpose in (${list(NEW_PURPOSES)}))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from one_time_code where purpose not in (${list(PURPOSES)})`.execute(db);
  await sql`alter table one_time_code drop constraint one_time_code_purpose_check`.execute(db);
  await sql`alter table one_time_code add constraint one_time_code_purpose_check
    check (purpose in (${list(PURPOSES)}))`.execute(db);
  await db.schema.alterTable('one_time_code').dropColumn('destination').execute();
  await db.schema.alterTable('session').dropColumn('reauthenticated_at').execute();
  await db.schema.dropIndex('app_user_phone_key').execute();
  await db.schema.createIndex('app_user_phone_idx').on('app_user').column('phone').execute();
}
