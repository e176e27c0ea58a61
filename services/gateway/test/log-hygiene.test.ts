/**
 * What reaches the gateway's log: one-time codes never do (without a mail or SMS provider, development
 * writes them to a mailbox file instead), and token-like query parameters are redacted in every logged URL,
 * on the proxied fast path and on the express stack alike. The log is captured at debug, the most it says.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { services, upstreamServices } from '@cartwatch/common-types';
import { createLogger } from '@cartwatch/service-kit';
import type { TestDatabase } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { createNotifier, type EmailMessage, type Notifier } from '../src/notify/notifier.js';
import {
  createGatewayDatabase,
  createTestGateway,
  mintAccessToken,
  type RecordingUpstream,
  startRecordingUpstream,
  type TestGateway,
} from './harness.js';

/** Everything the gateway logged, as text. */
class CapturedLog extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
    this.text += chunk.toString('utf8');
    callback();
  }
}

/** The real notifier, with each message also kept here and each delivery awaitable. */
class ObservedNotifier implements Notifier {
  readonly messages: Array<{ to: string; text: string }> = [];
  readonly deliveries: Promise<void>[] = [];
  constructor(private readonly real: Notifier) {}
  sendEmail(message: EmailMessage) {
    this.messages.push({ to: message.to, text: message.text });
    const delivery = this.real.sendEmail(message);
    this.deliveries.push(delivery.catch(() => {}));
    return delivery;
  }
  sendSms(message: { to: string; text: string }) {
    this.messages.push(message);
    const delivery = this.real.sendSms(message);
    this.deliveries.push(delivery.catch(() => {}));
    return delivery;
  }
}

let database: TestDatabase<DB>;
let upstream: RecordingUpstream;
let gateway: TestGateway;
let observed: ObservedNotifier | undefined;
let mailboxDir: string;
const log = new CapturedLog();

beforeAll(async () => {
  database = await createGatewayDatabase();
  upstream = await startRecordingUpstream();
  mailboxDir = await mkdtemp(path.join(os.tmpdir(), 'cw-mailbox-'));
  const urls = Object.fromEntries(upstreamServices.map((name) => [services[name].urlEnv, upstream.url]));
  gateway = await createTestGateway(
    database,
    { ...urls, LOG_LEVEL: 'debug', DEV_MAILBOX_FILE: path.join(mailboxDir, 'mailbox.jsonl') },
    {
      logger: createLogger({ service: 'gateway', level: 'debug', destination: log }),
      notifier: (config, logger) => {
        observed = new ObservedNotifier(createNotifier(config, logger));
        return observed;
      },
    },
  );
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await database.drop();
  await rm(mailboxDir, { recursive: true, force: true });
});

describe('gateway logs', () => {
  it('never writes a one-time code to the log when no mail provider is configured', async () => {
    const email = `codes-${Date.now()}@example.test`;
    await request(gateway.app)
      .post('/auth/register')
      .send({ email, password: 'a long enough password', displayName: 'Codes' })
      .expect(201);
    await request(gateway.app).post('/auth/password-reset/start').send({ email }).expect(202);
    // Codes are queued after the answer (deferred work), then sent by the delivery worker.
    await gateway.auth.idle();
    await gateway.deliver();
    await Promise.all(observed?.deliveries ?? []);
    const codes = (observed?.messages ?? [])
      .filter((message) => message.to === email)
      .map((message) => /\b(\d{6})\b/.exec(message.text)?.[1]);
    expect(codes).toHaveLength(2);
    for (const code of codes) {
      expect(code).toMatch(/^\d{6}$/);
      expect(log.text).not.toContain(code);
    }
    // Development keeps a way to read them: the mailbox file.
    const mailbox = await readFile(path.join(mailboxDir, 'mailbox.jsonl'), 'utf8');
    for (const code of codes) expect(mailbox).toContain(String(code));
  });

  it('redacts token-like query parameters in every logged URL', async () => {
    const token = await mintAccessToken({ id: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e21' });
    const secrets = {
      token: 'tok-SECRET-1',
      code: '913245',
      key: 'key-SECRET-3',
      secret: 'sec-SECRET-4',
      password: 'pw-SECRET-5',
      signature: 'sig-SECRET-6',
      access_token: 'at-SECRET-7',
      refresh_token: 'rt-SECRET-8',
      api_key: 'ak-SECRET-9',
    };
    const query = new URLSearchParams({ limit: '5', ...secrets }).toString();
    // Proxied (the fast path's own log line, at debug for a success) ...
    await request(gateway.app).get(`/orders?${query}`).set('Authorization', `Bearer ${token}`).expect(200);
    // ... refused on a proxied route, a gateway route and an unknown path (pino-http's lines).
    await request(gateway.app).get(`/orders?${query}`).expect(401);
    await request(gateway.app).get(`/auth/me?${query}`).expect(401);
    await request(gateway.app).get(`/nowhere?${query}`).expect(404);

    const lines = log.text
      .split('\n')
      .filter((line) => line.includes('"url"'))
      .map((line) => JSON.parse(line) as { req?: { url?: string } });
    const urls = lines.map((line) => line.req?.url ?? '');
    expect(urls.filter((url) => url.includes('limit=5'))).toHaveLength(4);
    for (const value of Object.values(secrets)) expect(log.text).not.toContain(value);
    for (const url of urls.filter((each) => each.includes('limit=5'))) {
      expect(url).toContain('limit=5');
      expect(url).toContain('token=%5Bredacted%5D');
    }
  });
});
