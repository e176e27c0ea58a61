/** The service registry: every CartWatch service, its port, its schema and the env var holding its URL. */
import { z } from 'zod';

export const serviceNames = [
  'gateway',
  'receipt-ingest',
  'price-watch',
  'shrinkflation',
  'coupon',
  'orders',
  'cart-device',
] as const;
export const ServiceName = z.enum(serviceNames);
export type ServiceName = z.infer<typeof ServiceName>;

export interface ServiceInfo {
  name: ServiceName;
  /** Default listen port (docs/architecture.md#ports). */
  port: number;
  /** Default port of its management endpoints (/health, /ready, /metrics): `port` + 1000. */
  managementPort: number;
  /** The Postgres schema this service owns; no other service reads or writes it. */
  schema: string;
  /** Env var other services (and the gateway) read to reach this one, e.g. `PRICE_WATCH_URL`. */
  urlEnv: string;
}

function info(name: ServiceName, port: number, schema: string): ServiceInfo {
  return {
    name,
    port,
    managementPort: port + 1000,
    schema,
    urlEnv: `${name.toUpperCase().replaceAll('-', '_')}_URL`,
  };
}

export const services: Record<ServiceName, ServiceInfo> = {
  gateway: info('gateway', 8080, 'identity'),
  'receipt-ingest': info('receipt-ingest', 8081, 'ingest'),
  'price-watch': info('price-watch', 8082, 'pricing'),
  shrinkflation: info('shrinkflation', 8083, 'shrink'),
  coupon: info('coupon', 8084, 'coupon'),
  orders: info('orders', 8085, 'orders'),
  'cart-device': info('cart-device', 8086, 'device'),
};

/** Services behind the gateway, in registry order. */
export const upstreamServices = serviceNames.filter((name) => name !== 'gateway');

export function defaultServiceUrl(name: ServiceName, host = '127.0.0.1'): string {
  return `http://${host}:${services[name].port}`;
}

/** Where a service's /health, /ready and /metrics answer by default (its management port). */
export function defaultManagementUrl(name: ServiceName, host = '127.0.0.1'): string {
  return `http://${host}:${services[name].managementPort}`;
}

/**
 * The process settings every service starts with (issue #24, bench/README.md "memory"): `pnpm start` and
 * the test platform put them in each service's environment (@cartwatch/local-stack's product
 * environment), and the image sets them as ENV (infra/Dockerfile), which compose and Kubernetes run
 * unchanged; tests/deploy checks the image's values are these.
 * - `--max-semi-space-size=4`: V8's young generation stays within 2 × 4 MiB instead of growing to
 *   2 × 16 MiB, which a process keeps resident until V8's memory reducer happens to shrink it (it runs only
 *   after a full collection, so an idle service kept 32 MiB of young generation in some runs). 1 MiB saved
 *   ~4 MiB more but multiplied the scavenge pauses under bench/load by 7; 4 MiB by 2.5.
 * - `glibc.malloc.mmap_threshold`: allocations of 1 MiB and more are always a mapping of their own,
 *   returned to the system when freed. glibc otherwise raises the threshold to the largest block freed,
 *   after which every argon2 hash (19 MiB, gateway logins) is carved from the arena of the libuv thread
 *   that ran it and stays there: ~77 MiB resident for good once four threads have hashed.
 */
export const serviceProcessEnv = {
  NODE_OPTIONS: '--max-semi-space-size=4',
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576',
} as const;
