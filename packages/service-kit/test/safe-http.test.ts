/**
 * The SSRF-safe client (safe-http.ts), the one place its refusals are tested. Nothing here dials anything
 * but loopback: the resolver answers from a table, and the connector records every target it is given
 * and refuses any address that is not loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../src/index.js';
import {
  type Connector,
  type ConnectTarget,
  directConnector,
  type Resolver,
  type SafeHttpPolicy,
  safeRequest,
} from '../src/safe-http.js';

function tableResolver(names: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const addresses = names[hostname];
    if (!addresses) throw new Error(`unknown test host ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const dialed: ConnectTarget[] = [];
/** Records every target, connects to loopback only (plain TCP: the fixture server speaks http). */
const recordingConnector: Connector = async (target) => {
  dialed.push(target);
  if (!isLoopbackAddress(target.address)) throw new Error(`test connector refuses ${target.address}`);
  return directConnector({ ...target, tls: false });
};

let server: Server;
let origin: string;
let port: number;
const received: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

function policy(overrides: Partial<SafeHttpPolicy> = {}): SafeHttpPolicy {
  return {
    resolve: tableResolver({
      'shop.test': ['127.0.0.1'],
      'internal.example': ['10.0.0.5'],
      'mixed.example': ['93.184.216.34', '192.168.1.20'],
      'empty.example': [],
    }),
    connect: recordingConnector,
    allowLoopback: false,
    maxBytes: 1_000,
    timeoutMs: 2_000,
    maxRedirects: 3,
    ...overrides,
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({
        method: req.method ?? '',
        url: path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (path === '/to-private') res.writeHead(302, { location: 'http://10.0.0.1/admin' }).end();
      else if (path === '/to-internal-name')
        res.writeHead(301, { location: 'http://internal.example/' }).end();
      else if (path === '/to-page') res.writeHead(307, { location: '/page' }).end();
      else if (path === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else if (path === '/big') res.writeHead(200).end('x'.repeat(5_000));
      else if (path === '/big-chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 5; i++) res.write('y'.repeat(400));
        res.end();
      } else if (path === '/slow') setTimeout(() => res.writeHead(200).end('late'), 1_000);
      else if (path === '/page') res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hello</p>');
      else res.writeHead(404).end('not here');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  dialed.length = 0;
  received.length = 0;
});

describe('refusals, before anything is dialed', () => {
  it.each([
    ['file:///etc/passwd'],
    ['gopher://127.0.0.1/'],
    ['ftp://shop.test/'],
    ['not a url'],
    ['http://user:secret@shop.test/'],
  ])('refuses %s as UNSUPPORTED_URL', async (url) => {
    expect(await safeRequest({ url }, policy({ allowLoopback: true }))).toMatchObject({
      ok: false,
      code: 'UNSUPPORTED_URL',
    });
    expect(dialed).toEqual([]);
  });

  it.each([
    ['0.0.0.0 (this network)', '0.0.0.1'],
    ['10.0.0.0/8', '10.1.2.3'],
    ['100.64.0.0/10 (shared)', '100.64.0.1'],
    ['127.0.0.0/8 (loopback)', '127.0.0.1'],
    ['169.254.0.0/16 (metadata service)', '169.254.169.254'],
    ['172.16.0.0/12', '172.16.5.4'],
    ['192.0.0.0/24', '192.0.0.8'],
    ['192.0.2.0/24 (documentation)', '192.0.2.1'],
    ['192.168.0.0/16', '192.168.1.1'],
    ['198.18.0.0/15 (benchmarking)', '198.18.0.1'],
    ['224.0.0.0/4 (multicast)', '224.0.0.1'],
    ['240.0.0.0/4 (reserved)', '255.255.255.255'],
    ['::1 (loopback)', '::1'],
    [':: (unspecified)', '::'],
    ['::ffff:0:0/96 (IPv4-mapped)', '::ffff:169.254.169.254'],
    ['64:ff9b::/96 (NAT64)', '64:ff9b::a00:1'],
    ['2002::/16 (6to4)', '2002:a00:1::1'],
    ['fc00::/7 (unique local)', 'fd00::1'],
    ['fe80::/10 (link-local)', 'fe80::1'],
    ['ff00::/8 (multicast)', 'ff02::1'],
  ])('refuses a name resolving into %s (%s) as BLOCKED_ADDRESS', async (_range, address) => {
    const result = await safeRequest(
      { url: 'http://victim.example/' },
      policy({ resolve: tableResolver({ 'victim.example': [address] }) }),
    );
    expect(result).toMatchObject({ ok: false, code: 'BLOCKED_ADDRESS', host: 'victim.example' });
    expect(result.ok ? '' : result.message).toContain(address);
    expect(dialed).toEqual([]);
  });

  it.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://10.0.0.1/', '10.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://[::1]/', '::1'],
    ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
  ])('refuses the literal address in %s', async (url, address) => {
    const result = await safeRequest({ url }, policy());
    expect(result).toMatchObject({ ok: false, code: 'BLOCKED_ADDRESS' });
    expect(result.ok ? '' : result.message).toContain(address);
    expect(dialed).toEqual([]);
  });

  it('refuses a name resolving to a public and a private address (a later connection could pick either)', async () => {
    const result = await safeRequest({ url: 'http://mixed.example/' }, policy());
    expect(result).toMatchObject({ ok: false, code: 'BLOCKED_ADDRESS' });
    expect(result.ok ? '' : result.message).toContain('192.168.1.20');
    expect(dialed).toEqual([]);
  });

  it('reports DNS failures: an error of the resolver (with its cause) and an empty answer', async () => {
    const failed = await safeRequest({ url: 'http://unknown.example/' }, policy());
    expect(failed).toMatchObject({ ok: false, code: 'DNS_FAILED', host: 'unknown.example' });
    expect(failed.ok ? undefined : failed.cause).toBeInstanceOf(Error);
    const empty = await safeRequest({ url: 'http://empty.example/' }, policy());
    expect(empty).toMatchObject({ ok: false, code: 'DNS_FAILED', message: 'empty.example has no addresses' });
    expect(empty.ok ? 'answered' : empty.cause).toBeUndefined();
    expect(dialed).toEqual([]);
  });

  it("applies the caller's own URL rule to every hop (REFUSED_URL, its reason as the message)", async () => {
    const vetUrl = (url: URL) => (url.pathname === '/page' ? 'not that page' : undefined);
    expect(await safeRequest({ url: `${origin}/page` }, policy({ allowLoopback: true, vetUrl }))).toEqual({
      ok: false,
      code: 'REFUSED_URL',
      message: 'not that page',
      host: '127.0.0.1',
    });
    expect(dialed).toEqual([]);
    const viaRedirect = await safeRequest(
      { url: `${origin}/to-page` },
      policy({ allowLoopback: true, vetUrl }),
    );
    expect(viaRedirect).toMatchObject({ ok: false, code: 'REFUSED_URL' });
    expect(dialed).toHaveLength(1);
  });
});

describe('the connection', () => {
  it('goes to the checked address, the host name kept for the request and TLS (no second lookup to rebind)', async () => {
    let lookups = 0;
    const rebinding: Resolver = async () => {
      lookups += 1;
      // The first answer is the fixture's (loopback, allowed here), any later one private: never asked again.
      return [{ address: lookups === 1 ? '127.0.0.1' : '10.0.0.9', family: 4 }];
    };
    const result = await safeRequest(
      { url: `http://shop.test:${port}/page` },
      policy({ resolve: rebinding, allowLoopback: true }),
    );
    expect(result).toMatchObject({ ok: true, status: 200, body: Buffer.from('<p>hello</p>') });
    expect(lookups).toBe(1);
    expect(dialed).toEqual([{ address: '127.0.0.1', family: 4, port, tls: false, servername: 'shop.test' }]);
    expect(received[0]?.headers.host).toBe(`shop.test:${port}`);
    const targets: ConnectTarget[] = [];
    const https = await safeRequest(
      { url: 'https://shop.test/page' },
      policy({
        allowLoopback: true,
        connect: async (target) => {
          targets.push(target);
          throw new Error('not dialed');
        },
      }),
    );
    expect(https).toMatchObject({ ok: false, code: 'FETCH_FAILED' });
    expect(targets).toEqual([
      { address: '127.0.0.1', family: 4, port: 443, tls: true, servername: 'shop.test' },
    ]);
  });

  it('sends the method, headers and body as given', async () => {
    const result = await safeRequest(
      {
        url: `${origin}/page`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
        body: '{"a":1}',
      },
      policy({ allowLoopback: true }),
    );
    expect(result).toMatchObject({ ok: true, status: 200, contentType: 'text/html', url: `${origin}/page` });
    expect(received).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/page',
        body: '{"a":1}',
        headers: expect.objectContaining({ 'content-type': 'application/json', 'idempotency-key': 'k1' }),
      }),
    ]);
  });

  it('lets loopback through only for a listed origin, not another port of it', async () => {
    const listed = policy({ allowedLoopbackOrigins: new Set([origin]) });
    expect(await safeRequest({ url: `${origin}/page` }, listed)).toMatchObject({ ok: true });
    const otherPort = `http://127.0.0.1:${port + 1}/page`;
    expect(await safeRequest({ url: otherPort }, listed)).toMatchObject({
      ok: false,
      code: 'BLOCKED_ADDRESS',
    });
    expect(dialed).toHaveLength(1);
  });

  it('answers other statuses without reading their body, and with readBody false reads none', async () => {
    expect(await safeRequest({ url: `${origin}/missing` }, policy({ allowLoopback: true }))).toMatchObject({
      ok: true,
      status: 404,
      body: Buffer.alloc(0),
    });
    expect(
      await safeRequest({ url: `${origin}/big` }, policy({ allowLoopback: true, readBody: false })),
    ).toMatchObject({ ok: true, status: 200, body: Buffer.alloc(0) });
  });
});

