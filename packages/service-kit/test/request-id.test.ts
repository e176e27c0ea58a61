import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError, isSaneRequestId } from '../src/index.js';
import { buildApp, recordingLogger, TEST_KEY, userHeaders } from './helpers.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function appLoggingTo(logger = recordingLogger().logger) {
  return buildApp(
    (app) => {
      app.get('/hello', (req, res) => {
        req.log.info({ step: 'handler' }, 'saying hello');
        res.json({ hello: 'world' });
      });
      app.get('/fail', () => {
        throw AppError.conflict('nope');
      });
    },
    { logger },
  );
}

describe('request id', () => {
  it('echoes a sane incoming X-Request-Id on the response and in error bodies', async () => {
    const app = appLoggingTo();
    const ok = await request(app)
      .get('/hello')
      .set('x-service-key', TEST_KEY)
      .set('x-request-id', 'gw:abc.123_x-y');
    expect(ok.headers['x-request-id']).toBe('gw:abc.123_x-y');
    const failed = await request(app)
      .get('/fail')
      .set('x-service-key', TEST_KEY)
      .set('x-request-id', 'gw-42');
    expect(failed.headers['x-request-id']).toBe('gw-42');
    expect(failed.body.error.requestId).toBe('gw-42');
  });

  it('replaces a missing, oversized or unsafe id with a fresh UUID', async () => {
    const app = appLoggingTo();
    const missing = await request(app).get('/health');
    expect(missing.headers['x-request-id']).toMatch(uuidPattern);
    for (const bad of ['x'.repeat(129), 'id with spaces', 'id\u00e9', '<script>']) {
      const res = await request(app).get('/health').set('x-request-id', bad);
      expect(res.headers['x-request-id']).toMatch(uuidPattern);
    }
    expect(isSaneRequestId('a'.repeat(128))).toBe(true);
    expect(isSaneRequestId('')).toBe(false);
  });

  it('binds requestId and userId to handler logs and the completion line, with secrets redacted', async () => {
    const { lines, logger } = recordingLogger();
    const userId = randomUUID();
    await request(appLoggingTo(logger))
      .get('/hello')
      .set(userHeaders('user', userId))
      .set('authorization', 'Bearer abc.def.ghi')
      .set('x-request-id', 'trace-7');

    const handlerLine = lines.find((line) => line.msg === 'saying hello');
    expect(handlerLine).toMatchObject({ service: 'orders', requestId: 'trace-7', userId, step: 'handler' });

    const completion = lines.find((line) => line.msg === 'request completed');
    expect(completion).toMatchObject({ requestId: 'trace-7', userId, res: { statusCode: 200 } });
    const headers = (completion?.req as { headers?: Record<string, string> } | undefined)?.headers ?? {};
    expect(headers['x-service-key']).toBe('[redacted]');
    expect(headers.authorization).toBe('[redacted]');
    expect(JSON.stringify(lines)).not.toContain(TEST_KEY);
  });

  it('logs probe successes only at debug level', async () => {
    const { lines, logger } = recordingLogger();
    await request(appLoggingTo(logger)).get('/health');
    expect(lines.filter((line) => line.msg === 'request completed')).toEqual([]);
  });
});
