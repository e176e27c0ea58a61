/**
 * The gateway HTTP app: the single front door. Client identity headers are stripped before anything
 * else, then the route table is proxied (before any body parser, so bodies stream through untouched);
 * the gateway's own routes (identity, realtime, OpenAPI) follow in their issues. Never listens.
 */
import { upstreamServices } from '@cartwatch/common-types';
import { type AppContext, createStandardApp } from '@cartwatch/service-runtime';
import type { Express } from 'express';
import { type Config, upstreamUrlOf } from './config.js';
import type { DB } from './db/schema.js';
import { stripClientIdentityHeaders } from './proxy/header-hygiene.js';
import { mountServiceProxies } from './proxy/proxy.routes.js';

export function createApp(context: AppContext<Config, DB>): Express {
  const { config, logger } = context;
  const upstreams = Object.fromEntries(
    upstreamServices.map((name) => [name, upstreamUrlOf(config, name)]),
  ) as Record<(typeof upstreamServices)[number], string>;
  return createStandardApp('gateway', context, () => {}, {
    edge: true,
    beforeRequestHandling(app) {
      app.use((req, _res, next) => {
        stripClientIdentityHeaders(req);
        next();
      });
    },
    beforeBodyParser(app) {
      mountServiceProxies(app, {
        upstreams,
        serviceKey: config.SERVICE_KEY,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        maxSockets: config.UPSTREAM_MAX_SOCKETS,
        logger,
      });
    },
  });
}
