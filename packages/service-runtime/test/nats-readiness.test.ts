/**
 * Readiness means "can serve" (docs/deploy.md, "Readiness"): a NATS outage does not take a pod out of its
 * Service, because writes keep going through the outbox; it shows as the `cartwatch_nats_connected`
 * gauge instead. The connection goes through a TCP relay on loopback that the test cuts and restores.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { connectNats } from '@cartwatch/events';
import { TEST_SERVICE_KEY, testEnv } from '@cartwatch/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppContext, createServiceDatabase, createServiceManagementApp } from '../src/app-context.js';
import { defineService } from '../src/service-definition.js';
import { serviceEnvSchema } from '../src/service-env.js';
import { createStandardApp } from '../src/standard-app.js';
import { processContext } from '../src/start-service.js';

const definition = defineService({
  name: 'coupon',
  envSchema: serviceEnvSchema('coupon', {}),
  migrationsFolder: fileURLToPath(new URL('./fixtures/migrations', import.meta.url)),
  createApp: (context) => createStandardApp('coupon', context, () => {}),
});

/** A loopback TCP relay to the test NATS server that can be cut (every connection dropped, none accepted). */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = tcpConnect(Number(this.target.port || 4222), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('relay has no port');
    this.port = address.port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const { databaseUrl, natsUrl } = testEnv();
const relay = new Relay(new URL(natsUrl.split(',')[0] ?? ''));
let nc: NatsConnection;
let managementApp: ReturnType<typeof createServiceManagementApp>;
let closeDatabase: () => Promise<void>;
/** The connection's own view, independent of the service's metrics. */
const seen: string[] = [];

const natsConnected = async () => {
  const metrics = await request(managementApp).get('/metrics');
  const line = metrics.text.split('\n').find((l) => l.startsWith('cartwatch_nats_connected{'));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};
const disconnects = async () => {
  const metrics = await request(managementApp).get('/metrics');
  const line = metrics.text.split('\n').find((l) => l.startsWith('cartwatch_nats_disconnects_total{'));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

beforeAll(async () => {
  await relay.open();
  nc = await connectNats({ servers: `nats://127.0.0.1:${relay.port}`, name: 'readiness-test' });
  void (async () => {
    for await (const status of nc.status()) seen.push(status.type);
  })();
  const config = definition.envSchema.parse({
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: `nats://127.0.0.1:${relay.port}`,
    LOG_LEVEL: 'silent',
  });
  const database = createServiceDatabase(definition, config);
  closeDatabase = () => database.close();
  managementApp = createServiceManagementApp(
    'coupon',
    processContext(createAppContext(definition, { config, database }), nc),
  );
});

afterAll(async () => {
  await nc?.close();
  await relay.cut();
  await closeDatabase?.();
});

describe('a NATS outage', () => {
  it('reports NATS as connected while it is', async () => {
    expect((await request(managementApp).get('/ready')).status).toBe(200);
    expect(await natsConnected()).toBe(1);
    expect(await disconnects()).toBe(0);
  });

  it('keeps /ready at 200 on Postgres alone while NATS is down, and shows the outage on /metrics', async () => {
    await relay.cut();
    await vi.waitFor(() => expect(seen).toContain('disconnect'), { timeout: 10_000, interval: 50 });
    expect(nc.isClosed()).toBe(false); // still reconnecting, as a running service would be
    const ready = await request(managementApp).get('/ready');
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok' } });
    expect(ready.status).toBe(200);
    expect(await natsConnected()).toBe(0);
    expect(await disconnects()).toBe(1);
  });

  it('shows the connection back once NATS answers again', async () => {
    await relay.open();
    await vi.waitFor(async () => expect(await natsConnected()).toBe(1), { timeout: 15_000, interval: 100 });
    expect((await request(managementApp).get('/ready')).status).toBe(200);
  });
});
