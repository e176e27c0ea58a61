/**
 * The gateway's production rules: it refuses to start without a way to deliver one-time codes or the
 * Redis its replicas share ended sessions and rate limits through (naming the missing variables), and a
 * notifier without a provider never writes a code to the log.
 */
import { Writable } from 'node:stream';
import { services, upstreamServices } from '@cartwatch/common-types';
import { ConfigError, createLogger, loadConfig } from '@cartwatch/service-kit';
import { TEST_SERVICE_KEY } from '@cartwatch/testing';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../src/config.js';
import { createNotifier } from '../src/notify/notifier.js';
import { signingKey, vapidKeys } from './harness.js';

const productionEnv = {
  NODE_ENV: 'production',
  SERVICE_KEY: TEST_SERVICE_KEY,
  DATABASE_URL: 'postgres://gateway:secret@127.0.0.1:5432/cartwatch',
  NATS_URL: 'nats://127.0.0.1:4222',
  JWT_SIGNING_KEYS: JSON.stringify([signingKey]),
  REDIS_URL: 'redis://redis:6379',
  VAPID_PUBLIC_KEY: vapidKeys.publicKey,
  VAPID_PRIVATE_KEY: vapidKeys.privateKey,
  VAPID_SUBJECT: 'mailto:ops@example.com',
  ...Object.fromEntries(upstreamServices.map((name) => [services[name].urlEnv, `http://${name}:8000`])),
};

function problemsOf(env: Record<string, string>): Array<{ variable: string; problem: string }> {
  try {
    loadConfig(envSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway configuration', () => {
  it('refuses production without a mail and an SMS provider, naming both variables', () => {
    expect(problemsOf(productionEnv).sort((a, b) => a.variable.localeCompare(b.variable))).toEqual([
      {
        variable: 'SMS_PROVIDER_URL',
        problem:
          'is required in production: it provides texted codes (phone login, the SMS second factor) and alert texts',
      },
      {
        variable: 'SMTP_URL',
        problem:
          'is required in production: it provides e-mailed codes (verification, password reset, login) and alert e-mails',
      },
    ]);
    expect(problemsOf({ ...productionEnv, SMTP_URL: 'smtp://mail.example.com:587' })).toEqual([
      expect.objectContaining({ variable: 'SMS_PROVIDER_URL' }),
    ]);
  });

  it('refuses production without Redis: a logged-out token would still work on the other replicas', () => {
    const { REDIS_URL: _redis, ...withoutRedis } = productionEnv;
    expect(
      problemsOf({
        ...withoutRedis,
        SMTP_URL: 'smtp://mail.example.com:587',
        SMS_PROVIDER_URL: 'https://sms.example.com/send',
      }),
    ).toEqual([
      {
        variable: 'REDIS_URL',
        problem:
          'is required in production: it provides ended sessions and rate limits to every gateway replica',
      },
    ]);
  });

  it('refuses production without signing keys and names every other problem in the same start', () => {
    const { JWT_SIGNING_KEYS: _keys, SERVICE_KEY: _serviceKey, ...rest } = productionEnv;
    expect(
      problemsOf(rest)
        .map((p) => p.variable)
        .sort(),
    ).toEqual(['JWT_SIGNING_KEYS', 'SERVICE_KEY', 'SMS_PROVIDER_URL', 'SMTP_URL']);
  });

  it('starts in production with both providers, and in development without either', () => {
    const config = loadConfig(envSchema, {
      ...productionEnv,
      SMTP_URL: 'smtp://mail.example.com:587',
      SMS_PROVIDER_URL: 'https://sms.example.com/send',
    });
    expect(config.SMTP_URL).toBe('smtp://mail.example.com:587');
    const { NODE_ENV: _production, ...developmentEnv } = productionEnv;
    expect(loadConfig(envSchema, developmentEnv).SMTP_URL).toBeUndefined();
  });

  it('refuses production without the web push (VAPID) keys and subject, naming each', () => {
    const {
      VAPID_PUBLIC_KEY: _public,
      VAPID_PRIVATE_KEY: _private,
      VAPID_SUBJECT: _subject,
      ...withoutVapid
    } = productionEnv;
    const providers = {
      SMTP_URL: 'smtp://mail.example.com:587',
      SMS_PROVIDER_URL: 'https://sms.example.com/send',
    };
    expect(
      problemsOf({ ...withoutVapid, ...providers })
        .map((problem) => problem.variable)
        .sort(),
    ).toEqual(['VAPID_PRIVATE_KEY', 'VAPID_PUBLIC_KEY', 'VAPID_SUBJECT']);
    expect(problemsOf({ ...productionEnv, ...providers, VAPID_PRIVATE_KEY: 'short' })).toEqual([
      {
        variable: 'VAPID_PRIVATE_KEY',
        problem: 'must be a base64url P-256 private key (32 bytes, no padding)',
      },
    ]);
  });

  it('refuses an export lease shorter than the service calls of one export run', () => {
    const providers = {
      SMTP_URL: 'smtp://mail.example.com:587',
      SMS_PROVIDER_URL: 'https://sms.example.com/send',
    };
    expect(
      problemsOf({
        ...productionEnv,
        ...providers,
        EXPORT_LEASE_MS: '60000',
        EXPORT_CALL_TIMEOUT_MS: '10000',
      }),
    ).toEqual([
      {
        variable: 'EXPORT_LEASE_MS',
        problem:
          'must exceed 15 × EXPORT_CALL_TIMEOUT_MS (a run still waiting on a service would be taken over)',
      },
    ]);
    expect(() =>
      loadConfig(envSchema, {
        ...productionEnv,
        ...providers,
        EXPORT_LEASE_MS: '160000',
        EXPORT_CALL_TIMEOUT_MS: '10000',
      }),
    ).not.toThrow();
  });

  it('refuses the test-only loopback targets in production', () => {
    const providers = {
      SMTP_URL: 'smtp://mail.example.com:587',
      SMS_PROVIDER_URL: 'https://sms.example.com/send',
    };
    expect(problemsOf({ ...productionEnv, ...providers, DELIVERY_ALLOW_LOOPBACK_TARGETS: 'true' })).toEqual([
      {
        variable: 'DELIVERY_ALLOW_LOOPBACK_TARGETS',
        problem: 'is for tests only: production never posts webhooks or pushes to loopback addresses',
      },
    ]);
  });

  it('fails a delivery without a provider in production instead of logging the code', async () => {
    let logged = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logged += chunk.toString('utf8');
        callback();
      },
    });
    const notifier = createNotifier(
      {
        NODE_ENV: 'production',
        MAIL_FROM: 'CartWatch <no-reply@example.test>',
        DEV_MAILBOX_FILE: '/nonexistent/mailbox.jsonl',
      },
      createLogger({ service: 'gateway', level: 'trace', destination }),
    );
    const text = 'Your CartWatch code is 424242.';
    await expect(notifier.sendEmail({ to: 'a@example.test', subject: 'code', text })).rejects.toThrow(
      'no SMTP_URL configured',
    );
    await expect(notifier.sendSms({ to: '+15550100', text })).rejects.toThrow(
      'no SMS_PROVIDER_URL configured',
    );
    expect(logged).not.toContain('424242');
  });
});
