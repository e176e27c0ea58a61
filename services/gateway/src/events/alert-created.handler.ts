/**
 * alert.created.v1 -> the user's e-mail (when enabled) and webhook (when set). The SSE push is separate
 * (realtime/). A failed delivery throws, so the consumer retries with backoff and dead-letters at the end;
 * a refused webhook target (private address) is logged and not retried.
 */
import { eventCatalog } from '@cartwatch/common-types';
import { defineHandler } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import * as authRepository from '../auth/auth.repository.js';
import type { DB } from '../db/schema.js';
import { findPreferences } from '../notifications/notification.repository.js';
import { deliverWebhook, WebhookRefused, type WebhookTransport } from '../notifications/webhook-delivery.js';
import type { Notifier } from '../notify/notifier.js';

export function alertCreatedHandler(deps: {
  notifier: Notifier;
  logger: Logger;
  webhook?: WebhookTransport;
}) {
  return defineHandler(eventCatalog.alertCreated, async (trx: Transaction<DB>, event) => {
    const { userId, title, body, link } = event.data;
    const user = await authRepository.findUserById(trx, userId);
    if (!user) return; // deleted meanwhile
    const preferences = await findPreferences(trx, userId);
    if (preferences?.email_enabled ?? true) {
      await deps.notifier.sendEmail({
        to: user.email,
        subject: `CartWatch: ${title}`,
        text: link ? `${body}\n\n${link}` : body,
      });
    }
    if (preferences?.webhook_url) {
      try {
        const status = await deliverWebhook(
          preferences.webhook_url,
          { id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data },
          deps.webhook,
        );
        if (status >= 500 || status === 429) throw new Error(`webhook answered ${status}`);
        if (status >= 400) deps.logger.warn({ userId, status }, 'webhook rejected the alert');
      } catch (error) {
        if (!(error instanceof WebhookRefused)) throw error;
        deps.logger.warn({ userId, reason: error.message }, 'webhook target refused');
      }
    }
  });
}
