/**
 * @cartwatch/local-stack: the servers `pnpm start` and the test setup start themselves (embedded Postgres,
 * nats-server, a throwaway redis-server), always on 127.0.0.1 and free ports (ARCHITECTURE §7), plus quick
 * reachability probes.
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
