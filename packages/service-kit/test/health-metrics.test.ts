import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError, createLogger, createManagementApp, createMetricsRegistry } from '../src/index.js';
import { buildApp, TEST_KEY } from './helpers.js';

function managementApp(options: Omit<Parameters<typeof createManagementApp>[0], 'service' | 'logger'>) {
  return createManagementApp({
    service: 'orders',
    logger: createLogger({ service: 'orders', level: 'silent' }),
    ...options,
  });
}

const auth = { 'x-service-key': TEST_KEY };

describe('/ready', () => {
  it('answers 200 with every check when all pass', async () => {
    const app = managementApp({
      registry: createMetricsRegistry('orders'),
      readiness: { database: async () => {}, nats: async () => {} },
    });
    const res = await request(app).get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', nats: 'ok' } });
  });

  it('answers 503 UPSTREAM_UNAVAILABLE naming the failing and hung checks, without their error messages', async () => {
    const app = managementApp({
      registry: createMetricsRegistry('orders'),
      readinessTimeoutMs: 50,
      readiness: {
        database: async () => {
          throw new Error('ECONNREFUSED 10.1.2.3:5432');
        },
        nats: async () => {},
        redis: () => new Promise<void>(() => {}),
      },
    });
    const res = await request(app).get('/ready');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'not ready: database, redis',
      details: {
        failing: ['database', 'redis'],
        checks: { database: 'failed', nats: 'ok', redis: 'timeout' },
      },
    });
    expect(res.text).not.toContain('10.1.2.3');
  });
});

describe('the service port', () => {
  it('answers /health without the key but serves neither /ready nor /metrics', async () => {
    const app = buildApp(() => {});
    expect((await request(app).get('/health')).body).toEqual({ status: 'ok' });
    for (const path of ['/ready', '/metrics']) {
      const res = await request(app).get(path).set(auth);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });
});

describe('/metrics', () => {
  function appWithRoutes() {
    const registry = createMetricsRegistry('orders');
    const app = buildApp(
      (router) => {
        const orders = Router();
        orders.get('/:orderId', (req, res) => {
          res.json({ id: req.params.orderId });
        });
        orders.post('/:orderId/cancel', () => {
          throw AppError.conflict('already shipped');
        });
        router.use('/orders', orders);
        router.get('/items/:id', (req, res) => {
          res.json({ id: req.params.id });
        });
      },
      { registry },
    );
    return { app, registry, management: managementApp({ registry }) };
  }

  it('exposes the latency histogram labelled by route pattern, never by raw path', async () => {
    const { app, management } = appWithRoutes();
    await request(app).get('/items/1').set(auth);
    await request(app).get('/items/2').set(auth);
    await request(app).get('/orders/o-9').set(auth);
    await request(app).get('/does/not/exist/123').set(auth);

    const res = await request(management).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain(
      'http_request_duration_seconds_count{service="orders",method="GET",route="/items/:id",status="200"} 2',
    );
    expect(text).toContain('route="/orders/:orderId",status="200"');
    expect(text).toContain('route="<unmatched>",status="404"');
    expect(text).not.toContain('/items/1');
    expect(text).not.toContain('o-9');
    expect(text).not.toContain('/does/not/exist');
  });

  it('keeps the mount path in the label when a handler in a mounted router fails', async () => {
    const { app, registry } = appWithRoutes();
    const res = await request(app).post('/orders/o-1/cancel').set(auth);
    expect(res.status).toBe(409);
    const text = await registry.metrics();
    expect(text).toContain('route="/orders/:orderId/cancel",status="409"');
  });

  it('labels requests the key guard rejected as unmatched', async () => {
    const { app, registry } = appWithRoutes();
    await request(app).get('/items/3');
    expect(await registry.metrics()).toContain('method="GET",route="<unmatched>",status="401"');
  });

  it('includes default process metrics labelled with the service', async () => {
    const { registry } = appWithRoutes();
    expect(await registry.metrics()).toMatch(/process_cpu_user_seconds_total\{service="orders"\}/);
  });
});
