/**
 * Kysely table types of this service's schema, kept by hand next to the migrations (docs/adr/0002).
 * The outbox and inbox tables belong to @cartwatch/events, which reaches them itself; feature tables
 * are added here with the migrations that create them.
 */
export type DB = Record<string, never>;
