/** GET /me/inbound-address, POST /me/inbound-address/rotate and the signed webhook POST /receipts/inbound-email. */
import { ReceiptIngestApi as Api } from '@cartwatch/common-types';
import { defineRoute, errorResponses, type RouteDefinition } from '@cartwatch/service-kit';
import express from 'express';
import type { AppDeps } from '../app-deps.js';
import { getInboundAddress, receiveInboundEmail, rotateInboundAddress } from './inbound.service.js';

export function inboundAddressRoutes({ database, config }: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/me/inbound-address',
      summary: 'The private address receipts can be forwarded to',
      user: 'required',
      responses: {
        200: { description: 'The address', content: { 'application/json': { schema: Api.InboundAddress } } },
        ...errorResponses('UNAUTHENTICATED'),
      },
      read: async ({ user }) => ({ address: await getInboundAddress(database, config, user.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/me/inbound-address/rotate',
      summary: 'Replace the private address with a new one; mail to the old address is refused from then on',
      user: 'required',
      responses: {
        200: {
          description: 'The new address',
          content: { 'application/json': { schema: Api.InboundAddress } },
        },
        ...errorResponses('UNAUTHENTICATED'),
      },
      read: async ({ user }) => ({ address: await rotateInboundAddress(database, config, user.id) }),
    }),
  ];
}

/** Mounted before the JSON body parser: the signature covers the raw bytes. */
export function inboundWebhookRoutes({ database, config }: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/receipts/inbound-email',
      summary:
        'Mail-provider webhook: `X-Inbound-Timestamp` (unix seconds) and `X-Inbound-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`',
      use: [express.raw({ type: () => true, limit: config.BODY_LIMIT })],
      // Documented only: the handler checks the signature over the raw bytes before parsing them.
      request: { body: { content: { 'application/json': { schema: Api.InboundEmail } } } },
      responses: {
        200: {
          description: 'Imported before',
          content: { 'application/json': { schema: Api.ImportResult } },
        },
        201: { description: 'Recorded', content: { 'application/json': { schema: Api.ImportResult } } },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND', 'UNPROCESSABLE'),
      },
      handler: async (_input, req, res) => {
        const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = await receiveInboundEmail(database, config, rawBody, {
          timestamp: req.get('x-inbound-timestamp'),
          signature: req.get('x-inbound-signature'),
        });
        res.status(result.created ? 201 : 200).json(result);
      },
    }),
  ];
}
