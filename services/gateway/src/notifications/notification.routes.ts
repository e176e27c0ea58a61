/**
 * `GET/PUT /me/notifications` (e-mail, SMS, webhook, web push), `GET /me/notifications/deliveries` (what
 * was sent, what is pending, what failed), `POST /me/push-subscriptions`, `DELETE
 * /me/push-subscriptions/{id}` and `GET /me/push/vapid-public-key`.
 */
import {
  NotificationDelivery,
  NotificationDeliveryQuery,
  NotificationPreferences,
  PushSubscriptionCreated,
  PushSubscriptionParams,
  PushSubscriptionRequest,
  pageOf,
  UpdateNotificationPreferences,
  VapidPublicKey,
} from '@cartwatch/common-types';
import { defineRoute, errorResponses, jsonResponse, type RouteDefinition } from '@cartwatch/service-kit';
import type { RequestHandler } from 'express';
import { sessionOf } from '../auth/authenticate.js';
import type { NotificationService } from './notification.service.js';

export function notificationRoutes(deps: {
  notifications: NotificationService;
  session: RequestHandler;
  vapidPublicKey: string;
}): RouteDefinition[] {
  const { session, notifications } = deps;
  const use = [session];
  return [
    defineRoute({
      method: 'get',
      path: '/me/notifications',
      tags: ['account'],
      summary: 'How alerts reach the user besides the app',
      use,
      responses: {
        200: jsonResponse(NotificationPreferences, 'The preferences'),
        ...errorResponses('UNAUTHENTICATED'),
      },
      handler: async (_input, _req, res) => {
        res.json(await notifications.preferences(sessionOf(res).userId));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/me/notifications',
      tags: ['account'],
      summary:
        'Set e-mail, SMS (needs a verified phone) and web push delivery and the webhook URL (public http(s) addresses only)',
      use,
      request: { body: UpdateNotificationPreferences },
      responses: {
        200: jsonResponse(NotificationPreferences, 'The preferences'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE'),
      },
      handler: async ({ body }, _req, res) => {
        res.json(await notifications.updatePreferences(sessionOf(res).userId, body));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me/notifications/deliveries',
      tags: ['account'],
      summary:
        "The account's notifications and codes by channel: pending (retried with backoff), sent, or failed with the reason",
      use,
      request: { query: NotificationDeliveryQuery },
      responses: {
        200: jsonResponse(pageOf(NotificationDelivery), 'A page of deliveries, newest first'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED'),
      },
      handler: async ({ query }, _req, res) => {
        res.json(await notifications.listDeliveries(sessionOf(res).userId, query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me/push/vapid-public-key',
      tags: ['account'],
      summary: 'The key a browser subscribes to web push with (`applicationServerKey`)',
      use,
      responses: {
        200: jsonResponse(VapidPublicKey, 'The VAPID public key'),
        ...errorResponses('UNAUTHENTICATED'),
      },
      handler: (_input, _req, res) => {
        res.json({ publicKey: deps.vapidPublicKey });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/me/push-subscriptions',
      tags: ['account'],
      summary:
        "Save this browser's push subscription (`PushSubscription.toJSON()`); the endpoint must be a public https address",
      use,
      request: { body: PushSubscriptionRequest },
      responses: {
        201: jsonResponse(PushSubscriptionCreated, 'Saved'),
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'UNPROCESSABLE'),
      },
      handler: async ({ body }, req, res) => {
        const created = await notifications.subscribePush(sessionOf(res).userId, body, req.get('user-agent'));
        res.status(201).json(created);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/me/push-subscriptions/:id',
      tags: ['account'],
      summary: 'Forget a push subscription of the account',
      use,
      request: { params: PushSubscriptionParams },
      responses: {
        204: { description: 'Removed' },
        ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_FOUND'),
      },
      handler: async ({ params }, _req, res) => {
        await notifications.unsubscribePush(sessionOf(res).userId, params.id);
        res.status(204).end();
      },
    }),
  ];
}
