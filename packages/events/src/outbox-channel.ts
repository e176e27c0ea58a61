/**
 * LISTEN/NOTIFY channel of one schema's outbox. Notifications are database-wide, so the channel carries
 * the schema name; Postgres limits channel names to 63 bytes (schema names are ASCII, see assertSchemaName).
 */
const MAX_CHANNEL_LENGTH = 63;
export const OUTBOX_CHANNEL_PREFIX = 'outbox_';

export function outboxChannel(schema: string): string {
  return `${OUTBOX_CHANNEL_PREFIX}${schema}`.slice(0, MAX_CHANNEL_LENGTH);
}

/**
 * Two-key advisory locks of the relay's wake-up protocol (docs/events.md, "Relay wake-ups"); two-key
 * locks never collide with the relay's one-key leader lock or the user locks (another class).
 * `awake`: held exclusively by the leading relay while it is awake and polling; a writer that cannot take
 * it shared does not need to NOTIFY. `writers`: held shared by every transaction that writes outbox rows,
 * from the write to its commit; the relay goes to sleep only while nobody holds it.
 */
export const RELAY_LOCK_CLASS = 0x43570002;
export const RELAY_AWAKE_SUFFIX = '.outbox.awake';
export const RELAY_WRITERS_SUFFIX = '.outbox.writers';
