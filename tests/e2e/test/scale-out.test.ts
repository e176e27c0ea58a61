/**
 * Issue #24, scale-out: two replicas of every service (two gateways too) on this machine, each behind a
 * round-robin front on the service's address (Platform `replicas: 2`, docs/architecture.md#scale-out).
 * The core journeys run through the gateway front: sign up, import receipts, browse, cart adds and
 * checkouts (the load mix of src/load.ts), a URL watch checked by the scheduler with its alert mailed by
 * the delivery worker, and the demo store's orders brought in by the sync scheduler. Then, from data:
 *
 * - every event was applied exactly once: per consumer, the inbox rows equal the events the replicas
 *   together counted as applied (`cartwatch_events_handled_total` of both replicas' /metrics), and every
 *   published event of a type it handles is in its inbox;
 * - the schedulers never ran a lease twice: the watch's runs never overlap and the page was fetched once
 *   per run; every sent delivery took one attempt and the inbox got one e-mail per delivery; each demo
 *   store order became one purchase;
 * - SSE: a shopper connected to gateway #1 gets the alert of a watch created through gateway #2, and the
 *   other way round;
 * - rate limits hold across replicas: with a limit of N per user, N + k requests alternating between the
 *   two gateways get exactly N answers 200 and k answers 429;
 * - both replicas of every service served requests (their own /metrics).
 */
import http from 'node:http';
import { type ServiceName, serviceNames, services } from '@cartwatch/common-types';
import { DEMO_STORE_SLUG, demoStoreOrders, ensureDemoStoreRetailer } from '@cartwatch/local-stack';
import { testEnv } from '@cartwatch/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream } from '../src/event-stream.js';
import { eventually } from '../src/eventually.js';
import { GatewayClient, type Session } from '../src/gateway-client.js';
import { requestClasses, runLoad, seedLoad } from '../src/load.js';
import { readMailbox } from '../src/mailbox.js';
import { label, samples } from '../src/metrics.js';
import { Platform } from '../src/platform.js';

/** Requests per minute per signed-in user: low enough to exhaust here, above what a journey's user needs. */
const USER_LIMIT = 400;

let platform: Platform;
let db: pg.Client;
/** Through the fronts, as every client and service reaches the platform. */
let gateway: GatewayClient;
/** Each gateway replica directly. */
let gateways: [GatewayClient, GatewayClient];
let admin: Session;

/** The product page URL watches check; every fetch is counted per path. */
const priceCents = 1299;
const pageFetches = new Map<string, number>();
const shop = http.createServer((req, res) => {
  const path = req.url ?? '';
  pageFetches.set(path, (pageFetches.get(path) ?? 0) + 1);
  const offer = { '@type': 'Offer', price: (priceCents / 100).toFixed(2), priceCurrency: 'USD' };
  res
    .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    .end(
      `<!doctype html><html><head><title>Beans ${path}</title><script type="application/ld+json">${JSON.stringify(
        { '@context': 'https://schema.org', '@type': 'Product', name: `Beans ${path}`, offers: offer },
      )}</script></head><body><h1>Beans</h1></body></html>`,
    );
});

beforeAll(async () => {
  platform = await Platform.start({
    replicas: 2,
    env: {
      RATE_LIMIT_USER_PER_MINUTE: String(USER_LIMIT),
      // Watches of one host are checked at most every 0.5 s (5 s by default), so rounds come quickly.
      WATCH_HOST_DELAY_MS: '500',
      LOG_LEVEL: 'warn',
    },
  });
  const { port, hostname } = new URL(platform.fixtureOrigin);
  await new Promise<void>((resolve) => shop.listen(Number(port), hostname, resolve));
  const url = new URL(testEnv().databaseUrl);
  url.pathname = `/${platform.databaseName}`;
  db = new pg.Client({ connectionString: url.toString(), application_name: 'cartwatch-e2e' });
  await db.connect();
  gateway = new GatewayClient(platform.url);
  const [first, second] = platform.replicaUrls.gateway;
  gateways = [new GatewayClient(first as string), new GatewayClient(second as string)];
  admin = await eventually('admin login', () => gateway.loginAdmin(platform.admin));
}, 300_000);

