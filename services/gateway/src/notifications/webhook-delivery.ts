/**
 * Posts to a URL a user (or their browser) gave over service-kit's SSRF-safe client
 * (packages/service-kit/src/safe-http.ts: every resolved address must be public, the connection pinned
 * to the checked address, each redirect re-checked). What is the gateway's own: which URLs may be called
 * at all (webhook-target.ts, applied to every hop), the redirect limit (at most 3 for webhooks, none for
 * push endpoints), and what a refusal or a network failure means for a delivery. Tests inject the
 * resolver and connector (OutboundTransport), so nothing is dialed but loopback.
 */
import {
  type OutboundTransport,
  type SafeHttpFailure,
  safeRequest,
  systemTransport,
} from '@cartwatch/service-kit/safe-http';
import { assertPublicWebhookUrl, PUBLIC_ONLY, type TargetPolicy } from './webhook-target.js';

export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
}

const MAX_REDIRECTS = 3;
/** The whole exchange, redirects included, unless the caller says otherwise (DELIVERY_SEND_TIMEOUT_MS). */
const DEFAULT_TIMEOUT_MS = 5_000;

export interface PinnedPostOptions {
  headers?: Record<string, string>;
  policy?: TargetPolicy;
  /** Follow (re-checked) redirects: webhooks yes, push endpoints no. */
  followRedirects?: boolean;
  timeoutMs?: number;
}

/** A refusal throws WebhookRefused; a network failure throws its own error (its code is what is recorded). */
function thrown(failure: SafeHttpFailure): Error {
  const host = failure.host ?? '';
  switch (failure.code) {
    case 'REFUSED_URL':
    case 'UNSUPPORTED_URL':
      return new WebhookRefused(failure.message);
    case 'BLOCKED_ADDRESS':
      return new WebhookRefused(`${host} resolves to a non-public address`);
    case 'TOO_MANY_REDIRECTS':
      return new WebhookRefused('too many redirects');
    case 'DNS_FAILED':
      return failure.cause === undefined
        ? new WebhookRefused(`${host} does not resolve`)
        : (failure.cause as Error);
    case 'TIMEOUT':
      return new Error('timed out');
    default:
      return failure.cause instanceof Error ? failure.cause : new Error(failure.message);
  }
}

/** POSTs `body` to `target`; resolves with the final status, throws WebhookRefused for forbidden targets. */
export async function pinnedPost(
  target: string,
  body: string | Buffer,
  transport: OutboundTransport,
  options: PinnedPostOptions = {},
): Promise<number> {
  const policy = options.policy ?? PUBLIC_ONLY;
  const url = new URL(target);
  const answer = await safeRequest(
    { url: url.href, method: 'POST', headers: options.headers ?? {}, body },
    {
      ...transport,
      allowLoopback: policy.allowLoopback,
      vetUrl: (hop) => assertPublicWebhookUrl(hop.href, policy),
      maxBytes: 0,
      readBody: false,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRedirects: MAX_REDIRECTS,
      followRedirects: options.followRedirects !== false,
    },
  );
  if (!answer.ok) throw thrown(answer);
  return answer.status;
}

/** Delivers `payload` as JSON; resolves with the final status, throws WebhookRefused for forbidden targets. */
export function deliverWebhook(
  target: string,
  payload: unknown,
  transport: OutboundTransport = systemTransport,
  options: { headers?: Record<string, string>; policy?: TargetPolicy; timeoutMs?: number } = {},
): Promise<number> {
  return pinnedPost(target, JSON.stringify(payload), transport, {
    ...options,
    headers: { 'content-type': 'application/json', 'user-agent': 'CartWatch-Webhook/1', ...options.headers },
  });
}
