/**
 * Per alert type delivery rules and quiet hours on the notification preferences (docs/gateway.md,
 * "Notifications"): `alert_types` holds the rules the user changed (types absent = defaults), the quiet
 * hours are a local start and end in an IANA time zone, all three set or none.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('notification_preference')
    .addColumn('alert_types', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('quiet_start', 'text')
    .addColumn('quiet_end', 'text')
    .addColumn('quiet_time_zone', 'text')
    .execute();
  await sql`alter table notification_preference add constraint notification_preference_quiet_hours
    check ((quiet_start is null) = (quiet_end is null) and (quiet_start is null) = (quiet_time_zone is null))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('notification_preference')
    .dropConstraint('notification_preference_quiet_hours')
    .execute();
  await db.schema
    .alterTable('notification_preference')
    .dropColumn('alert_types')
    .dropColumn('quiet_start')
    .dropColumn('quiet_end')
    .dropColumn('quiet_time_zone')
    .execute();
}