afterAll(async () => {
  await db?.end();
  shop.closeAllConnections();
  await new Promise((resolve) => shop.close(resolve));
  await platform?.stop();
}, 120_000);

async function watchRuns(watchId: string) {
  const { rows } = await db.query<{ started_at: Date; finished_at: Date }>(
    'select started_at, finished_at from pricing.watch_run where watch_id = $1 order by started_at',
    [watchId],
  );
  return rows;
}

describe('two replicas of every service behind round-robin fronts', () => {
  it('runs two processes of each service, each with its own address and management port', () => {
    expect(platform.replicas).toBe(2);
    for (const name of serviceNames) {
      expect(platform.pids(name), name).toHaveLength(2);
      expect(new Set(platform.replicaUrls[name]).size, name).toBe(2);
      expect(new Set(platform.replicaManagementUrls[name]).size, name).toBe(2);
      expect(platform.replicaUrls[name], name).not.toContain(platform.serviceUrls[name]);
    }
  });

  it('passes the load mix through the front: sign-ups, receipts, browsing, cart adds, checkouts', async () => {
    const seed = await seedLoad(gateway, admin, { shopperCount: 4, receiptsPerShopper: 3 });
    const result = await runLoad(gateway, seed, 4_000);
    expect(result.errorSamples).toEqual([]);
    expect(result.errors).toBe(0);
    for (const name of requestClasses) expect(result.perClass[name].requests, name).toBeGreaterThan(0);
    // Every checkout placed exactly one order (idempotency keys across both orders replicas).
    const { rows } = await db.query<{ orders: string }>(
      'select count(*) as orders from orders."order" where user_id = any($1::uuid[])',
      [seed.shoppers.map((shopper) => shopper.userId)],
    );
    expect(Number(rows[0]?.orders)).toBe(result.perClass.checkout.requests);
    // Each shopper's purchases are theirs only (3 receipts each).
    for (const shopper of seed.shoppers) {
      const { body } = await gateway.get<{ items: unknown[] }>('/purchases?limit=100', {
        token: shopper.token,
      });
      expect(body.items).toHaveLength(3);
    }
  });

  it('delivers an alert on SSE to a shopper on either gateway, caused through the other one', async () => {
    for (const [listenOn, actOn] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const listening = gateways[listenOn];
      const acting = gateways[actOn];
      const shopper = await acting.registerUser(`sse-${listenOn + 1}`);
      const stream = await EventStream.open(listening.url, shopper.token);
      try {
        const url = `${platform.fixtureOrigin}/sse-${listenOn}`;
        await acting.post(
          '/watches',
          { url, targetPriceCents: priceCents + 100 },
          { token: shopper.token, expect: 201 },
        );
        const alert = await stream.waitFor(
          `the target-price alert on gateway #${listenOn + 1}`,
          (event) => event.event === 'alert.created' && event.data.data.link === url,
          60_000,
        );
        expect(alert.data.data).toMatchObject({ userId: shopper.userId, kind: 'target-price' });
      } finally {
        stream.close();
      }
    }
  });

  it('checks a URL watch on schedule once per round and mails its alert once', async () => {
    const shopper = await gateway.registerUser('scheduled');
    await gateway.put(
      '/me/notifications',
      { email: true, webhookUrl: null, push: false },
      { token: shopper.token, expect: 200 },
    );
    const path = '/scheduled';
    const { body: watch } = await gateway.post<{ id: string }>(
      '/watches',
      { url: `${platform.fixtureOrigin}${path}`, targetPriceCents: priceCents + 100 },
      { token: shopper.token, expect: 201 },
    );
    // Checked again every 2 s (the e2e WATCH_CHECK_INTERVAL_SECONDS): wait for several rounds.
    const runs = await eventually('three scheduled checks', async () => {
      const found = await watchRuns(watch.id);
      return found.length >= 3 ? found : undefined;
    });
    // No round ran twice: the runs never overlap, and the page was fetched once per finished run
    // (a check in flight may have fetched it already).
    for (let index = 1; index < runs.length; index++) {
      const previous = runs[index - 1] as { finished_at: Date };
      expect((runs[index] as { started_at: Date }).started_at.getTime()).toBeGreaterThanOrEqual(
        previous.finished_at.getTime(),
      );
    }
    const fetched = pageFetches.get(path) ?? 0;
    const after = await watchRuns(watch.id);
    expect(fetched).toBeGreaterThanOrEqual(runs.length);
    expect(fetched).toBeLessThanOrEqual(after.length + 1);

    // One alert (armed once), mailed once: every sent delivery took one attempt (one lease).
    const mails = await eventually('the alert in the inbox', async () => {
      const found = (await readMailbox(platform.mailCatcherUrl, shopper.email)).filter(
        (mail) => !mail.subject?.startsWith('CartWatch code: '),
      );
      return found.length > 0 ? found : undefined;
    });
    const deliveries = await eventually('every delivery of the shopper ended', async () => {
      const { rows } = await db.query<{ channel: string; status: string; attempts: number; kind: string }>(
        'select channel, status, attempts, kind from identity.notification_delivery where user_id = $1',
        [shopper.userId],
      );
      return rows.every((row) => row.status !== 'pending') ? rows : undefined;
    });
    const alertMails = deliveries.filter((row) => row.kind === 'alert' && row.channel === 'email');
    expect(alertMails).toEqual([{ channel: 'email', status: 'sent', attempts: 1, kind: 'alert' }]);
    expect(mails).toHaveLength(1);
    expect(deliveries.every((row) => row.attempts === 1)).toBe(true);
  });

  it('brings each demo store order in once through the sync scheduler', async () => {
    await ensureDemoStoreRetailer(platform.url, platform.admin, platform.demoStore.url);
    const shopper = await gateway.registerUser('demo-store');
    await gateway.post(
      `/me/stores/${DEMO_STORE_SLUG}/connect`,
      { username: platform.demoStore.username, password: platform.demoStore.password },
      { token: shopper.token },
    );
    const purchases = async () =>
      (
        await gateway.get<{ items: Array<{ retailerReceiptId: string | null }> }>('/purchases?limit=100', {
          token: shopper.token,
        })
      ).body.items;
    const synced = await eventually(
      'the demo store orders in purchases',
      async () => {
        const items = await purchases();
        return items.length >= demoStoreOrders.length ? items : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    expect(synced.map((purchase) => purchase.retailerReceiptId).sort()).toEqual(
      demoStoreOrders.map((order) => order.id).sort(),
    );
  });

  it('holds a per-user rate limit across both gateways: N + k requests, exactly N admitted', async () => {
    const shopper = await gateway.registerUser('limited');
    const extra = 40;
    const statuses: number[] = [];
    for (let index = 0; index < USER_LIMIT + extra; index++) {
      const { status } = await (gateways[index % 2] as GatewayClient).get('/me', {
        token: shopper.token,
        expect: [200, 429],
      });
      statuses.push(status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(USER_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(extra);
    // Through the front too, the limit is used up.
    const refused = await gateway.get<{ error: { code: string } }>('/me', {
      token: shopper.token,
      expect: 429,
    });
    expect(refused.body.error.code).toBe('RATE_LIMITED');
  });

  it('applied every event exactly once across the replicas of each consumer', async () => {
    const schemas = Object.fromEntries(serviceNames.map((name) => [name, services[name].schema])) as Record<
      ServiceName,
      string
    >;
    const applied = await eventually(
      'every published event in its consumers’ inboxes, counted once',
      async () => {
        const problems: string[] = [];
        const inboxRows: Record<string, number> = {};
        const { rows: published } = await db.query<{ id: string; type: string }>(
          serviceNames
            .map((name) => `select id, type from ${schemas[name]}.outbox where published_at is not null`)
            .join(' union all '),
        );
        const unpublished = await db.query<{ count: string }>(
          serviceNames
            .map((name) => `select count(*) from ${schemas[name]}.outbox where published_at is null`)
            .join(' union all '),
        );
        if (unpublished.rows.some((row) => Number(row.count) > 0))
          problems.push('outbox rows not published yet');
        const publishedIds = new Set(published.map((row) => row.id));
        for (const name of serviceNames) {
          // What the two replicas counted, per consumer: applied (handled, or dropped for a deleted user) and types.
          const applied = new Map<string, number>();
          const types = new Map<string, Set<string>>();
          for (const managementUrl of platform.replicaManagementUrls[name]) {
            for (const sample of await samples(managementUrl, 'cartwatch_events_handled_total')) {
              const consumer = label(sample.labels, 'consumer') ?? '';
              const outcome = label(sample.labels, 'outcome') ?? '';
              // A failed attempt is retried and counted once applied (a deadlock between two batches on
              // rows no handler declared in lockKeys would be one); a dead-lettered event is lost.
              if (outcome === 'dead_lettered' && sample.value > 0) {
                problems.push(`${name}: ${sample.value} ${outcome} (${sample.labels})`);
              }
              if (outcome !== 'handled' && outcome !== 'user_deleted') continue;
              applied.set(consumer, (applied.get(consumer) ?? 0) + sample.value);
              const seen = types.get(consumer) ?? new Set<string>();
              seen.add(label(sample.labels, 'type') ?? '');
              types.set(consumer, seen);
            }
          }
          const { rows: inbox } = await db.query<{ consumer: string; event_id: string }>(
            `select consumer, event_id from ${schemas[name]}.inbox`,
          );
          const consumers = new Set([...applied.keys(), ...inbox.map((row) => row.consumer)]);
          for (const consumer of consumers) {
            const ids = inbox.filter((row) => row.consumer === consumer).map((row) => row.event_id);
            inboxRows[consumer] = ids.length;
            if ((applied.get(consumer) ?? 0) !== ids.length) {
              problems.push(`${consumer}: ${ids.length} inbox rows, ${applied.get(consumer) ?? 0} applied`);
            }
            const unknown = ids.filter((id) => !publishedIds.has(id));
            if (unknown.length > 0) problems.push(`${consumer}: ${unknown.length} inbox ids never published`);
            const handledTypes = types.get(consumer) ?? new Set<string>();
            const inboxIds = new Set(ids);
            const missing = published.filter((row) => handledTypes.has(row.type) && !inboxIds.has(row.id));
            if (missing.length > 0)
              problems.push(`${consumer}: ${missing.length} published events not applied`);
          }
        }
        if (problems.length > 0) throw new Error(problems.join('; '));
        return { published: published.length, inboxRows };
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    // Not vacuous: the journeys' receipts reached price-watch, its observations shrinkflation and coupon,
    // its alerts the gateway.
    expect(applied.published).toBeGreaterThan(100);
    for (const name of ['price-watch', 'shrinkflation', 'coupon', 'gateway'] as const) {
      expect(applied.inboxRows[name] ?? 0, `${name}'s inbox`).toBeGreaterThan(0);
    }
  });

  it('spread the requests: both replicas of every service served some', async () => {
    // Each service's routes a few more times through the front, so none depends on the journeys' mix.
    const shopper = await gateway.registerUser('spread');
    for (const path of [
      '/purchases',
      '/products?limit=1',
      '/shrinkflation',
      '/coupons/relevant',
      '/orders',
    ]) {
      for (let index = 0; index < 4; index++) await gateway.get(path, { token: shopper.token });
    }
    // Devices are listed for store staff and admins.
    for (let index = 0; index < 4; index++) await gateway.get('/devices', { token: admin.token });
    for (const name of serviceNames) {
      const served = await Promise.all(
        platform.replicaManagementUrls[name].map(async (managementUrl) =>
          (await samples(managementUrl, 'http_request_duration_seconds_count'))
            // The public port's /health would count any prober; the API routes only count clients.
            .filter((sample) => label(sample.labels, 'route') !== '/health')
            .reduce((sum, sample) => sum + sample.value, 0),
        ),
      );
      for (const [replica, count] of served.entries()) {
        expect(count, `${name}#${replica + 1} requests served`).toBeGreaterThan(0);
      }
    }
  });
});
