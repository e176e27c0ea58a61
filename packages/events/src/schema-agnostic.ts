/**
 * The event tables live in every service schema, whatever the service's Kysely table types are, so this
 * package accepts a Kysely/Database of any table map. This is the one place that says `any`.
 */
import type { Database } from '@cartwatch/db';
import type { Kysely, Transaction } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: Kysely<DB> is invariant in DB; any service's table map must fit
export type AnyTables = any;
export type AnyDatabase = Database<AnyTables>;
export type AnyExecutor = Kysely<AnyTables> | Transaction<AnyTables>;
