/**
 * @cartwatch/local-stack: the servers `pnpm start` and the test setup start themselves (embedded Postgres,
 * nats-server, a throwaway redis-server), always on 127.0.0.1 and free ports (docs/architecture.md#operations), quick
 * reachability probes, and the service launcher (child processes from each service's built dist, readiness
 * polling, a draining stop) that `pnpm start` and the end-to-end tests share, with the product's
 * environment (product-env.ts), the local mail catcher and the demo store.
 */
export {
  DEMO_STORE_ACCOUNT,
  DEMO_STORE_SLUG,
  demoStoreOrders,
  ensureDemoStoreRetailer,
  startDemoStore,
} from './demo-store/demo-store.js';
export {
  type FixtureAccount,
  type FixtureLine,
  type FixtureMode,
  type FixtureOrder,
  type ReferenceRetailerSite,
  startReferenceRetailer,
} from './demo-store/reference-retailer.js';
export {
  type EmbeddedPostgresOptions,
  type RunningServer,
  startEmbeddedPostgres,
} from './embedded-postgres.js';
export {
  type Infrastructure,
  type ResolveInfrastructureOptions,
  redactUrl,
  resolveInfrastructure,
} from './infrastructure.js';
export {
  type CaughtMessage,
  type MailCatcher,
  type MailCatcherOptions,
  startMailCatcher,
} from './mail-catcher.js';
export { NATS_SERVER_HINT, type NatsServerOptions, startNatsServer } from './nats-server.js';
export { findFreePort, isPortFree } from './ports.js';
export {
  isNatsReachable,
  isPostgresReachable,
  isRedisReachable,
  type NatsProbeOptions,
  type ProbeOptions,
} from './probes.js';
export { DataDirInUseError } from './processes.js';
export {
  keptSecret,
  LOCAL_ADMIN_EMAIL,
  type LocalCompanions,
  type LocalProductEnv,
  type LocalProductEnvOptions,
  localProductEnv,
  startLocalCompanions,
} from './product-env.js';
export { REDIS_SERVER_HINT, type RedisServerOptions, startRedisServer } from './redis-server.js';
export {
  type RoundRobinFront,
  type RoundRobinFrontOptions,
  startRoundRobinFront,
} from './round-robin-front.js';
export {
  formatLogLine,
  isRunning,
  type LogSink,
  prefixFor,
  type RunningService,
  runToCompletion,
  type StartServiceOptions,
  startServiceProcess,
  stopAll,
  waitUntilReady,
} from './service-processes.js';
