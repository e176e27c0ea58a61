import { Uuid } from '@cartwatch/common-types';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOpenApiRegistry, errorResponses } from '../src/openapi.js';
import { createServiceApp } from '../src/service-app.js';

const KEY = 'k'.repeat(40);

describe('OpenAPI document', () => {
  it('serves the registered routes, with schemas from zod, only with the service key', async () => {
    const registry = createOpenApiRegistry();
    const Widget = z.object({ id: Uuid, priceCents: z.number().int() }).meta({ id: 'Widget' });
    registry.registerPath({
      method: 'get',
      path: '/widgets/{id}',
      summary: 'One widget',
      request: { params: z.object({ id: Uuid }) },
      responses: {
        200: { description: 'The widget', content: { 'application/json': { schema: Widget } } },
        ...errorResponses('UNAUTHENTICATED', 'NOT_FOUND'),
      },
    });
    const app = createServiceApp({
      service: 'orders',
      logger: pino({ level: 'silent' }),
      serviceKey: KEY,
      openapi: registry,
      routes: () => {},
    });

    expect((await request(app).get('/internal/openapi.json')).status).toBe(401);
    const response = await request(app).get('/internal/openapi.json').set('X-Service-Key', KEY);
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body.info.title).toBe('CartWatch orders');
    const operation = response.body.paths['/widgets/{id}'].get;
    expect(Object.keys(operation.responses)).toEqual(['200', '401', '404']);
    expect(operation.responses['404'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ErrorBody',
    });
    expect(response.body.components.schemas.Widget.properties.priceCents.type).toBe('integer');
    expect(response.body.components.schemas.ErrorBody.properties.error.properties.code.enum).toContain(
      'RATE_LIMITED',
    );
  });
});
