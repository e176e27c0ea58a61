/**
 * What the gateway queues for the delivery worker, written in the caller's transaction (never sent
 * there): an alert on every channel the user chose, and account messages (one-time codes, notices).
 */
import { createHash } from 'node:crypto';
import type { EventEnvelope } from '@cartwatch/common-types';
import { type Executor, newId } from '@cartwatch/db';
import * as authRepository from '../auth/auth.repository.js';
import type { DB, DeliveryChannel } from '../db/schema.js';
import { enqueueDeliveries, findUserPushSubscriptions, type NewDelivery } from './delivery.repository.js';
import type { PushPayload } from './delivery-senders.js';
import { findPreferences } from './notification.repository.js';
import { quietHoursEnd, quietHoursOf, rulesOf } from './notification-rules.js';

export interface DeliveryPolicy {
  maxAttempts: number;
}

/** `<source id>:<channel>:<digest of the target>`: one delivery per alert (or code), channel and target. */
export function idempotencyKey(sourceId: string, channel: DeliveryChannel, target: string): string {
  const digest = createHash('sha256').update(target).digest('base64url').slice(0, 22);
  return `${sourceId}:${channel}:${digest}`;
}

export interface AlertData {
  alertId: string;
  userId: string;
  title: string;
  body: string;
  link?: string | undefined;
  kind?: string | undefined;
  changePct?: number | undefined;
}

/** Where a pushed alert opens: its own link when it is a web address, else the alerts screen. */
function pushUrlOf(link: string | undefined): string {
  if (link && /^https?:\/\//i.test(link)) return link;
  if (link?.startsWith('/') && !link.startsWith('//')) return link;
  return '/app/alerts';
}

/**
 * Queues `event` for each channel its user enabled: e-mail (default on), SMS (chosen and a verified
 * phone), the webhook (when set) and web push (chosen; one per browser subscription), as far as the
 * alert type's rule lets it: its channel switches, and its minimum change (an alert whose change is
 * smaller is only shown in the app). In the user's quiet hours e-mail, SMS and push are scheduled for
 * their end (`run_after`); webhooks go at once. `now` is the clock (tests inject theirs). Returns how
 * many deliveries were new (a redelivered event queues nothing twice).
 */
export async function queueAlertDeliveries(
  trx: Executor<DB>,
  event: EventEnvelope<AlertData>,
  policy: DeliveryPolicy,
  now: Date = new Date(),
): Promise<number> {
  const { userId, title, body, link } = event.data;
  const user = await authRepository.findUserById(trx, userId);
  if (!user) return 0; // deleted meanwhile
  const preferences = await findPreferences(trx, userId);
  const rules = rulesOf(preferences?.alert_types);
  const rule =
    event.data.kind && event.data.kind in rules ? rules[event.data.kind as keyof typeof rules] : undefined;
  const { changePct } = event.data;
  if (rule && rule.minChangePct !== null && changePct !== undefined && changePct < rule.minChangePct)
    return 0;
  const quiet = preferences ? quietHoursOf(preferences) : null;
  const quietUntil = quiet ? quietHoursEnd(quiet, now) : undefined;
  const rows: NewDelivery[] = [];
  const add = (channel: DeliveryChannel, target: string, payload: unknown) => {
    if (rule && !rule[channel]) return;
    rows.push({
      id: newId(),
      user_id: userId,
      idempotency_key: idempotencyKey(event.id, channel, target),
      kind: 'alert',
      channel,
      lane: channel,
      target,
      title,
      payload,
      max_attempts: policy.maxAttempts,
      expires_at: null,
      ...(quietUntil && channel !== 'webhook' && { run_after: quietUntil }),
    });
  };
  const text = link ? `${body}\n\n${link}` : body;
  if (preferences?.email_enabled ?? true) add('email', user.email, { subject: `CartWatch: ${title}`, text });
  if (preferences?.sms_enabled && user.phone)
    add('sms', user.phone, { text: `CartWatch: ${title}. ${text}` });
  if (preferences?.webhook_url)
    add('webhook', preferences.webhook_url, {
      event: { id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data },
    });
  if (preferences?.push_enabled) {
    const push: PushPayload = { title, body, url: pushUrlOf(link), tag: event.data.alertId };
    for (const subscription of await findUserPushSubscriptions(trx, userId))
      add('push', subscription.id, push);
  }
  return enqueueDeliveries(trx, rows);
}

export interface AccountMessage {
  /** The code id, or a fresh id for a notice: what makes the message unique. */
  sourceId: string;
  userId: string;
  kind: 'code' | 'notice';
  channel: 'email' | 'sms';
  to: string;
  /** Shown in the deliveries list (never the code). */
  title: string;
  subject: string;
  text: string;
  expiresAt: Date;
}

/** Queues a code or notice on the account lane (sent before alerts); its text is scrubbed once it ends. */
export async function queueAccountMessage(
  db: Executor<DB>,
  message: AccountMessage,
  policy: DeliveryPolicy,
): Promise<void> {
  await enqueueDeliveries(db, [
    {
      id: newId(),
      user_id: message.userId,
      idempotency_key: idempotencyKey(message.sourceId, message.channel, message.to),
      kind: message.kind,
      channel: message.channel,
      lane: 'account',
      target: message.to,
      title: message.title,
      payload:
        message.channel === 'sms' ? { text: message.text } : { subject: message.subject, text: message.text },
      max_attempts: policy.maxAttempts,
      expires_at: message.expiresAt,
    },
  ]);
}
