/**
 * How a session is shown to its owner (GET /auth/sessions): a readable device label parsed from the
 * user agent it signed in with, and its sign-in address coarsened to a network. User-agent strings are
 * a moving target (new browsers, OS version tokens frozen or reshuffled), so parsing is left to bowser,
 * a maintained MIT parser (docs/gateway.md#active-sessions says why this one); addresses are parsed by
 * ipaddr.js, which also unwraps IPv4-mapped IPv6 addresses as Node reports them.
 */
import Bowser from 'bowser';
import ipaddr from 'ipaddr.js';

const UNKNOWN_DEVICE = 'Unknown device';

/** The major version only: "Firefox 133", not "Firefox 133.0". */
function major(version: string | undefined): string | undefined {
  const head = version?.split('.')[0];
  return head && /^\d+$/.test(head) ? head : undefined;
}

/** E.g. "Safari 17 on iOS 17 (mobile)", "Firefox 133 on Windows 10 (desktop)", or the client's name. */
export function deviceLabel(userAgent: string | null): string {
  const ua = userAgent?.trim();
  if (!ua) return UNKNOWN_DEVICE;
  const { browser, os, platform } = Bowser.parse(ua);
  if (!browser.name) {
    // Not a browser (an app, a script): its own first product token, e.g. "curl/8.5.0".
    const product = ua.split(/\s+/)[0]?.slice(0, 60);
    return product || UNKNOWN_DEVICE;
  }
  const app = [browser.name, major(browser.version)].filter(Boolean).join(' ');
  const osVersion = os.versionName ?? major(os.version);
  const system = os.name ? [os.name, osVersion].filter(Boolean).join(' ') : undefined;
  const kind = platform.type ? ` (${platform.type})` : '';
  return `${system ? `${app} on ${system}` : app}${kind}`;
}

/** The network of an address: IPv4 /24 ("203.0.113.0/24"), IPv6 /48 ("2001:db8:1234::/48"); null if unknown. */
export function coarseNetwork(ip: string | null): string | null {
  if (!ip || !ipaddr.isValid(ip)) return null;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') {
    const [a, b, c] = (address as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.0/24`;
  }
  const [p0 = 0, p1 = 0, p2 = 0] = (address as ipaddr.IPv6).parts;
  return `${new ipaddr.IPv6([p0, p1, p2, 0, 0, 0, 0, 0]).toString()}/48`;
}
