/**
 * bench/ is not a workspace package: it imports the built price-watch service and CartWatch packages
 * by path and borrows their dependencies (the same module instances) from services/price-watch.
 */
export { createDatabase, migrateSchema } from '../../packages/db/dist/index.js';
export { createAppFromEnv } from '../../packages/service-runtime/dist/index.js';
export { priceSeriesQuery } from '../../services/price-watch/dist/prices/prices.repository.js';
export { serviceDefinition } from '../../services/price-watch/dist/service.js';
export { type Kysely, sql } from '../../services/price-watch/node_modules/kysely/dist/index.js';
