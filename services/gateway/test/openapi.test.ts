/**
 * /openapi.json merges the gateway's document with each service's /internal/openapi.json (fetched with
 * the service key), keeps only the paths the route table gives that service, tolerates a service that is
 * down, and passes the real Redocly linter. Swagger UI is served under the default CSP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildOpenApiDocument,
  createOpenApiRegistry,
  errorResponses,
  OPENAPI_PATH,
} from '@cartwatch/service-kit';
import { TEST_SERVICE_KEY, type TestDatabase } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DB } from '../src/db/schema.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';
import { redoclyLint } from './openapi-lint.js';

let database: TestDatabase<DB>;
let gateway: TestGateway;
let upstream: http.Server;
const seenKeys: (string | undefined)[] = [];

/** What a price-watch document looks like: one public route, one internal, one it does not own. */
function priceWatchDocument() {
  const registry = createOpenApiRegistry();
  const Product = z.object({ id: z.uuid(), name: z.string() }).meta({ id: 'Product' });
  registry.registerPath({
    method: 'get',
    path: '/products/{productId}',
    operationId: 'getProduct',
    request: { params: z.object({ productId: z.uuid() }) },
    responses: {
      200: { description: 'The product', content: { 'application/json': { schema: Product } } },
      ...errorResponses('NOT_FOUND', 'UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/public/inflation',
    operationId: 'getInflation',
    responses: {
      200: {
        description: 'Index',
        content: { 'application/json': { schema: z.object({ rate: z.number() }) } },
      },
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/internal/products/resolve',
    responses: { 204: { description: 'internal only' } },
  });
  registry.registerPath({ method: 'get', path: '/orders', responses: { 200: { description: 'not ours' } } });
  return buildOpenApiDocument(registry, 'price-watch');
}

beforeAll(async () => {
  database = await createGatewayDatabase();
  const document = JSON.stringify(priceWatchDocument());
  upstream = http.createServer((req, res) => {
    const key = req.headers['x-service-key'];
    seenKeys.push(typeof key === 'string' ? key : undefined);
    if (req.url !== OPENAPI_PATH || key !== TEST_SERVICE_KEY) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(document);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  // Only price-watch answers; every other service is down (port 1).
  gateway = await createTestGateway(database, {
    PRICE_WATCH_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  });
});

afterAll(async () => {
  await gateway.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  await database.drop();
});

describe('OpenAPI', () => {
  it("merges the gateway's and the services' routes, without internal or foreign paths", async () => {
    const { body } = await request(gateway.app).get('/openapi.json').expect(200);
    const paths = Object.keys(body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/auth/login',
        '/auth/me',
        '/me/events',
        '/me/notifications',
        '/.well-known/jwks.json',
      ]),
    );
    expect(paths).toEqual(expect.arrayContaining(['/products/{productId}', '/public/inflation']));
    expect(paths).not.toContain('/internal/products/resolve');
    // The gateway's own /internal route (the cache purge) is left out too, with the schema only it used.
    expect(paths).toEqual(expect.arrayContaining(['/openapi.json', '/docs', '/docs/{asset}']));
    expect(paths.filter((path) => path.startsWith('/internal'))).toEqual([]);
    expect(body.components.schemas.PublicCachePurge).toBeUndefined();
    expect(body.components.schemas.ErrorBody).toBeDefined();
    expect(paths).not.toContain('/orders');
    expect(body.components.schemas.Product).toBeDefined();
    expect(body.paths['/public/inflation'].get.security).toEqual([]);
    expect(body.paths['/products/{productId}'].get.security).toBeUndefined();
    expect(body.security).toEqual([{ bearerAuth: [] }]);
    expect(body['x-unavailable-services']).toEqual(expect.arrayContaining(['orders', 'coupon']));
    expect(seenKeys.every((key) => key === TEST_SERVICE_KEY)).toBe(true);
  });

  it('passes the Redocly linter with no errors', async () => {
    const { body } = await request(gateway.app).get('/openapi.json').expect(200);
    const lint = redoclyLint(body);
    expect(lint.status, lint.output).toBe(0);
  });

  it('serves Swagger UI without inline scripts under the default Content-Security-Policy', async () => {
    const page = await request(gateway.app).get('/docs').expect(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('<script src="/docs/swagger-ui-bundle.js"');
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
    const initializer = await request(gateway.app).get('/docs/swagger-initializer.js').expect(200);
    expect(initializer.text).toContain("url: '/openapi.json'");
    const bundle = await request(gateway.app).get('/docs/swagger-ui-bundle.js').expect(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    await request(gateway.app).get('/docs/../package.json').expect(404);
    // Names that are not Swagger UI's files are not this route's: a 404 in the error shape.
    for (const name of ['package.json', 'constructor', 'nope.css']) {
      const { body } = await request(gateway.app).get(`/docs/${name}`).expect(404);
      expect(body.error.code).toBe('NOT_FOUND');
    }
  });

  it('never exposes /internal/openapi.json at the edge', async () => {
    await request(gateway.app)
      .get('/internal/openapi.json')
      .set('X-Service-Key', TEST_SERVICE_KEY)
      .expect(404);
  });
});
