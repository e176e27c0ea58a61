import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  baseServiceEnv,
  ConfigError,
  describeEnv,
  loadConfig,
  loadConfigOrExit,
  requireInProduction,
  serviceEnv,
} from '../src/index.js';

const validEnv = {
  PORT: '8085',
  MANAGEMENT_PORT: '9085',
  SERVICE_KEY: 'k'.repeat(32),
  DATABASE_URL: 'postgres://cartwatch:secret@127.0.0.1:5432/cartwatch',
  NATS_URL: 'nats://127.0.0.1:4222',
};

function configProblems(fn: () => unknown): Array<{ variable: string; problem: string }> {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('applies the documented defaults to a minimal valid env', () => {
    const config = loadConfig(baseServiceEnv, validEnv);
    expect(config).toEqual({
      ...validEnv,
      PORT: 8085,
      MANAGEMENT_PORT: 9085,
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      DB_POOL_MAX: 10,
      EVENTS_STREAM: 'CARTWATCH',
      EVENTS_SUBJECT_PREFIX: 'cartwatch',
      EVENTS_STREAM_REPLICAS: 1,
      EVENTS_STREAM_MAX_BYTES: -1,
      EVENTS_STREAM_MAX_AGE_MS: 0,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      BODY_LIMIT: '1mb',
      HTTP_REQUEST_TIMEOUT_MS: 120_000,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      TRUST_PROXY: 0,
    });
  });

  it('lists every bad variable in one error, naming each with its problem', () => {
    const problems = configProblems(() =>
      loadConfig(baseServiceEnv, {
        PORT: 'eighty',
        SERVICE_KEY: 'too-short',
        DATABASE_URL: 'mysql://127.0.0.1/db',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'http://127.0.0.1:6379',
      }),
    );
    const byVariable = Object.fromEntries(problems.map((p) => [p.variable, p.problem]));
    expect(Object.keys(byVariable).sort()).toEqual(
      ['DATABASE_URL', 'LOG_LEVEL', 'MANAGEMENT_PORT', 'NATS_URL', 'PORT', 'REDIS_URL', 'SERVICE_KEY'].sort(),
    );
    expect(byVariable.NATS_URL).toBe('is required but not set');
    expect(byVariable.DATABASE_URL).toBe('must be a postgres:// or postgresql:// URL');
    expect(byVariable.SERVICE_KEY).toMatch(/32/);
  });

  it('puts all problems into the message without echoing the values, which may be secrets', () => {
    const secret = 'not-long-enough-secret';
    try {
      loadConfig(baseServiceEnv, { ...validEnv, SERVICE_KEY: secret, PORT: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('SERVICE_KEY');
      expect(message).toContain('PORT');
      expect(message).not.toContain(secret);
    }
  });

  it('treats empty values as unset, so optional variables stay optional', () => {
    const config = loadConfig(baseServiceEnv, { ...validEnv, REDIS_URL: '', BODY_LIMIT: '' });
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.BODY_LIMIT).toBe('1mb');
  });

  it('accepts several comma-separated NATS servers and rejects a non-NATS one', () => {
    expect(
      loadConfig(baseServiceEnv, { ...validEnv, NATS_URL: 'nats://a:4222, tls://b:4222' }).NATS_URL,
    ).toBeDefined();
    expect(
      configProblems(() => loadConfig(baseServiceEnv, { ...validEnv, NATS_URL: 'http://a:4222' })),
    ).toEqual([
      { variable: 'NATS_URL', problem: 'must be one or more comma-separated nats:// (or tls://) URLs' },
    ]);
  });

  it("serviceEnv defaults PORT and MANAGEMENT_PORT to the service's registered ports and can be extended", () => {
    const schema = serviceEnv('price-watch').extend({
      ALERT_BATCH: z.coerce.number().int().default(50).describe('Alerts per batch.'),
    });
    const { PORT: _port, MANAGEMENT_PORT: _managementPort, ...withoutPort } = validEnv;
    const config = loadConfig(schema, withoutPort);
    expect(config.PORT).toBe(8082);
    expect(config.MANAGEMENT_PORT).toBe(9082);
    expect(config.ALERT_BATCH).toBe(50);
  });

  it('loadConfigOrExit prints one message to stderr and exits with status 1', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => loadConfigOrExit(baseServiceEnv, 'orders', {})).toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^orders: invalid configuration \(5 problems\)/);
    for (const name of ['PORT', 'MANAGEMENT_PORT', 'SERVICE_KEY', 'DATABASE_URL', 'NATS_URL'])
      expect(written[0]).toContain(name);
  });
});

