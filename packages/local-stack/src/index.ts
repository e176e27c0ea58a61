/**
 * @cartwatch/local-stack: the servers `pnpm start` and the test setup start themselves (embedded Postgres,
 * nats-server, a throwaway redis-server), always on 127.0.0.1 and free ports (ARCHITECTURE §7), quick
 * reachability probes, and the service launcher (child processes from each service's built dist, readiness
 * polling, a draining stop) that `pnpm start` and the end-to-end tests share.
 */
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
export { REDIS_SERVER_HINT, type RedisServerOptions, startRedisServer } from './redis-server.js';
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
