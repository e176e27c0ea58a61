/**
 * The local product's pieces: the mail catcher (SMTP in through nodemailer, as the gateway sends; texts
 * in over HTTP; the JSON API and the inbox page out), the demo store's account, and the product
 * environment (every feature on, secrets generated once and reused).
 */
import { stat } from 'node:fs/promises';
import { type ServiceName, serviceNames, serviceProcessEnv } from '@cartwatch/common-types';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_STORE_ACCOUNT,
  type LocalCompanions,
  localProductEnv,
  type MailCatcher,
  startLocalCompanions,
  startMailCatcher,
} from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

describe('mail catcher', () => {
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await startMailCatcher({ smsToken: 'sms-token' });
  });
  afterAll(() => catcher.stop());

  it('keeps e-mails sent over SMTP and texts posted to /sms, and shows them in the API and the inbox', async () => {
    const transport = nodemailer.createTransport({ url: catcher.smtpUrl });
    await transport.sendMail({
      from: 'CartWatch <no-reply@cartwatch.local>',
      to: 'Ann@Example.test',
      subject: 'Your code',
      text: 'Your code is 123456 <b>',
    });
    const sms = await fetch(catcher.smsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sms-token' },
      body: JSON.stringify({ to: '+15551234567', text: 'Code 654321' }),
    });
    expect(sms.status).toBe(202);

    const all = (await (await fetch(`${catcher.url}/api/messages`)).json()) as { items: unknown[] };
    expect(all.items).toEqual([
      expect.objectContaining({
        channel: 'email',
        to: ['Ann@example.test'],
        from: 'no-reply@cartwatch.local',
        subject: 'Your code',
        text: expect.stringContaining('Your code is 123456 <b>'),
      }),
      expect.objectContaining({ channel: 'sms', to: ['+15551234567'], text: 'Code 654321' }),
    ]);
    const forAnn = (await (await fetch(`${catcher.url}/api/messages?to=ann@example.test`)).json()) as {
      items: Array<{ channel: string }>;
    };
    expect(forAnn.items.map((item) => item.channel)).toEqual(['email']);

    const page = await (await fetch(catcher.url)).text();
    expect(page).toContain('Your code is 123456 &#60;b&#62;');
    expect(page).toContain('Code 654321');
    // Newest first.
    expect(page.indexOf('Code 654321')).toBeLessThan(page.indexOf('Your code is'));
  });

  it('refuses a text without the token or without {to, text}', async () => {
    const post = (body: unknown, token?: string) =>
      fetch(catcher.smsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(body),
      });
    expect((await post({ to: '+1555', text: 'x' })).status).toBe(401);
    expect((await post({ to: '+1555' }, 'sms-token')).status).toBe(400);
    expect(catcher.messages().filter((message) => message.to.includes('+1555'))).toEqual([]);
  });
});

describe('local product environment', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let companions: LocalCompanions;
  beforeAll(async () => {
    temp = await makeTempDir('product-env');
    companions = await startLocalCompanions();
  });
  afterAll(async () => {
    await companions.stop();
    await temp.remove();
  });

  const options = () => ({
    dataDir: temp.dir,
    serviceUrls: Object.fromEntries(
      serviceNames.map((name, index) => [name, `http://127.0.0.1:${18_000 + index}`]),
    ) as Record<ServiceName, string>,
    mail: companions.mailCatcher,
    demoStoreUrl: companions.demoStore.url,
    allowedOrigins: ['http://127.0.0.1:19999'],
  });

  it('turns every feature on and points delivery at the catcher, syncs at the demo store', async () => {
    const { env, notes } = await localProductEnv({ ...options(), chromiumPath: '/nonexistent/chromium' });
    expect(env).toMatchObject({
      WATCH_SCHEDULER_ENABLED: 'true',
      DELIVERY_WORKER_ENABLED: 'true',
      EXPORT_WORKER_ENABLED: 'true',
      SMTP_URL: companions.mailCatcher.smtpUrl,
      SMS_PROVIDER_URL: companions.mailCatcher.smsUrl,
      REFERENCE_RETAILER_URL: companions.demoStore.url,
      URL_CHECK_ALLOWED_ORIGINS: `${companions.demoStore.url},http://127.0.0.1:19999`,
      // Without Chromium: no rendering, no syncs, and a line saying so.
      URL_RENDER_ENABLED: 'false',
      SYNC_SCHEDULER_ENABLED: 'false',
      ORDERS_URL: 'http://127.0.0.1:18005',
    });
    expect(env.ORDERS_URL).toBe(options().serviceUrls.orders);
    expect(notes).toEqual([expect.stringContaining('Chromium not found at /nonexistent/chromium')]);
    expect(env.DEV_MAILBOX_FILE).toBeUndefined();
  });

  it('starts the services with the process settings of the image (NODE_OPTIONS, GLIBC_TUNABLES)', async () => {
    const { env } = await localProductEnv(options());
    expect(env).toMatchObject(serviceProcessEnv);
  });

  it('generates the secrets once into the data directory and reuses them', async () => {
    const first = await localProductEnv(options());
    const second = await localProductEnv(options());
    for (const name of [
      'SERVICE_KEY',
      'CREDENTIAL_KEYS',
      'INBOUND_EMAIL_SECRET',
      'DEVICE_KEY_PEPPER',
      'ADMIN_PASSWORD',
      'PAYMENT_TEST_WEBHOOK_SECRET',
    ]) {
      expect(first.env[name], name).toMatch(/.{24,}/);
      expect(second.env[name], name).toBe(first.env[name]);
    }
    expect(first.env.CREDENTIAL_KEYS).toMatch(/^local:[A-Za-z0-9+/]{43}=$/);
    expect(first.env.JWT_KEY_FILE).toBe(`${temp.dir}/jwt-signing-keys.json`);
    expect(first.env.VAPID_KEY_FILE).toBe(`${temp.dir}/vapid-keys.json`);
    expect((await stat(`${temp.dir}/credential-keys`)).mode & 0o777).toBe(0o600);
  });

  it('serves the demo store account', async () => {
    const login = await fetch(`${companions.demoStore.url}/account/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(DEMO_STORE_ACCOUNT).toString(),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    const history = await fetch(`${companions.demoStore.url}/account/orders`, { headers: { cookie } });
    expect(await history.text()).toContain('RR-2004');
  });
});
