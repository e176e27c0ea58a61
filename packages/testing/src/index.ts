/**
 * @cartwatch/testing: the integration-test harness (docs/architecture.md#testing). Real Postgres, NATS and Redis
 * (resolved by the global setup), an isolated schema and stream per test file, gateway-style headers and
 * small factories. Used only by tests.
 */
export { type EventuallyOptions, eventually } from './eventually.js';
export { newUserId, testAdmin, testStaff, testUser, uniqueEmail, uniqueSuffix } from './factories.js';
export { type ContinueAnswer, postExpectingContinue, rawBody, rawExchange } from './http-exchange.js';
export { counterValue, type MetricsReader } from './metrics.js';
export { serviceHeaders, TEST_SERVICE_KEY, type TestUser } from './service-headers.js';
export {
  createTestDatabase,
  type TestDatabase,
  type TestDatabaseOptions,
  testSchemaName,
} from './test-database.js';
export { type TestEnv, testEnv } from './test-env.js';
export { createTestStream, type TestStream, type TestStreamOptions } from './test-stream.js';
