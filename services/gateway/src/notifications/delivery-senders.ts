/**
 * How one queued delivery is sent, per channel, and what its failure means: `DeliveryFailure` carries the
 * message the user sees (no secrets: never a URL's query, a provider's token or a message's text) and
 * whether another attempt could help. E-mails keep one Message-ID across attempts and webhooks carry the
 * delivery id as `Idempotency-Key`, so a receiver that got an attempt whose answer was lost can drop the
 * retry.
 */

import type { Database } from '@cartwatch/db';
import type { OutboundTransport } from '@cartwatch/service-kit/safe-http';
import webpush from 'web-push';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import type { Notifier } from '../notify/notifier.js';
import { type DeliveryRow, deletePushSubscription, findPushSubscription } from './delivery.repository.js';
import type { VapidKeys } from './vapid-keys.js';
import { deliverWebhook, pinnedPost, WebhookRefused } from './webhook-delivery.js';
import type { TargetPolicy } from './webhook-target.js';

export class DeliveryFailure extends Error {
  override readonly name = 'DeliveryFailure';
  readonly permanent: boolean;
  constructor(message: string, options: { permanent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent;
  }
}

export const EmailPayload = z.object({ subject: z.string(), text: z.string() });
export const SmsPayload = z.object({ text: z.string() });
/** The alert event as the webhook receives it. */
export const WebhookPayload = z.object({ event: z.unknown() });
/** What the service worker shows (services/web/public/push-handler.js). */
export const PushPayload = z.object({
  title: z.string(),
  body: z.string(),
  url: z.string(),
  tag: z.string(),
});
export type PushPayload = z.infer<typeof PushPayload>;

export type DeliverySend = Pick<DeliveryRow, 'id' | 'channel' | 'target' | 'payload' | 'user_id'>;

export interface DeliverySenderDeps {
  database: Database<DB>;
  notifier: Notifier;
  /** How names are resolved and checked addresses dialed (service-kit's system transport; tests inject theirs). */
  transport: OutboundTransport;
  policy: TargetPolicy;
  /** One webhook or push exchange, redirects included (DELIVERY_SEND_TIMEOUT_MS); default 5 s. */
  sendTimeoutMs?: number | undefined;
  vapid: VapidKeys;
}

/** How long a push service keeps a message for a browser that is offline. */
const PUSH_TTL_SECONDS = 24 * 3600;

function payloadOf<S extends z.ZodType>(schema: S, row: DeliverySend): z.output<S> {
  const parsed = schema.safeParse(row.payload);
  // A scrubbed or malformed row can never be sent.
  if (!parsed.success) throw new DeliveryFailure('nothing left to send', { permanent: true });
  return parsed.data;
}

/** A failed HTTP answer of a webhook or push service: 408, 429 and 5xx may pass later, other 4xx will not. */
function failedAnswer(what: string, status: number): DeliveryFailure {
  const retryable = status === 408 || status === 429 || status >= 500 || status === 0;
  return new DeliveryFailure(`${what} answered ${status}`, { permanent: !retryable });
}

/** A network error in words (its code only: messages may name addresses or tokens). */
function unreachable(what: string, error: unknown): DeliveryFailure {
  if (error instanceof WebhookRefused)
    return new DeliveryFailure(`${what} refused: ${error.message}`, { permanent: true });
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : undefined;
  const timedOut =
    (error instanceof Error && /timed? ?out/i.test(error.message)) ||
    code === 'ETIMEDOUT' ||
    code === 'ETIMEOUT';
  return new DeliveryFailure(
    timedOut ? `${what} timed out` : `${what} unreachable${code ? ` (${code})` : ''}`,
    {
      permanent: false,
      cause: error,
    },
  );
}

async function sendEmail(row: DeliverySend, deps: DeliverySenderDeps): Promise<void> {
  const { subject, text } = payloadOf(EmailPayload, row);
  try {
    await deps.notifier.sendEmail({ to: row.target, subject, text, messageId: `<${row.id}@cartwatch>` });
  } catch (error) {
    const responseCode =
      typeof error === 'object' && error !== null && 'responseCode' in error
        ? Number(error.responseCode)
        : NaN;
    // SMTP 5xx is a refusal of this message (unknown mailbox...); 4xx and network errors may pass later.
    if (responseCode >= 500)
      throw new DeliveryFailure(`the mail server refused it (${responseCode})`, {
        permanent: true,
        cause: error,
      });
    if (responseCode >= 400)
      throw new DeliveryFailure(`the mail server deferred it (${responseCode})`, {
        permanent: false,
        cause: error,
      });
    throw unreachable('the mail server', error);
  }
}

async function sendSms(row: DeliverySend, deps: DeliverySenderDeps): Promise<void> {
  const { text } = payloadOf(SmsPayload, row);
  try {
    await deps.notifier.sendSms({ to: row.target, text });
  } catch (error) {
    const answered = error instanceof Error && /^SMS provider answered \d+$/.exec(error.message);
    if (answered) throw new DeliveryFailure(answered[0], { permanent: false, cause: error });
    throw unreachable('the SMS provider', error);
  }
}

async function sendWebhook(row: DeliverySend, deps: DeliverySenderDeps): Promise<void> {
  const { event } = payloadOf(WebhookPayload, row);
  let status: number;
  try {
    status = await deliverWebhook(row.target, event, deps.transport, {
      policy: deps.policy,
      ...(deps.sendTimeoutMs !== undefined && { timeoutMs: deps.sendTimeoutMs }),
      headers: { 'idempotency-key': row.id, 'x-cartwatch-delivery': row.id },
    });
  } catch (error) {
    throw unreachable('the webhook', error);
  }
  if (status < 200 || status >= 300) throw failedAnswer('the webhook', status);
}

async function sendPush(row: DeliverySend, deps: DeliverySenderDeps): Promise<void> {
  const payload = payloadOf(PushPayload, row);
  const subscription = await findPushSubscription(deps.database.db, row.target);
  if (!subscription) throw new DeliveryFailure('the browser unsubscribed', { permanent: true });
  let details: webpush.RequestDetails;
  try {
    details = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      JSON.stringify(payload),
      {
        vapidDetails: deps.vapid,
        TTL: PUSH_TTL_SECONDS,
        contentEncoding: 'aes128gcm',
        urgency: 'normal',
      },
    );
  } catch (error) {
    throw new DeliveryFailure('the push subscription is unusable', { permanent: true, cause: error });
  }
  let status: number;
  try {
    status = await pinnedPost(subscription.endpoint, details.body ?? Buffer.alloc(0), deps.transport, {
      policy: deps.policy,
      ...(deps.sendTimeoutMs !== undefined && { timeoutMs: deps.sendTimeoutMs }),
      followRedirects: false,
      headers: Object.fromEntries(
        Object.entries(details.headers).map(([name, value]) => [name, String(value)]),
      ),
    });
  } catch (error) {
    throw unreachable('the push service', error);
  }
  if (status === 404 || status === 410) {
    // The browser dropped the subscription: forget it, so no later alert tries it again.
    await deletePushSubscription(deps.database.db, subscription.id);
    throw new DeliveryFailure(`the push subscription is gone (${status}); removed`, { permanent: true });
  }
  if (status < 200 || status >= 300) throw failedAnswer('the push service', status);
}

/** Sends one delivery; throws DeliveryFailure (or anything else, counted as a retryable failure). */
export async function sendDelivery(row: DeliverySend, deps: DeliverySenderDeps): Promise<void> {
  switch (row.channel) {
    case 'email':
      return sendEmail(row, deps);
    case 'sms':
      return sendSms(row, deps);
    case 'webhook':
      return sendWebhook(row, deps);
    case 'push':
      return sendPush(row, deps);
  }
}
