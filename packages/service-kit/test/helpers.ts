/** Shared test fixtures: a service key, a logger that records lines, and an app factory. */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { createLogger, createServiceApp, type ServiceAppOptions } from '../src/index.js';

export const TEST_KEY = 'test-service-key-0123456789abcdef0123456789';

export interface RecordedLogs {
  lines: Array<Record<string, unknown>>;
  logger: ReturnType<typeof createLogger>;
}

export function recordingLogger(level: 'info' | 'debug' = 'info'): RecordedLogs {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { lines, logger: createLogger({ service: 'orders', level, destination }) };
}

export function buildApp(
  routes: ServiceAppOptions['routes'],
  overrides: Partial<Omit<ServiceAppOptions, 'routes'>> = {},
): Express {
  return createServiceApp({
    service: 'orders',
    logger: createLogger({ service: 'orders', level: 'silent' }),
    serviceKey: TEST_KEY,
    routes,
    ...overrides,
  });
}

export function userHeaders(
  role: 'user' | 'staff' | 'admin' = 'user',
  id = randomUUID(),
): Record<string, string> {
  return { 'x-service-key': TEST_KEY, 'x-user-id': id, 'x-user-role': role };
}
