/**
 * The gateway route table (docs/architecture.md#request-path): which public path prefix belongs to which service, and
 * how the gateway authenticates it. Public paths are the same at the gateway and at the service.
 */
import type { ServiceName } from './services.js';

/**
 * - `user`: a valid access token is required; identity headers are injected.
 * - `public`: no token needed (a valid one is still forwarded as identity); per-IP limits, cached.
 * - `device`: no JWT; the owning service checks the device key; per-device limits.
 * - `signed`: no JWT; the owning service verifies a signature (e-mail and payment-provider webhooks).
 */
export type RouteAuth = 'user' | 'public' | 'device' | 'signed';

export interface RouteEntry {
  /** Path prefix, matched on whole segments: `/stores` matches `/stores` and `/stores/x`, not `/storesx`. */
  prefix: string;
  service: ServiceName;
  auth: RouteAuth;
}

/** Routes answered by the gateway itself (never proxied). */
export const gatewayOwnedPrefixes = [
  '/auth',
  '/admin',
  '/me/events',
  '/me/notifications',
  '/me/export',
  '/.well-known/jwks.json',
  '/docs',
  '/openapi.json',
] as const;

/** Exactly `/me` (the profile) is the gateway's; `/me/stores` etc. belong to services. */
export const gatewayOwnedExactPaths = ['/me'] as const;

export const routeTable: readonly RouteEntry[] = [
  { prefix: '/stores', service: 'receipt-ingest', auth: 'user' },
  { prefix: '/me/stores', service: 'receipt-ingest', auth: 'user' },
  { prefix: '/me/inbound-address', service: 'receipt-ingest', auth: 'user' },
  { prefix: '/purchases', service: 'receipt-ingest', auth: 'user' },
  { prefix: '/receipts', service: 'receipt-ingest', auth: 'user' },
  { prefix: '/receipts/inbound-email', service: 'receipt-ingest', auth: 'signed' },
  { prefix: '/scraping', service: 'receipt-ingest', auth: 'user' },
  { prefix: '/products', service: 'price-watch', auth: 'user' },
  { prefix: '/prices', service: 'price-watch', auth: 'user' },
  { prefix: '/alerts', service: 'price-watch', auth: 'user' },
  { prefix: '/watches', service: 'price-watch', auth: 'user' },
  { prefix: '/public/trends', service: 'price-watch', auth: 'public' },
  { prefix: '/public/store-comparison', service: 'price-watch', auth: 'public' },
  { prefix: '/public/inflation', service: 'price-watch', auth: 'public' },
  { prefix: '/shrinkflation', service: 'shrinkflation', auth: 'user' },
  { prefix: '/public/shrinkflation', service: 'shrinkflation', auth: 'public' },
  { prefix: '/coupons', service: 'coupon', auth: 'user' },
  { prefix: '/shopping', service: 'coupon', auth: 'user' },
  { prefix: '/cart', service: 'orders', auth: 'user' },
  { prefix: '/orders', service: 'orders', auth: 'user' },
  { prefix: '/catalog', service: 'orders', auth: 'user' },
  { prefix: '/inventory', service: 'orders', auth: 'user' },
  { prefix: '/payments', service: 'orders', auth: 'user' },
  { prefix: '/payments/webhooks', service: 'orders', auth: 'signed' },
  { prefix: '/devices', service: 'cart-device', auth: 'user' },
  { prefix: '/device', service: 'cart-device', auth: 'device' },
  { prefix: '/store-layouts', service: 'cart-device', auth: 'user' },
];

/** The prefixes of the public routes: what the gateway caches, and what a service may purge. */
export const publicRoutePrefixes: readonly string[] = routeTable
  .filter((entry) => entry.auth === 'public')
  .map((entry) => entry.prefix);

/** Operational paths every process answers for itself (the gateway never proxies them). */
export const operationalPrefixes = ['/internal', '/health', '/ready', '/metrics'] as const;

/**
 * Operational paths the public edge refuses: the Ingress answers them 403 (a deny-all Ingress of their
 * own) and docker compose's front nginx 404. `/ready` and `/metrics` are served only on each process's
 * management port, `/internal/*` only between services. `/health` stays public: it says nothing but
 * "the gateway answers".
 */
export const edgeDeniedPrefixes = ['/internal', '/ready', '/metrics'] as const;

/**
 * Every path prefix that belongs to the API rather than the web app: the route table's prefixes, the
 * gateway's own paths and the operational ones, matched on whole segments. The web app never routes
 * under them and its service worker never answers them; the Ingress (and docker compose's front
 * nginx) sends them to the gateway (`gatewayEdgePrefixes`), except the denied ones, and everything
 * else to the web app's image.
 */
export const apiPathPrefixes: readonly string[] = [
  ...new Set<string>([
    ...routeTable.map((entry) => entry.prefix),
    ...gatewayOwnedPrefixes,
    ...gatewayOwnedExactPaths,
    ...operationalPrefixes,
  ]),
];

/** `apiPathPrefixes` without `edgeDeniedPrefixes`: what the public edge sends to the gateway. */
export const gatewayEdgePrefixes: readonly string[] = apiPathPrefixes.filter(
  (prefix) => !(edgeDeniedPrefixes as readonly string[]).includes(prefix),
);

function matchesPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The most specific (longest-prefix) route for a path, or undefined when no service owns it. */
export function matchRoute(path: string): RouteEntry | undefined {
  let best: RouteEntry | undefined;
  for (const entry of routeTable) {
    if (matchesPrefix(path, entry.prefix) && (!best || entry.prefix.length > best.prefix.length))
      best = entry;
  }
  return best;
}

export function isGatewayOwned(path: string): boolean {
  return (
    (gatewayOwnedExactPaths as readonly string[]).includes(path) ||
    gatewayOwnedPrefixes.some((prefix) => matchesPrefix(path, prefix))
  );
}
