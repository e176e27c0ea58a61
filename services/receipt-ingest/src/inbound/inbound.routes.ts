/** GET /me/inbound-address, POST /me/inbound-address/rotate and the signed webhook POST /receipts/inbound-email. */
import { ReceiptIngestApi as Api } from '@cartwatch/common-types';
import { currentUser, errorResponses, type OpenAPIRegistry, requireUser } from '@cartwatch/service-kit';
import express, { type Express } from 'express';
import type { AppDeps } from '../app-deps.js';
import { getInboundAddress, receiveInboundEmail, rotateInboundAddress } from './inbound.service.js';

export function registerInboundAddressRoutes(app: Express, { database, config }: AppDeps): void {
  app.get('/me/inbound-address', requireUser, async (req, res) => {
    res.json({ address: await getInboundAddress(database, config, currentUser(req).id) });
  });
  app.post('/me/inbound-address/rotate', requireUser, async (req, res) => {
    res.json({ address: await rotateInboundAddress(database, config, currentUser(req).id) });
  });
}

/** Mounted before the JSON body parser: the signature covers the raw bytes. */
export function registerInboundWebhook(app: Express, { database, config }: AppDeps): void {
  app.post(
    '/receipts/inbound-email',
    express.raw({ type: () => true, limit: config.BODY_LIMIT }),
    async (req, res) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await receiveInboundEmail(database, config, rawBody, {
        timestamp: req.get('x-inbound-timestamp'),
        signature: req.get('x-inbound-signature'),
      });
      res.status(result.created ? 201 : 200).json(result);
    },
  );
}

export function documentInboundRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/me/inbound-address',
    summary: 'The private address receipts can be forwarded to',
    responses: {
      200: { description: 'The address', content: { 'application/json': { schema: Api.InboundAddress } } },
      ...errorResponses('UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/me/inbound-address/rotate',
    summary: 'Replace the private address with a new one; mail to the old address is refused from then on',
    responses: {
      200: {
        description: 'The new address',
        content: { 'application/json': { schema: Api.InboundAddress } },
      },
      ...errorResponses('UNAUTHENTICATED'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/receipts/inbound-email',
    summary:
      'Mail-provider webhook: `X-Inbound-Timestamp` (unix seconds) and `X-Inbound-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`',
    request: { body: { content: { 'application/json': { schema: Api.InboundEmail } } } },
    responses: {
      200: { description: 'Imported before', content: { 'application/json': { schema: Api.ImportResult } } },
      201: { description: 'Recorded', content: { 'application/json': { schema: Api.ImportResult } } },
      ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
    },
  });
}
