/**
 * Which addresses a user's webhook may reach: public unicast only. Checked when the URL is saved (literal
 * addresses, obvious local names) and again on every delivery and redirect against the resolved address.
 */
import { BlockList, isIP } from 'node:net';

// Two lists: node's BlockList lets an IPv6 rule for ::ffff:0:0/96 match every IPv4 address.
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blockedV4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blockedV6.addSubnet(network, prefix, 'ipv6');
}

/** True when `address` (a literal IP) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blockedV4.check(address, 'ipv4');
  if (family !== 6) return false;
  // IPv4-mapped (::ffff:a.b.c.d / ::ffff:xxxx:xxxx) reaches the IPv4 address: never allowed.
  if (/^(0*:)*:?ffff:/i.test(address) || /^::ffff:/i.test(address)) return false;
  return !blockedV6.check(address, 'ipv6');
}

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
