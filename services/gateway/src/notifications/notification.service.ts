/**
 * How alerts reach a user besides the app: preferences (e-mail, SMS to the verified phone, webhook, web
 * push), the browsers' push subscriptions, and the list of what was sent and what failed. Targets a user
 * gives (webhook URLs, push endpoints) must be public addresses (webhook-target.ts); they are checked
 * again, resolved, on every send.
 */
import {
  type AlertTypeRule,
  IdCursor,
  type NotificationDelivery,
  type NotificationPreferences,
  type Page,
  type PushSubscriptionRequest,
  pageFromRows,
  type QuietHours,
} from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import * as authRepository from '../auth/auth.repository.js';
import type { DB } from '../db/schema.js';
import * as deliveries from './delivery.repository.js';
import { findPreferences, upsertPreferences } from './notification.repository.js';
import { quietHoursOf, rulesOf } from './notification-rules.js';
import { assertPublicWebhookUrl, type TargetPolicy } from './webhook-target.js';

/** Browsers kept per account; subscribing another drops the oldest. */
const MAX_PUSH_SUBSCRIPTIONS = 10;

function toDelivery(row: deliveries.DeliveryRow): NotificationDelivery {
  return {
    id: row.id,
    kind: row.kind,
    channel: row.channel,
    title: row.title,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
  };
}

export class NotificationService {
  constructor(private readonly deps: { db: Kysely<DB>; policy: TargetPolicy }) {}

  async preferences(userId: string): Promise<NotificationPreferences> {
    const row = await findPreferences(this.deps.db, userId);
    return {
      email: row?.email_enabled ?? true,
      sms: row?.sms_enabled ?? false,
      push: row?.push_enabled ?? false,
      webhookUrl: row?.webhook_url ?? null,
      types: rulesOf(row?.alert_types),
      quietHours: row ? quietHoursOf(row) : null,
    };
  }

  async updatePreferences(
    userId: string,
    input: {
      email: boolean;
      webhookUrl: string | null;
      sms?: boolean | undefined;
      push?: boolean | undefined;
      types?: Partial<Record<string, AlertTypeRule | undefined>> | undefined;
      quietHours?: QuietHours | null | undefined;
    },
  ): Promise<NotificationPreferences> {
    if (input.webhookUrl) {
      const problem = assertPublicWebhookUrl(input.webhookUrl, this.deps.policy);
      if (problem) throw AppError.unprocessable(problem);
    }
    if (input.sms) {
      const user = await authRepository.findUserById(this.deps.db, userId);
      if (!user?.phone) throw AppError.unprocessable('verify a phone number first (POST /auth/phone)');
    }
    const current = await this.preferences(userId);
    const types = { ...current.types };
    for (const [kind, rule] of Object.entries(input.types ?? {}))
      if (rule) types[kind as keyof typeof types] = rule;
    const quiet = input.quietHours === undefined ? current.quietHours : input.quietHours;
    await upsertPreferences(this.deps.db, userId, {
      email_enabled: input.email,
      sms_enabled: input.sms ?? current.sms,
      push_enabled: input.push ?? current.push,
      webhook_url: input.webhookUrl,
      alert_types: types,
      quiet_start: quiet?.start ?? null,
      quiet_end: quiet?.end ?? null,
      quiet_time_zone: quiet?.timeZone ?? null,
    });
    return this.preferences(userId);
  }

  async listDeliveries(
    userId: string,
    query: { limit: number; cursor?: string | undefined },
  ): Promise<Page<NotificationDelivery>> {
    const before = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor);
    const rows = await deliveries.listUserDeliveries(this.deps.db, userId, before?.id, query.limit + 1);
    return pageFromRows(rows, query.limit, toDelivery, (last) => IdCursor.encode({ id: last.id }));
  }

  async subscribePush(
    userId: string,
    subscription: PushSubscriptionRequest,
    userAgent: string | undefined,
  ): Promise<{ id: string; createdAt: string }> {
    const problem = assertPublicWebhookUrl(subscription.endpoint, this.deps.policy, 'push endpoint');
    if (problem) throw AppError.unprocessable(problem);
    // Push services are https; plain http only reaches a loopback test endpoint.
    if (!subscription.endpoint.startsWith('https:') && !this.deps.policy.allowLoopback)
      throw AppError.unprocessable('push endpoint must be https');
    const row = await deliveries.upsertPushSubscription(this.deps.db, {
      id: newId(),
      user_id: userId,
      endpoint: subscription.endpoint,
      p256dh: subscription.keys.p256dh,
      auth: subscription.keys.auth,
      user_agent: userAgent?.slice(0, 512) ?? null,
    });
    const all = await deliveries.findUserPushSubscriptions(this.deps.db, userId);
    for (const old of all.slice(0, Math.max(0, all.length - MAX_PUSH_SUBSCRIPTIONS)))
      await deliveries.deletePushSubscription(this.deps.db, old.id, userId);
    return { id: row.id, createdAt: row.created_at.toISOString() };
  }

  async unsubscribePush(userId: string, id: string): Promise<void> {
    if (!(await deliveries.deletePushSubscription(this.deps.db, id, userId)))
      throw AppError.notFound('push subscription');
  }
}
