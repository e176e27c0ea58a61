/**
 * A browser's web push subscription, on loopback: keys made here (P-256 and an auth secret), an HTTP
 * endpoint standing in for the push service that keeps what the gateway posts, and the payload
 * decrypted with `http_ece` as the browser would (aes128gcm, RFC 8291).
 */
import { createECDH, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decrypt } from 'http_ece';

export interface PushEndpoint {
  /** What `POST /me/push-subscriptions` takes. */
  subscription: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  /** The decrypted payloads received so far, oldest first. */
  payloads(): unknown[];
  close(): Promise<void>;
}

export async function startPushEndpoint(): Promise<PushEndpoint> {
  const browser = createECDH('prime256v1');
  browser.generateKeys();
  const auth = randomBytes(16).toString('base64url');
  const bodies: Buffer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    subscription: {
      endpoint: `http://127.0.0.1:${port}/push/${randomBytes(6).toString('hex')}`,
      expirationTime: null,
      keys: { p256dh: browser.getPublicKey().toString('base64url'), auth },
    },
    payloads: () =>
      bodies.map((body) =>
        JSON.parse(
          decrypt(body, { version: 'aes128gcm', privateKey: browser, authSecret: auth }).toString('utf8'),
        ),
      ),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
