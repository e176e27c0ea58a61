/**
 * Prometheus metrics: one Registry per app (tests build many apps in one process), default process metrics
 * labelled with the service, and the HTTP latency histogram labelled by route pattern.
 */
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { requestAnnotation } from './request-annotation.js';

export const unmatchedRoute = '<unmatched>';

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const histogramName = 'http_request_duration_seconds';

/** The HTTP latency histogram of `registry` (created on first use); httpMetrics() observes into it. */
export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric(histogramName);
  if (existing instanceof Histogram) return existing;
  return new Histogram({
    name: histogramName,
    help: 'HTTP request duration in seconds, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

type RoutePath = string | RegExp | Array<string | RegExp>;
const matchedRoutes = new WeakMap<IncomingMessage, string>();

function joinRoute(baseUrl: string, path: RoutePath): string {
  const pattern = Array.isArray(path) ? path.map(String).join('|') : String(path);
  if (baseUrl === '') return pattern;
  return pattern === '/' ? baseUrl : baseUrl + pattern;
}

/**
 * Remembers the full route pattern (mount path + route path) at the moment the router matches a route.
 * Reading `req.baseUrl` later is not enough: when a handler in a mounted router throws, the router restores
 * `baseUrl` before the error response is written, and `/:id` of `/orders` would be mislabelled as `/:id`.
 */
function trackMatchedRoute(req: Request): void {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      const path = (value as { path?: RoutePath } | undefined)?.path;
      if (path !== undefined) matchedRoutes.set(req, joinRoute(req.baseUrl, path));
    },
  });
}

/**
 * The route label of a finished request: the express route pattern (or the one its handler annotated,
 * request-annotation.ts), never the raw path.
 */
export function routeLabel(req: IncomingMessage): string {
  return matchedRoutes.get(req) ?? requestAnnotation(req)?.route ?? unmatchedRoute;
}

export function httpMetrics(registry: Registry): RequestHandler {
  const histogram = httpDurationHistogram(registry);
  return (req, res, next) => {
    const stopTimer = histogram.startTimer();
    trackMatchedRoute(req);
    res.once('close', () => {
      stopTimer({ method: req.method, route: routeLabel(req), status: String(res.statusCode) });
    });
    next();
  };
}