describe('redirects', () => {
  it('follows one to an allowed address, re-checking it', async () => {
    expect(await safeRequest({ url: `${origin}/to-page` }, policy({ allowLoopback: true }))).toMatchObject({
      ok: true,
      url: `${origin}/page`,
      status: 200,
    });
  });

  it('refuses one to a private address or a name resolving to one, before connecting to it', async () => {
    const toPrivate = await safeRequest({ url: `${origin}/to-private` }, policy({ allowLoopback: true }));
    expect(toPrivate).toMatchObject({ ok: false, code: 'BLOCKED_ADDRESS', host: '10.0.0.1' });
    const toName = await safeRequest({ url: `${origin}/to-internal-name` }, policy({ allowLoopback: true }));
    expect(toName).toMatchObject({ ok: false, code: 'BLOCKED_ADDRESS', host: 'internal.example' });
    expect(dialed.map((target) => target.address)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('stops after maxRedirects', async () => {
    const result = await safeRequest(
      { url: `${origin}/loop` },
      policy({ allowLoopback: true, maxRedirects: 3 }),
    );
    expect(result).toMatchObject({ ok: false, code: 'TOO_MANY_REDIRECTS', message: 'more than 3 redirects' });
    expect(dialed).toHaveLength(4);
  });

  it('follows none when told not to: the 3xx is the answer', async () => {
    const result = await safeRequest(
      { url: `${origin}/to-private` },
      policy({ allowLoopback: true, followRedirects: false }),
    );
    expect(result).toMatchObject({ ok: true, status: 302 });
    expect(dialed).toHaveLength(1);
  });
});

describe('caps', () => {
  it('refuses a body larger than maxBytes, declared or streamed', async () => {
    const loopback = policy({ allowLoopback: true });
    expect(await safeRequest({ url: `${origin}/big` }, loopback)).toMatchObject({
      ok: false,
      code: 'TOO_LARGE',
    });
    expect(await safeRequest({ url: `${origin}/big-chunked` }, loopback)).toMatchObject({
      ok: false,
      code: 'TOO_LARGE',
    });
  });

  it('gives up after timeoutMs', async () => {
    const started = Date.now();
    const result = await safeRequest(
      { url: `${origin}/slow` },
      policy({ allowLoopback: true, timeoutMs: 200 }),
    );
    expect(result).toMatchObject({ ok: false, code: 'TIMEOUT', message: 'no complete answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('reports a failed connection as FETCH_FAILED with its cause', async () => {
    const refused: Connector = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    const result = await safeRequest(
      { url: `${origin}/page` },
      policy({ allowLoopback: true, connect: refused }),
    );
    expect(result).toMatchObject({ ok: false, code: 'FETCH_FAILED', cause: { code: 'ECONNREFUSED' } });
  });
});
