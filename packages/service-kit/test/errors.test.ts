import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, parseBody, parseParams, parseQuery } from '../src/index.js';
import { buildApp, recordingLogger, TEST_KEY } from './helpers.js';

const CreateItem = z.strictObject({
  name: z.string().min(1),
  lines: z.array(z.object({ quantity: z.number().int().positive() })),
});

function appWithRoutes(logger = recordingLogger().logger) {
  return buildApp(
    (app) => {
      app.post('/items', (req, res) => {
        const item = parseBody(CreateItem, req);
        res.status(201).json(item);
      });
      app.get('/items/:id', (req, res) => {
        const { id } = parseParams(z.object({ id: z.uuid() }), req);
        const { limit } = parseQuery(z.object({ limit: z.coerce.number().int().max(100).default(20) }), req);
        res.json({ id, limit });
      });
      app.get('/zod-thrown', () => {
        z.object({ when: z.iso.datetime() }).parse({ when: 'yesterday' });
      });
      app.get('/missing', () => {
        throw AppError.notFound('order');
      });
      app.get('/crash', async () => {
        throw new Error('connection to 10.0.0.7:5432 refused, password=hunter2');
      });
      app.get('/internal-app-error', () => {
        throw new AppError('INTERNAL', 'pool exhausted at db.ts:42');
      });
      app.get('/busy', () => {
        throw AppError.rateLimited(12.2);
      });
      app.get('/conflict', () => {
        throw AppError.conflict('order already paid', { orderId: 'o-1' });
      });
    },
    { logger, bodyLimit: '1kb' },
  );
}

const auth = { 'x-service-key': TEST_KEY };

describe('error middleware', () => {
  it('answers a schema violation with 400 VALIDATION_FAILED and one issue per field', async () => {
    const res = await request(appWithRoutes())
      .post('/items')
      .set(auth)
      .send({ name: '', lines: [{ quantity: 1 }, { quantity: 0 }], extra: true, more: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
    const issues = res.body.error.details.issues as Array<{ path: string; code: string }>;
    expect(issues.map((issue) => issue.path).sort()).toEqual(['extra', 'lines.1.quantity', 'more', 'name']);
    expect(issues.find((issue) => issue.path === 'extra')?.code).toBe('unrecognized_keys');
  });

  it('validates path and query parameters the same way', async () => {
    const app = appWithRoutes();
    const bad = await request(app).get('/items/not-a-uuid?limit=500').set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('invalid path parameters');
    expect(bad.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'id', code: 'invalid_format' }),
    ]);

    const id = '0190d5f0-6c1e-7cc3-9b8a-7f1d3c2b1a00';
    const ok = await request(app).get(`/items/${id}?limit=5`).set(auth);
    expect(ok.body).toEqual({ id, limit: 5 });
  });

  it('maps a ZodError thrown anywhere in a handler to 400 with issues', async () => {
    const res = await request(appWithRoutes()).get('/zod-thrown').set(auth);
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues).toEqual([expect.objectContaining({ path: 'when' })]);
  });

  it('answers a malformed JSON body with 400 VALIDATION_FAILED', async () => {
    const res = await request(appWithRoutes())
      .post('/items')
      .set(auth)
      .set('content-type', 'application/json')
      .send('{"name": "milk",');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'malformed JSON body' });
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await request(appWithRoutes())
      .post('/items')
      .set(auth)
      .send({ name: 'x'.repeat(2048), lines: [] });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unexpected error with a generic 500 and logs the real one with the request id', async () => {
    const { lines, logger } = recordingLogger();
    const res = await request(appWithRoutes(logger))
      .get('/crash')
      .set(auth)
      .set('x-request-id', 'req-crash-1');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: { code: 'INTERNAL', message: 'internal error', requestId: 'req-crash-1' },
    });
    expect(res.text).not.toContain('10.0.0.7');
    expect(res.text).not.toContain('hunter2');
    const logged = lines.find((line) => line.msg === 'unhandled error');
    expect(logged).toMatchObject({ requestId: 'req-crash-1', service: 'orders', level: 'error' });
    expect(JSON.stringify(logged)).toContain('10.0.0.7');
  });

  it('hides the message of an AppError with code INTERNAL as well', async () => {
    const res = await request(appWithRoutes()).get('/internal-app-error').set(auth);
    expect(res.status).toBe(500);
    expect(res.body.error.message).toBe('internal error');
  });

  it('sets Retry-After on RATE_LIMITED, rounded up to whole seconds', async () => {
    const res = await request(appWithRoutes()).get('/busy').set(auth);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('13');
    expect(res.body.error.details).toEqual({ retryAfterSeconds: 12.2 });
  });

  it('passes AppError code, message and details through', async () => {
    const app = appWithRoutes();
    const conflict = await request(app).get('/conflict').set(auth);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({
      code: 'CONFLICT',
      message: 'order already paid',
      details: { orderId: 'o-1' },
    });
    const missing = await request(app).get('/missing').set(auth);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'order not found' });
  });

  it('answers an unknown route with 404 NOT_FOUND in the error shape', async () => {
    const res = await request(appWithRoutes()).delete('/nowhere').set(auth);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'no route for DELETE /nowhere' });
  });
});
