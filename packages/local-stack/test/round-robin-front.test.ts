import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/ports.js';
import { type RoundRobinFront, startRoundRobinFront } from '../src/round-robin-front.js';

interface Replica {
  url: string;
  name: string;
  /** Streams closed by the client (SSE-like answers). */
  closedStreams: number;
  server: http.Server;
}

/** A replica answering `{replica, method, path, body}`; `/stream` sends one event and stays open. */
async function startReplica(name: string): Promise<Replica> {
  const replica: Replica = { url: '', name, closedStreams: 0, server: http.createServer() };
  replica.server.on('request', (req, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${name}\n\n`);
      req.socket.once('close', () => {
        replica.closedStreams++;
      });
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-replica', name);
      res.end(JSON.stringify({ replica: name, method: req.method, path: req.url, body }));
    });
  });
  await new Promise<void>((resolve) => replica.server.listen(0, '127.0.0.1', resolve));
  replica.url = `http://127.0.0.1:${(replica.server.address() as AddressInfo).port}`;
  return replica;
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('startRoundRobinFront', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(count: number): Promise<{ front: RoundRobinFront; replicas: Replica[] }> {
    const replicas = await Promise.all(
      Array.from({ length: count }, (_, index) => startReplica(`r${index}`)),
    );
    for (const replica of replicas) {
      cleanups.push(
        () =>
          new Promise((resolve) => {
            replica.server.closeAllConnections();
            replica.server.close(resolve);
          }),
      );
    }
    const front = await startRoundRobinFront({ targets: replicas.map((replica) => replica.url) });
    cleanups.push(() => front.close());
    return { front, replicas };
  }

  it('hands each request to the next replica in turn, on one keep-alive connection too', async () => {
    const { front, replicas } = await setUp(2);
    const seen: string[] = [];
    for (let index = 0; index < 6; index++) {
      const response = await fetch(`${front.url}/things?n=${index}`);
      const body = (await response.json()) as { replica: string; path: string };
      expect(body.path).toBe(`/things?n=${index}`);
      expect(response.headers.get('x-replica')).toBe(body.replica);
      seen.push(body.replica);
    }
    expect(seen).toEqual(['r0', 'r1', 'r0', 'r1', 'r0', 'r1']);
    expect(front.forwarded()).toEqual({ [replicas[0]?.url ?? '']: 3, [replicas[1]?.url ?? '']: 3 });
  });

  it('forwards request bodies and methods', async () => {
    const { front } = await setUp(1);
    const response = await fetch(`${front.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(await response.json()).toMatchObject({
      method: 'POST',
      path: '/echo',
      body: '{"hello":"world"}',
    });
  });

  it('streams an open answer (SSE) and closes the upstream request when the client leaves', async () => {
    const { front, replicas } = await setUp(1);
    const abort = new AbortController();
    const response = await fetch(`${front.url}/stream`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: r0\n\n');
    abort.abort();
    await eventually('the replica saw the stream closed', () => replicas[0]?.closedStreams === 1);
  });

  it('routes only to the replicas it has: removed ones get nothing, none answers 503', async () => {
    const { front, replicas } = await setUp(2);
    front.remove(replicas[0]?.url ?? '');
    for (let index = 0; index < 3; index++) {
      const body = (await (await fetch(front.url)).json()) as { replica: string };
      expect(body.replica).toBe('r1');
    }
    front.remove(replicas[1]?.url ?? '');
    const response = await fetch(front.url);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: { code: 'UPSTREAM_UNAVAILABLE', message: 'no replica is ready' },
    });
    front.add(replicas[0]?.url ?? '');
    expect(((await (await fetch(front.url)).json()) as { replica: string }).replica).toBe('r0');
  });

  it('tries the next replica when one refuses a request without a body', async () => {
    const { front } = await setUp(1);
    const refusing = `http://127.0.0.1:${await findFreePort()}`;
    front.add(refusing);
    for (let index = 0; index < 4; index++) {
      const response = await fetch(front.url);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { replica: string }).replica).toBe('r0');
    }
    expect(front.forwarded()[refusing]).toBeGreaterThanOrEqual(2);
  });
});
