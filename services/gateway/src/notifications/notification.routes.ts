/** GET/PUT /me/notifications: whether alerts are e-mailed, and the webhook they are posted to. */
import { type NotificationPreferences, UpdateNotificationPreferences } from '@cartwatch/common-types';
import { AppError, parseBody } from '@cartwatch/service-kit';
import type { Express, RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { sessionOf } from '../auth/authenticate.js';
import type { DB } from '../db/schema.js';
import { findPreferences, upsertPreferences } from './notification.repository.js';
import { assertPublicWebhookUrl } from './webhook-target.js';

export async function preferencesOf(db: Kysely<DB>, userId: string): Promise<NotificationPreferences> {
  const row = await findPreferences(db, userId);
  return { email: row?.email_enabled ?? true, webhookUrl: row?.webhook_url ?? null };
}

export function mountNotificationRoutes(
  app: Express,
  deps: { db: Kysely<DB>; session: RequestHandler },
): void {
  const { session } = deps;
  app.get('/me/notifications', session, async (_req, res) => {
    res.json(await preferencesOf(deps.db, sessionOf(res).userId));
  });
  app.put('/me/notifications', session, async (req, res) => {
    const input = parseBody(UpdateNotificationPreferences, req);
    if (input.webhookUrl) {
      const problem = assertPublicWebhookUrl(input.webhookUrl);
      if (problem) throw AppError.unprocessable(problem);
    }
    const { userId } = sessionOf(res);
    await upsertPreferences(deps.db, userId, { email_enabled: input.email, webhook_url: input.webhookUrl });
    res.json(await preferencesOf(deps.db, userId));
  });
}
