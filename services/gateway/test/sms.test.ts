/** One-time codes by SMS go through the configured HTTP provider (a local fake endpoint here). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';

let database: TestDatabase<DB>;
let gateway: TestGateway;
let provider: http.Server;
const texts: { authorization: string | undefined; body: { to: string; text: string } }[] = [];

beforeAll(async () => {
  database = await createGatewayDatabase();
  provider = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      texts.push({ authorization: req.headers.authorization, body: JSON.parse(body) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  gateway = await createTestGateway(
    database,
    {
      SMS_PROVIDER_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/send`,
      SMS_PROVIDER_TOKEN: 'sms-token',
    },
    { realNotifier: true },
  );
});

afterAll(async () => {
  await gateway.close();
  provider.closeAllConnections();
  await new Promise((resolve) => provider.close(resolve));
  await database.drop();
});

async function waitForText(to: string) {
  await gateway.auth.idle();
  await gateway.deliver();
  for (let attempt = 0; attempt < 50; attempt++) {
    const text = texts.find((entry) => entry.body.to === to);
    if (text) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no text to ${to}`);
}

function codeIn(text: string): string {
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (!code) throw new Error(`no code in ${text}`);
  return code;
}

describe('SMS one-time codes', () => {
  it('verifies a phone by SMS, then texts a login code through the provider and logs in with it', async () => {
    const phone = `+4915${String(Date.now()).slice(-9)}`;
    const email = uniqueEmail();
    const registered = await request(gateway.app)
      .post('/auth/register')
      .send({ email, password: 'correct horse battery staple', displayName: 'S' })
      .expect(201);
    const bearer = { Authorization: `Bearer ${registered.body.tokens.accessToken}` };
    // The e-mail is marked verified directly: this test is about what goes through the SMS provider.
    await database.db
      .updateTable('app_user')
      .set({ email_verified_at: new Date() })
      .where('id', '=', registered.body.user.id)
      .execute();
    await request(gateway.app).post('/auth/phone').set(bearer).send({ phone }).expect(202);
    const verification = await waitForText(phone);
    expect(verification.authorization).toBe('Bearer sms-token');
    const verified = await request(gateway.app)
      .post('/auth/phone/verify')
      .set(bearer)
      .send({ code: codeIn(verification.body.text) })
      .expect(200);
    expect(verified.body.phone).toBe(phone);

    texts.length = 0;
    await request(gateway.app)
      .post('/auth/otp/start')
      .send({ channel: 'sms', destination: phone })
      .expect(202);
    const text = await waitForText(phone);
    const session = await request(gateway.app)
      .post('/auth/otp/verify')
      .send({ channel: 'sms', destination: phone, code: codeIn(text.body.text) })
      .expect(200);
    expect(session.body.user.id).toBe(registered.body.user.id);
  });
});
