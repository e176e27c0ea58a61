/**
 * Which URLs a user's webhook may target: public unicast only (the address policy of service-kit). Checked
 * when the URL is saved (literal addresses, obvious local names) and again on every delivery and redirect
 * against the resolved address.
 */
import { isIP } from 'node:net';
import { isPublicAddress } from '@cartwatch/service-kit';

/** A reason the URL can never be a webhook target, or undefined (its DNS answer is checked at delivery). */
export function assertPublicWebhookUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'webhook URL is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'webhook URL must be http(s)';
  if (url.username || url.password) return 'webhook URL must not carry credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !isPublicAddress(host)) return 'webhook URL must point to a public address';
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  )
    return 'webhook URL must point to a public address';
  return undefined;
}
