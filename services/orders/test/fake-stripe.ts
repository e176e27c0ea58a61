/**
 * A local fake of the parts of the Stripe API orders calls (PaymentIntents create/retrieve, Refunds
 * create), on a loopback HTTP server the real `stripe` SDK is pointed at. It records every request with
 * its Idempotency-Key and form body, and honours idempotency keys as Stripe does (the same key answers
 * the first response). Signed webhooks for these objects: `signedStripeEvent`.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export interface FakeStripeRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  form: Record<string, string>;
}

export interface FakeIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  client_secret: string;
  metadata: Record<string, string>;
}

export interface FakeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  status: string;
  payment_intent: string;
  metadata: Record<string, string>;
}

export interface FakeStripe {
  address: { host: string; port: number; protocol: 'http' };
  requests: FakeStripeRequest[];
  intents: Map<string, FakeIntent>;
  refunds: Map<string, FakeRefund>;
  /** When set, every call answers this HTTP status with a Stripe API error. */
  failWith: number | undefined;
  close(): Promise<void>;
}

/** `metadata[orderId]=x` and friends, flat as the SDK form-encodes them. */
function metadataOf(form: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(form)
      .filter(([key]) => key.startsWith('metadata['))
      .map(([key, value]) => [key.slice('metadata['.length, -1), value]),
  );
}

const objectId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export async function startFakeStripe(): Promise<FakeStripe> {
  const replies = new Map<string, { status: number; body: unknown }>();
  const fake: FakeStripe = {
    address: { host: '127.0.0.1', port: 0, protocol: 'http' },
    requests: [],
    intents: new Map(),
    refunds: new Map(),
    failWith: undefined,
    close: async () => {},
  };

  function answer(
    method: string,
    path: string,
    form: Record<string, string>,
  ): { status: number; body: unknown } {
    if (fake.failWith !== undefined) {
      return {
        status: fake.failWith,
        body: { error: { type: 'api_error', message: 'fake Stripe is down' } },
      };
    }
    if (method === 'POST' && path === '/v1/payment_intents') {
      const id = objectId('pi');
      const intent: FakeIntent = {
        id,
        object: 'payment_intent',
        amount: Number(form.amount),
        amount_received: 0,
        currency: form.currency ?? '',
        status: 'requires_payment_method',
        client_secret: `${id}_secret_${randomBytes(8).toString('hex')}`,
        metadata: metadataOf(form),
      };
      fake.intents.set(id, intent);
      return { status: 200, body: intent };
    }
    const retrieve = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && retrieve?.[1]) {
      const intent = fake.intents.get(retrieve[1]);
      return intent
        ? { status: 200, body: intent }
        : {
            status: 404,
            body: {
              error: {
                type: 'invalid_request_error',
                code: 'resource_missing',
                message: 'No such payment_intent',
              },
            },
          };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = fake.intents.get(form.payment_intent ?? '');
      if (!intent) {
        return {
          status: 400,
          body: { error: { type: 'invalid_request_error', message: 'No such payment_intent' } },
        };
      }
      const refund: FakeRefund = {
        id: objectId('re'),
        object: 'refund',
        amount: Number(form.amount ?? intent.amount),
        currency: intent.currency,
        status: 'pending',
        payment_intent: intent.id,
        metadata: metadataOf(form),
      };
      fake.refunds.set(refund.id, refund);
      return { status: 200, body: refund };
    }
    return {
      status: 404,
      body: { error: { type: 'invalid_request_error', message: `no route ${method} ${path}` } },
    };
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    req.on('end', () => {
      const [path = '', query = ''] = (req.url ?? '').split('?');
      const form = Object.fromEntries(new URLSearchParams(raw || query));
      const idempotencyKey = req.headers['idempotency-key'];
      const authorization = req.headers.authorization;
      fake.requests.push({
        method: req.method ?? '',
        path,
        idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
        authorization: typeof authorization === 'string' ? authorization : undefined,
        form,
      });
      const replayKey =
        typeof idempotencyKey === 'string' && req.method === 'POST' ? `${path} ${idempotencyKey}` : undefined;
      const reply = (replayKey && replies.get(replayKey)) || answer(req.method ?? '', path, form);
      if (replayKey && reply.status < 500) replies.set(replayKey, reply);
      res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': objectId('req') });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.address.port = (server.address() as AddressInfo).port;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return fake;
}

/** A webhook body and its `Stripe-Signature`, signed with `secret` as Stripe signs them. */
export function signedStripeEvent(
  type: string,
  object: object,
  secret: string,
  options: { id?: string; timestamp?: number } = {},
): { body: string; signature: string; id: string } {
  const id = options.id ?? objectId('evt');
  const body = JSON.stringify({
    id,
    object: 'event',
    type,
    api_version: '2026-11-18.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret,
    ...(options.timestamp !== undefined && { timestamp: options.timestamp }),
  });
  return { body, signature, id };
}
