/**
 * bench/ is not a workspace package, so it has no node_modules of its own: it imports the built
 * CartWatch packages by path and borrows their dependencies (the same files, so the same module
 * instances) from packages/events/node_modules.
 */

export { defineEvent } from '../../packages/common-types/dist/index.js';
export {
  createDatabase,
  type Database,
  ensureSchema,
  newId,
  withTransaction,
} from '../../packages/db/dist/index.js';
export * from '../../packages/events/dist/index.js';
export {
  jetstream,
  jetstreamManager,
} from '../../packages/events/node_modules/@nats-io/jetstream/lib/mod.js';
export type { NatsConnection } from '../../packages/events/node_modules/@nats-io/transport-node/lib/mod.js';
export { sql, type Transaction } from '../../packages/events/node_modules/kysely/dist/index.js';
export { pino } from '../../packages/events/node_modules/pino/pino.js';
export { Registry } from '../../packages/events/node_modules/prom-client/index.js';
export { z } from '../../packages/events/node_modules/zod/index.js';
