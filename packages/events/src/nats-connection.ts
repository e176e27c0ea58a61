/** NATS connection for services: reconnects forever, so a broker outage never ends the process. */
import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface ConnectNatsOptions {
  /** One URL or a comma-separated list, e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`); use the service name. */
  name: string;
  /** Delay between reconnect attempts; default 1 s (plus the client's jitter). */
  reconnectTimeWaitMs?: number;
  /** Wait (retrying) for the first connection instead of failing at once; default false. */
  waitOnFirstConnect?: boolean;
}

export function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const servers = (Array.isArray(options.servers) ? options.servers : options.servers.split(','))
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
  return connect({
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 1_000,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    pingInterval: 20_000,
    // Every request (each JetStream publish) would otherwise capture a stack trace for its error context;
    // at relay rates that is a measurable share of the CPU, and our errors are logged with context anyway.
    noAsyncTraces: true,
  });
}
