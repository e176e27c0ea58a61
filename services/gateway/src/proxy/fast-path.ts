/**
 * The proxied request path, outside express. Express 5 costs more per request than everything else the
 * gateway does for a proxied call (it re-prototypes req/res and walks its middleware stack), so a request
 * for the route table is handled here on the bare node request: identity headers stripped, the same
 * security headers, request id, CORS, admission (token, rate limit), the proxy, the latency histogram
 * and a log line. Everything else - the gateway's own routes, CORS preflights, and every refused request,
 * carrying its refusal - goes to the express app, whose error handler answers it in the error shape.
 *
 * It is installed by replacing the app's `handle` (the function express calls for each request), so
 * supertest in the tests and the server in production both go through it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchRoute, type RouteEntry } from '@cartwatch/common-types';
import {
  type httpDurationHistogram,
  redactUrlQuery,
  requestIdOf,
  securityHeaderList,
} from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { Logger } from 'pino';
import proxyaddr from 'proxy-addr';
import { type CorsPolicy, isPreflight } from './cors.js';
import { stripClientIdentityHeaders } from './header-hygiene.js';
import type { Admission, Refusals, ServiceProxies } from './proxy.routes.js';

type Handle = (req: IncomingMessage, res: ServerResponse, done?: (error?: unknown) => void) => void;

export interface FastPathOptions {
  proxies: ServiceProxies;
  admit: Admission;
  cors: CorsPolicy;
  /** Where a refused request's refusal is left for the express dispatcher. */
  refusals: Refusals;
  logger: Logger;
  histogram: ReturnType<typeof httpDurationHistogram>;
  /** The user the request was admitted as, for the log line. */
  userIdOf(req: IncomingMessage): string | undefined;
  /**
   * Checks the X-Service-Key of a request for the gateway's own `/internal/*` routes (a valid one marks
   * the request, see service-kit's `hasValidServiceKey`) before the header is stripped like every
   * client's `x-service-*` header.
   */
  verifyServiceKey(req: IncomingMessage): unknown;
  /**
   * false: every request goes to the express stack after the header hygiene (the reference the
   * conformance test compares the fast path with). Default true.
   */
  fastPath?: boolean;
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Logging policy: the service that answers a proxied request logs it at info with the same request id
 * and user, so the gateway logs a proxied success only at debug; refusals are logged by the express
 * stack, client errors it proxied at info, server errors at warn.
 */
export function proxiedLogLevel(status: number): 'debug' | 'info' | 'warn' {
  if (status >= 500) return 'warn';
  return status >= 400 ? 'info' : 'debug';
}

export function installProxyFastPath(app: Express, options: FastPathOptions): void {
  const expressApp = app as unknown as { handle: Handle };
  const expressHandle = expressApp.handle.bind(app);
  // Same `trust proxy` setting as express's req.ip.
  const trust = app.settings['trust proxy fn'] as Parameters<typeof proxyaddr>[1];
  const securityHeaders = securityHeaderList();

  function observe(route: RouteEntry, req: IncomingMessage, res: ServerResponse, startedAt: bigint) {
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const status = res.statusCode;
      options.histogram.observe(
        { method: req.method ?? '', route: route.prefix, status: String(status) },
        seconds,
      );
      const level = proxiedLogLevel(status);
      if (!options.logger.isLevelEnabled(level)) return;
      options.logger[level](
        {
          requestId: requestIdOf(req),
          userId: options.userIdOf(req),
          service: route.service,
          req: { method: req.method, url: redactUrlQuery(req.url) },
          res: { statusCode: status },
          responseTime: Math.round(seconds * 1e4) / 10,
        },
        res.writableFinished ? 'request completed' : 'request aborted',
      );
    });
  }

  expressApp.handle = (req, res, done) => {
    const path = pathOf(req.url);
    if (path === '/internal' || path.startsWith('/internal/')) options.verifyServiceKey(req);
    stripClientIdentityHeaders(req);
    const route = isPreflight(req) || options.fastPath === false ? undefined : matchRoute(path);
    if (!route) {
      expressHandle(req, res, done);
      return;
    }
    // Whatever goes wrong on the way is answered by the express error handler, like a refusal.
    const handOver = (error: unknown) => {
      if (res.headersSent) {
        options.logger.error({ err: error, requestId: requestIdOf(req) }, 'proxied request failed');
        res.destroy();
        return;
      }
      options.refusals.set(req, { error });
      expressHandle(req, res, done);
    };
    try {
      const startedAt = process.hrtime.bigint();
      for (const [name, value] of securityHeaders) res.setHeader(name, value);
      res.setHeader('x-request-id', requestIdOf(req));
      options.cors(req, res);
      options
        .admit(route, req, proxyaddr(req, trust))
        .then(() => {
          // A body the proxy refuses (413) throws here and is answered and counted by express instead.
          options.proxies.forward(route, req, res);
          observe(route, req, res, startedAt);
        }, handOver)
        .catch(handOver);
    } catch (error) {
      handOver(error);
    }
  };
}
