/**
 * The router and the OpenAPI document are one list (docs/architecture.md#routes): every route a service's
 * express app answers is in the document the service serves at /internal/openapi.json, and every
 * documented operation is mounted. `defineRoute` keeps them equal by construction; this check fails
 * when a route is mounted around it (`app.get(...)`) or documented without being mounted. The gateway
 * serves no /internal/openapi.json (the edge exposes no /internal/*): its own routes are compared with
 * the document of the registry its app mounted them with, the one /openapi.json starts from.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { upstreamServices } from '@cartwatch/common-types';
import { ownOpenApiDocument } from '@cartwatch/gateway';
import { mountedRoutes, OPENAPI_PATH } from '@cartwatch/service-kit';
import { TEST_SERVICE_KEY, testEnv } from '@cartwatch/testing';
import { describe, expect, it } from 'vitest';
import { buildApps } from './services.js';

/** Routes every app gets from service-kit itself (createServiceApp), not from the service. */
const kitRoutes = new Set(['GET /health', `GET ${OPENAPI_PATH}`]);

function documentedRoutes(document: { paths?: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths ?? {})
    .flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

describe.each(upstreamServices)('%s', (name) => {
  it('mounts exactly the routes its OpenAPI document describes', async () => {
    const { databaseUrl, natsUrl } = testEnv();
    const { app, close } = buildApps[name]({
      SERVICE_KEY: TEST_SERVICE_KEY,
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      LOG_LEVEL: 'silent',
    });
    const server = http.createServer(app);
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}${OPENAPI_PATH}`, {
        headers: { 'x-service-key': TEST_SERVICE_KEY },
      });
      expect(response.status).toBe(200);
      const mounted = mountedRoutes(app).filter((route) => !kitRoutes.has(route));
      expect(mounted.length).toBeGreaterThan(0);
      expect(mounted).toEqual(
        documentedRoutes((await response.json()) as Parameters<typeof documentedRoutes>[0]),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await close();
    }
  });
});

describe('gateway', () => {
  it("mounts exactly the routes its own OpenAPI document describes (before the services' are merged in)", async () => {
    const { databaseUrl, natsUrl } = testEnv();
    const { app, close } = buildApps.gateway({
      SERVICE_KEY: TEST_SERVICE_KEY,
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      LOG_LEVEL: 'silent',
    });
    try {
      const mounted = mountedRoutes(app).filter((route) => !kitRoutes.has(route));
      expect(mounted.length).toBeGreaterThan(0);
      expect(mounted).toEqual(
        documentedRoutes(ownOpenApiDocument(app) as Parameters<typeof documentedRoutes>[0]),
      );
    } finally {
      await close();
    }
  });
});
