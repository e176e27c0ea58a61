/**
 * Which URLs the gateway may send to for a user (webhooks, and the push endpoints browsers give): public
 * unicast only (the address policy of service-kit). Checked when the URL is saved (literal addresses,
 * obvious local names) and again on every delivery and redirect against the resolved address. The one
 * exception, `allowLoopback`, exists for tests (DELIVERY_ALLOW_LOOPBACK_TARGETS, refused in production):
 * loopback addresses only, never the rest of the private network.
 */
import { isIP } from 'node:net';
import { isPublicAddress } from '@cartwatch/service-kit';

export interface TargetPolicy {
  /** Tests only: loopback addresses (127.0.0.0/8, ::1) count as allowed. */
  allowLoopback: boolean;
}

export const PUBLIC_ONLY: TargetPolicy = { allowLoopback: false };

export function isLoopbackAddress(address: string): boolean {
  const bare = address.toLowerCase().replace(/^::ffff:/, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** Whether a resolved address may be dialed under `policy`. */
export function isAllowedAddress(address: string, policy: TargetPolicy): boolean {
  return isPublicAddress(address) || (policy.allowLoopback && isLoopbackAddress(address));
}

/** A reason the URL can never be a target, or undefined (its DNS answer is checked at delivery). */
export function assertPublicWebhookUrl(
  raw: string,
  policy: TargetPolicy = PUBLIC_ONLY,
  what = 'webhook URL',
): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${what} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${what} must be http(s)`;
  if (url.username || url.password) return `${what} must not carry credentials`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !isAllowedAddress(host, policy)) return `${what} must point to a public address`;
  if (host === 'localhost' && policy.allowLoopback) return undefined;
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  )
    return `${what} must point to a public address`;
  return undefined;
}
