/**
 * bench/ is not a workspace package: it imports the built CartWatch packages by path and borrows their
 * dependencies (the same module instances) from services/gateway.
 */
export { createDatabase, migrateSchema } from '../../packages/db/dist/index.js';
export { sql } from '../../services/gateway/node_modules/kysely/dist/index.js';