describe('describeEnv', () => {
  it('documents every base variable with required flag, default and description', () => {
    const rows = describeEnv(baseServiceEnv);
    expect(rows.map((row) => row.name)).toEqual(Object.keys(baseServiceEnv.shape));
    for (const row of rows) expect(row.description.length).toBeGreaterThan(10);

    const byName = Object.fromEntries(rows.map((row) => [row.name, row]));
    expect(byName.SERVICE_KEY).toMatchObject({ required: true, default: undefined });
    expect(byName.REDIS_URL).toMatchObject({ required: false, default: undefined });
    expect(byName.DB_SCHEMA).toMatchObject({ required: false, default: undefined });
    expect(byName.SHUTDOWN_TIMEOUT_MS).toMatchObject({ required: false, default: '10000' });
    expect(byName.NODE_ENV).toMatchObject({
      required: false,
      default: 'development',
      allowed: ['development', 'test', 'production'],
    });
  });

  it('reads defaults and descriptions of variables a service adds', () => {
    const rows = describeEnv(serviceEnv('coupon'));
    expect(rows.find((row) => row.name === 'PORT')).toMatchObject({ required: false, default: '8084' });
  });

  it('refuses a schema with an undocumented variable', () => {
    const schema = baseServiceEnv.extend({ SECRET_SAUCE: z.string(), OTHER: z.string().optional() });
    expect(() => describeEnv(schema)).toThrow('env variables without a .describe(): SECRET_SAUCE, OTHER');
  });
});

describe('requireInProduction', () => {
  const schema = requireInProduction(
    serviceEnv('orders').extend({
      API_SECRET: z.string().min(8).optional(),
      MAILER_URL: z.url().optional(),
    }),
    [
      ['API_SECRET', 'signed API calls'],
      ['MAILER_URL', 'e-mails'],
    ],
  );

  it('names every missing one in production, with what it is for, beside the other problems', () => {
    const problems = configProblems(() => loadConfig(schema, { NODE_ENV: 'production', PORT: '1' }));
    expect(problems).toEqual(
      expect.arrayContaining([
        { variable: 'SERVICE_KEY', problem: 'is required but not set' },
        { variable: 'API_SECRET', problem: 'is required in production: it provides signed API calls' },
        { variable: 'MAILER_URL', problem: 'is required in production: it provides e-mails' },
      ]),
    );
  });

  it('reports a set but invalid one once, as invalid', () => {
    const problems = configProblems(() =>
      loadConfig(schema, {
        ...validEnv,
        NODE_ENV: 'production',
        API_SECRET: 'short',
        MAILER_URL: 'not a url',
      }),
    );
    expect(problems.map((p) => p.variable).sort()).toEqual(['API_SECRET', 'MAILER_URL']);
    expect(problems.find((p) => p.variable === 'API_SECRET')?.problem).not.toContain('production');
  });

  it('asks nothing outside production', () => {
    expect(loadConfig(schema, { ...validEnv, NODE_ENV: 'development' }).API_SECRET).toBeUndefined();
    expect(() => loadConfig(schema, { ...validEnv, NODE_ENV: 'production' })).toThrow(ConfigError);
  });
});
