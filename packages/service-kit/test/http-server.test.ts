/**
 * The server every service listens with: `Expect: 100-continue` through the app's own checks (no body
 * asked for when the key guard refuses), 431 and 408 in the error shape, and token-like query parameters
 * redacted in the logged URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, redactQuery, redactUrlQuery } from '../src/index.js';
import { buildApp, recordingLogger, TEST_KEY } from './helpers.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(
  limits: { requestTimeoutMs: number; headersTimeoutMs: number } = {
    requestTimeoutMs: 60_000,
    headersTimeoutMs: 10_000,
  },
) {
  const { logger, lines } = recordingLogger();
  const app = buildApp(
    (router) => {
      router.post('/echo', (req, res) => {
        res.status(201).json({ got: req.body });
      });
    },
    { logger },
  );
  const server = createHttpServer(app, { logger, ...limits });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, lines };
}

function postWithContinue(port: number, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
    let continued = false;
    const req = http.request({
      port,
      host: '127.0.0.1',
      path: '/echo',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        expect: '100-continue',
        ...headers,
      },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text, continued });
        if (!continued) req.destroy();
      });
    });
    req.on('error', (error) => {
      if (continued) reject(error);
    });
    req.flushHeaders();
  });
}

function raw(port: number, head: string, trickle = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', () => {});
    const timer = trickle ? setInterval(() => socket.writable && socket.write('x'), 100) : undefined;
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    });
    socket.write(head);
  });
}

describe('createHttpServer', () => {
  it('asks for the body of a 100-continue request only once the app reads it', async () => {
    const { port } = await serve();
    const accepted = await postWithContinue(port, { 'x-service-key': TEST_KEY }, '{"a":1}');
    expect(accepted).toMatchObject({ status: 201, continued: true });
    expect(JSON.parse(accepted.body)).toEqual({ got: { a: 1 } });
    const refused = await postWithContinue(port, {}, '{"a":1}');
    expect(refused).toMatchObject({ status: 401, continued: false });
    expect(JSON.parse(refused.body).error.code).toBe('UNAUTHENTICATED');
  });

  it('answers oversized headers with 431 in the error shape', async () => {
    const { port } = await serve();
    const answer = await raw(port, `GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('X-Content-Type-Options: nosniff');
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body.error).toMatchObject({ code: 'HEADERS_TOO_LARGE', requestId: expect.any(String) });
  });

  it('cuts a body that trickles in slower than the request timeout with 408', async () => {
    const { port } = await serve({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    const head = `POST /echo HTTP/1.1\r\nHost: x\r\nX-Service-Key: ${TEST_KEY}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n`;
    const answer = await raw(port, head, true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('REQUEST_TIMEOUT');
  });

  it('logs request URLs with token-like query parameters redacted', async () => {
    const { port, lines } = await serve();
    await fetch(`http://127.0.0.1:${port}/echo?page=2&token=abc123&api_key=k-1&signature=s-1`, {
      headers: { 'x-service-key': TEST_KEY },
    });
    const line = lines.find((entry) => (entry.req as { url?: string } | undefined)?.url?.startsWith('/echo'));
    const url = (line?.req as { url?: string } | undefined)?.url;
    expect(url).toBe('/echo?page=2&token=%5Bredacted%5D&api_key=%5Bredacted%5D&signature=%5Bredacted%5D');
    expect(JSON.stringify(lines)).not.toContain('abc123');
  });
});

describe('redactUrlQuery', () => {
  it('keeps paths and harmless parameters and redacts credential-like ones', () => {
    expect(redactUrlQuery('/orders')).toBe('/orders');
    expect(redactUrlQuery('/orders?limit=5&cursor=abc')).toBe('/orders?limit=5&cursor=abc');
    expect(redactUrlQuery('/x?Access_Token=a&refresh_token=b&code=123456&password=p&sig=s&otp=1')).toBe(
      '/x?Access_Token=%5Bredacted%5D&refresh_token=%5Bredacted%5D&code=%5Bredacted%5D&password=%5Bredacted%5D&sig=%5Bredacted%5D&otp=%5Bredacted%5D',
    );
    expect(redactQuery({ limit: '5', secret: 'x' })).toEqual({ limit: '5', secret: '[redacted]' });
  });
});
