/**
 * GET /me/events: a user's pushed events reach that user's open streams on every gateway instance (each
 * reads the stream itself) and never anyone else's; Last-Event-ID resumes; heartbeats keep it open.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventCatalog } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { buildEnvelope } from '@cartwatch/events';
import { createTestStream, type TestDatabase, type TestStream, uniqueEmail } from '@cartwatch/testing';
import { jetstream } from '@nats-io/jetstream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** A streaming SSE client over a real socket; bounded waits only. */
class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  private buffer = '';
  private readonly waiters: (() => void)[] = [];
  private readonly request: http.ClientRequest;
  readonly opened: Promise<void>;

  constructor(baseUrl: string, token: string, lastEventId?: string) {
    this.request = http.get(`${baseUrl}/me/events`, {
      headers: { authorization: `Bearer ${token}`, ...(lastEventId && { 'last-event-id': lastEventId }) },
    });
    this.opened = new Promise((resolve, reject) => {
      this.request.on('error', reject);
      this.request.on('response', (response) => {
        this.status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => this.feed(chunk));
        response.on('error', () => {});
        resolve();
      });
    });
  }

  private feed(chunk: string) {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'id' || field === 'event' || field === 'data') event[field] = value;
      }
      if (event.data !== undefined) this.events.push(event);
      end = this.buffer.indexOf('\n\n');
    }
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits (at most `timeoutMs`) until `predicate` holds. */
  async until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('condition not met in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  alertIds(): string[] {
    return this.events
      .filter((e) => e.event === 'alert.created')
      .map((e) => JSON.parse(e.data ?? '{}').data.alertId);
  }

  close() {
    this.request.destroy();
  }
}

let database: TestDatabase<DB>;
let stream: TestStream;
const gateways: { gateway: TestGateway; server: http.Server; url: string }[] = [];
const clients: SseClient[] = [];

async function startGateway(env: Record<string, string> = {}) {
  const gateway = await createTestGateway(
    database,
    { EVENTS_STREAM: stream.streamName, EVENTS_SUBJECT_PREFIX: stream.subjectPrefix, ...env },
    { nc: stream.nc },
  );
  const server = http.createServer(gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const entry = { gateway, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  gateways.push(entry);
  return entry;
}

async function signUp(app: http.RequestListener) {
  const response = await request(app)
    .post('/auth/register')
    .send({ email: uniqueEmail(), password: 'correct horse battery staple', displayName: 'Rt' })
    .expect(201);
  return { id: response.body.user.id as string, token: response.body.tokens.accessToken as string };
}

async function open(url: string, token: string, lastEventId?: string) {
  const client = new SseClient(url, token, lastEventId);
  clients.push(client);
  await client.opened;
  return client;
}

async function publishAlert(userId: string): Promise<{ alertId: string; seq: number }> {
  const alertId = newId();
  const envelope = buildEnvelope(eventCatalog.alertCreated, {
    source: 'price-watch',
    userId,
    subjectId: alertId,
    data: { alertId, userId, kind: 'price-drop', title: 'Milk is cheaper', body: 'Milk dropped to 0.99' },
  });
  const ack = await jetstream(stream.nc).publish(
    `${stream.subjectPrefix}.${envelope.type}`,
    JSON.stringify(envelope),
  );
  return { alertId, seq: ack.seq };
}

beforeAll(async () => {
  database = await createGatewayDatabase();
  stream = await createTestStream();
});

afterAll(async () => {
  for (const client of clients) client.close();
  for (const { gateway, server } of gateways) {
    await gateway.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await stream.cleanup();
  await database.drop();
});

describe('realtime push', () => {
  it("delivers A's alert to A's streams on two gateway instances and never to B", async () => {
    const one = await startGateway();
    const two = await startGateway();
    const alice = await signUp(one.gateway.app);
    const bob = await signUp(one.gateway.app);
    const aliceOnOne = await open(one.url, alice.token);
    const aliceOnTwo = await open(two.url, alice.token);
    const bobOnOne = await open(one.url, bob.token);
    const bobOnTwo = await open(two.url, bob.token);
    expect([aliceOnOne.status, aliceOnTwo.status, bobOnOne.status, bobOnTwo.status]).toEqual([
      200, 200, 200, 200,
    ]);
    await Promise.all([one.gateway.hub.start(), two.gateway.hub.start()]);

    const forAlice = await publishAlert(alice.id);
    await aliceOnOne.until(() => aliceOnOne.alertIds().includes(forAlice.alertId));
    await aliceOnTwo.until(() => aliceOnTwo.alertIds().includes(forAlice.alertId));
    expect(aliceOnOne.events[0]?.id).toBe(String(forAlice.seq));

    const forBob = await publishAlert(bob.id);
    await bobOnOne.until(() => bobOnOne.alertIds().includes(forBob.alertId));
    await bobOnTwo.until(() => bobOnTwo.alertIds().includes(forBob.alertId));
    expect(bobOnOne.alertIds()).toEqual([forBob.alertId]);
    expect(bobOnTwo.alertIds()).toEqual([forBob.alertId]);
    expect(aliceOnOne.alertIds()).toEqual([forAlice.alertId]);
    expect(aliceOnTwo.alertIds()).toEqual([forAlice.alertId]);
  });

  it('resumes from Last-Event-ID with the events missed while disconnected, in order', async () => {
    const { url, gateway } = await startGateway();
    const alice = await signUp(gateway.app);
    const bob = await signUp(gateway.app);
    const first = await open(url, alice.token);
    await gateway.hub.start();
    const seen = await publishAlert(alice.id);
    await first.until(() => first.alertIds().includes(seen.alertId));
    first.close();

    const missed1 = await publishAlert(alice.id);
    await publishAlert(bob.id);
    const missed2 = await publishAlert(alice.id);

    const resumed = await open(url, alice.token, String(seen.seq));
    await resumed.until(() => resumed.alertIds().length >= 2);
    expect(resumed.alertIds()).toEqual([missed1.alertId, missed2.alertId]);
    expect(resumed.events.map((e) => e.id)).toEqual([String(missed1.seq), String(missed2.seq)]);

    const live = await publishAlert(alice.id);
    await resumed.until(() => resumed.alertIds().includes(live.alertId));
    expect(resumed.alertIds()).toEqual([missed1.alertId, missed2.alertId, live.alertId]);
  });

  it('sends heartbeats on an idle stream', async () => {
    const { url, gateway } = await startGateway({ SSE_HEARTBEAT_SECONDS: '1' });
    const alice = await signUp(gateway.app);
    const client = await open(url, alice.token);
    await client.until(() => client.comments.includes('heartbeat'));
    expect(client.events).toEqual([]);
  });

  it('refuses a stream without a valid token', async () => {
    const { url } = await startGateway();
    const client = await open(url, 'not.a.token');
    expect(client.status).toBe(401);
  });
});
