/**
 * Proxies the route table to the services: one keep-alive agent per upstream (a new connection per
 * request costs most of the gateway's throughput), the service key and request id injected, and
 * upstream failures answered in the error shape, never as an HTML page.
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
import type { Express, Request, Response } from 'express';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import type { Logger } from 'pino';

export interface ProxyOptions {
  upstreams: Record<Exclude<ServiceName, 'gateway'>, string>;
  serviceKey: string;
  timeoutMs: number;
  maxSockets: number;
  logger: Logger;
  /** Runs before a request is proxied: authentication and rate limits; throws an AppError to refuse. */
  admit(route: RouteEntry, req: Request): Promise<void>;
  /** The identity the gateway asserts to the service for this request, if any. */
  identityOf(req: http.IncomingMessage): { userId: string; role: UserRole } | undefined;
}

const timedOut = new WeakSet<http.IncomingMessage>();

function sendUpstreamError(
  res: Response,
  code: 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_TIMEOUT',
  message: string,
) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res
    .status(errorStatus[code])
    .json({ error: { code, message, requestId: String(res.locals.requestId ?? '') } });
}

function createUpstreamProxy(service: ServiceName, target: string, options: ProxyOptions): RequestHandler {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, keepAliveMsecs: 10_000 });
  return createProxyMiddleware({
    target,
    agent,
    changeOrigin: true,
    xfwd: true,
    on: {
      proxyReq(proxyReq, req) {
        proxyReq.setHeader('x-service-key', options.serviceKey);
        const identity = options.identityOf(req);
        if (identity) {
          proxyReq.setHeader('x-user-id', identity.userId);
          proxyReq.setHeader('x-user-role', identity.role);
        }
        const requestId = (req as Request).res?.locals.requestId;
        if (typeof requestId === 'string') proxyReq.setHeader('x-request-id', requestId);
        proxyReq.setTimeout(options.timeoutMs, () => {
          timedOut.add(req);
          proxyReq.destroy(new Error(`${service} did not answer within ${options.timeoutMs} ms`));
        });
      },
      error(error, req, res) {
        const expressRes = res as Response;
        if (typeof expressRes.status !== 'function') return; // a socket (upgrade): nothing to answer
        if (timedOut.has(req)) {
          sendUpstreamError(expressRes, 'UPSTREAM_TIMEOUT', `${service} did not answer in time`);
        } else {
          options.logger.warn({ err: error, service }, 'upstream unavailable');
          sendUpstreamError(expressRes, 'UPSTREAM_UNAVAILABLE', `${service} is unavailable`);
        }
      },
    },
  });
}

/**
 * Mounts the dispatcher: a path owned by a service (longest prefix of the route table) goes to that
 * service's proxy; anything else falls through to the gateway's own routes and its 404.
 */
export function mountServiceProxies(app: Express, options: ProxyOptions): void {
  const proxies = new Map<ServiceName, RequestHandler>(
    upstreamServices.map((name) => [name, createUpstreamProxy(name, options.upstreams[name], options)]),
  );
  app.use((req, res, next) => {
    const route = matchRoute(req.path);
    const proxy = route && proxies.get(route.service);
    if (!proxy) {
      next();
      return;
    }
    options
      .admit(route, req)
      .then(() => proxy(req, res, next))
      .catch(next);
  });
}
