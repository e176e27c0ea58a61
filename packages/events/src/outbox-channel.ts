/**
 * LISTEN/NOTIFY channel of one schema's outbox. Notifications are database-wide, so the channel carries
 * the schema name; Postgres limits channel names to 63 bytes (schema names are ASCII, see assertSchemaName).
 */
const MAX_CHANNEL_LENGTH = 63;
export const OUTBOX_CHANNEL_PREFIX = 'outbox_';

export function outboxChannel(schema: string): string {
  return `${OUTBOX_CHANNEL_PREFIX}${schema}`.slice(0, MAX_CHANNEL_LENGTH);
}
