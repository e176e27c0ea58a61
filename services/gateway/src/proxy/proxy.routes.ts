/**
 * Proxies the route table to the services: one keep-alive agent per upstream (a new connection per
 * request costs most of the gateway's throughput), the service key, identity and request id injected,
 * and upstream failures answered in the error shape, never as an HTML page. The proxies work on bare
 * node requests, so the fast path (fast-path.ts) and the express dispatcher below share them.
 */
import http from 'node:http';
import {
  errorStatus,
  matchRoute,
  type RouteEntry,
  type ServiceName,
  type UserRole,
  upstreamServices,
} from '@cartwatch/common-types';
import { annotateRequest, requestIdOf } from '@cartwatch/service-kit';
import type { Express } from 'express';
import {
  createProxyMiddleware,
  debugProxyErrorsPlugin,
  proxyEventsPlugin,
  type RequestHandler,
} from 'http-proxy-middleware';
import type { Logger } from 'pino';
import { proxiedLogLevel } from './fast-path.js';
import type { PublicCache } from './public-cache.js';
import { assertDeclaredBodyWithin, dropExpectHeader } from './request-body.js';

export interface ProxyOptions {
  upstreams: Record<Exclude<ServiceName, 'gateway'>, string>;
  serviceKey: string;
  timeoutMs: number;
  maxSockets: number;
  /** Largest body a proxied request may declare (Content-Length); larger ones get 413, unread. */
  maxBodyBytes: number;
  logger: Logger;
  /** Caches anonymous GETs of public routes; none = every request goes to the service. */
  publicCache?: PublicCache;
  /** The identity the gateway asserts to the service for this request, if any. */
  identityOf(req: http.IncomingMessage): { userId: string; role: UserRole; retailer?: string } | undefined;
}

/** Runs before a request is proxied: authentication and rate limits; rejects with an AppError to refuse. */
export type Admission = (route: RouteEntry, req: http.IncomingMessage, clientIp: string) => Promise<void>;

/** Requests the fast path refused, with why; the express dispatcher turns the refusal into the error answer. */
export type Refusals = WeakMap<http.IncomingMessage, { error: unknown }>;

export interface ServiceProxies {
  /**
   * Sends an admitted request to the route's service and its answer back to the client. Throws
   * PAYLOAD_TOO_LARGE, before anything is sent, for a declared body over `maxBodyBytes`.
   */
  forward(route: RouteEntry, req: http.IncomingMessage, res: http.ServerResponse): void;
}

const timedOut = new WeakSet<http.IncomingMessage>();
const ignore = () => {};

function sendUpstreamError(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  code: 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_TIMEOUT',
  message: string,
) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message, requestId: requestIdOf(req) } });
  res.writeHead(errorStatus[code], {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** `cache`: the answer goes to the public cache (stored, then sent) instead of straight to the client. */
function createUpstreamProxy(
  service: ServiceName,
  target: string,
  agent: http.Agent,
  options: ProxyOptions,
  cache?: PublicCache,
): RequestHandler {
  return createProxyMiddleware({
    target,
    agent,
    changeOrigin: true,
    xfwd: true,
    selfHandleResponse: cache !== undefined,
    // Without the default logger plugin, which builds a URL and walks the agent's sockets on every response.
    ejectPlugins: true,
    plugins: [debugProxyErrorsPlugin, proxyEventsPlugin],
    on: {
      proxyReq(proxyReq, req) {
        proxyReq.setHeader('x-service-key', options.serviceKey);
        const identity = options.identityOf(req);
        if (identity) {
          proxyReq.setHeader('x-user-id', identity.userId);
          proxyReq.setHeader('x-user-role', identity.role);
          if (identity.retailer !== undefined) proxyReq.setHeader('x-user-retailer', identity.retailer);
        }
        proxyReq.setHeader('x-request-id', requestIdOf(req));
        proxyReq.setTimeout(options.timeoutMs, () => {
          timedOut.add(req);
          proxyReq.destroy(new Error(`${service} did not answer within ${options.timeoutMs} ms`));
        });
      },
      error(error, req, res) {
        if (!(res instanceof http.ServerResponse)) return; // a socket (upgrade): nothing to answer
        if (timedOut.has(req)) {
          sendUpstreamError(req, res, 'UPSTREAM_TIMEOUT', `${service} did not answer in time`);
        } else {
          options.logger.warn({ err: error, service, requestId: requestIdOf(req) }, 'upstream unavailable');
          sendUpstreamError(req, res, 'UPSTREAM_UNAVAILABLE', `${service} is unavailable`);
        }
      },
      ...(cache && {
        proxyRes(proxyRes, req, res) {
          cache.fromUpstream(proxyRes, req, res as http.ServerResponse);
        },
      }),
    },
  });
}

export function createServiceProxies(options: ProxyOptions): ServiceProxies {
  const { publicCache } = options;
  const proxies = new Map<ServiceName, { direct: RequestHandler; cached?: RequestHandler }>(
    upstreamServices.map((name) => {
      const target = options.upstreams[name];
      // One keep-alive agent per service, shared by its direct and caching proxies.
      const agent = new http.Agent({
        keepAlive: true,
        maxSockets: options.maxSockets,
        keepAliveMsecs: 10_000,
      });
      const direct = createUpstreamProxy(name, target, agent, options);
      const cached = publicCache && createUpstreamProxy(name, target, agent, options, publicCache);
      return [name, cached ? { direct, cached } : { direct }];
    }),
  );
  return {
    forward(route, req, res) {
      const proxy = proxies.get(route.service);
      if (!proxy) throw new Error(`no proxy for ${route.service}`);
      assertDeclaredBodyWithin(req, res, options.maxBodyBytes);
      dropExpectHeader(req);
      // Failures are answered by the `error` handler above; the rejection hpm passes on needs no more.
      if (!publicCache || !proxy.cached || !publicCache.handles(route, req)) {
        void proxy.direct(req, res, ignore);
        return;
      }
      if (publicCache.bypasses(req)) {
        res.setHeader('x-cache', 'BYPASS');
        void proxy.direct(req, res, ignore);
        return;
      }
      const cachingProxy = proxy.cached;
      void publicCache.lookup(req).then((entry) => {
        if (entry) {
          publicCache.send(req, res, entry, 'HIT');
          return;
        }
        publicCache.prepareMiss(req, route);
        void cachingProxy(req, res, ignore);
      });
    },
  };
}

/**
 * The express side of proxying, mounted before any body parser: a request the fast path refused arrives
 * here with its refusal, which goes to the error handler (so it is answered, logged and counted like any
 * error); a route-table request the fast path left to express (a CORS preflight) is admitted and
 * proxied here; anything else falls through to the gateway's own routes and its 404.
 */
export function mountServiceProxies(
  app: Express,
  options: {
    proxies: ServiceProxies;
    admit: Admission;
    refusals: Refusals;
    userIdOf(req: http.IncomingMessage): string | undefined;
  },
): void {
  app.use((req, res, next) => {
    const refusal = options.refusals.get(req);
    if (refusal) {
      next(refusal.error);
      return;
    }
    const route = matchRoute(req.path);
    if (!route) {
      next();
      return;
    }
    options
      .admit(route, req, req.ip ?? 'unknown')
      .then(() => {
        // Counted and logged as the fast path counts and logs a proxied request (fast-path.ts).
        annotateRequest(req, {
          route: route.prefix,
          userId: options.userIdOf(req),
          fields: { service: route.service },
          logLevel: proxiedLogLevel,
        });
        options.proxies.forward(route, req, res);
      })
      .catch(next);
  });
}
