/**
 * `GET/PUT /me/notifications` (e-mail, SMS, webhook, web push), `GET /me/notifications/deliveries` (what
 * was sent, what is pending, what failed), `POST /me/push-subscriptions`, `DELETE
 * /me/push-subscriptions/{id}` and `GET /me/push/vapid-public-key`.
 */
import {
  NotificationDeliveryQuery,
  PushSubscriptionParams,
  PushSubscriptionRequest,
  UpdateNotificationPreferences,
} from '@cartwatch/common-types';
import { parseBody, parseParams, parseQuery } from '@cartwatch/service-kit';
import type { Express, RequestHandler } from 'express';
import { sessionOf } from '../auth/authenticate.js';
import type { NotificationService } from './notification.service.js';

export function mountNotificationRoutes(
  app: Express,
  deps: { notifications: NotificationService; session: RequestHandler; vapidPublicKey: string },
): void {
  const { session, notifications } = deps;
  app.get('/me/notifications', session, async (_req, res) => {
    res.json(await notifications.preferences(sessionOf(res).userId));
  });
  app.put('/me/notifications', session, async (req, res) => {
    const input = parseBody(UpdateNotificationPreferences, req);
    res.json(await notifications.updatePreferences(sessionOf(res).userId, input));
  });
  app.get('/me/notifications/deliveries', session, async (req, res) => {
    const query = parseQuery(NotificationDeliveryQuery, req);
    res.json(await notifications.listDeliveries(sessionOf(res).userId, query));
  });
  app.get('/me/push/vapid-public-key', session, (_req, res) => {
    res.json({ publicKey: deps.vapidPublicKey });
  });
  app.post('/me/push-subscriptions', session, async (req, res) => {
    const subscription = parseBody(PushSubscriptionRequest, req);
    const created = await notifications.subscribePush(
      sessionOf(res).userId,
      subscription,
      req.get('user-agent'),
    );
    res.status(201).json(created);
  });
  app.delete('/me/push-subscriptions/:id', session, async (req, res) => {
    const { id } = parseParams(PushSubscriptionParams, req);
    await notifications.unsubscribePush(sessionOf(res).userId, id);
    res.status(204).end();
  });
}
