/**
 * Posts to a URL a user (or their browser) gave without letting it reach inside the network (SSRF): the
 * host is resolved, every address must be public, the connection is pinned to the checked address (no
 * second DNS lookup to rebind), and each webhook redirect is checked the same way (at most 3; push
 * endpoints get no redirects). Tests inject `resolve` and `connect`, so nothing is dialed, or allow
 * loopback targets (webhook-target.ts).
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import {
  assertPublicWebhookUrl,
  isAllowedAddress,
  PUBLIC_ONLY,
  type TargetPolicy,
} from './webhook-target.js';

export interface PinnedRequest {
  url: URL;
  /** The checked address the connection must go to. */
  address: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface WebhookTransport {
  resolve(hostname: string): Promise<string[]>;
  connect(request: PinnedRequest): Promise<{ status: number; location?: string | undefined }>;
}

export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
}

const MAX_REDIRECTS = 3;

/** Resolves with the system's DNS and POSTs over node's http(s), pinned to the checked address. */
export function createSystemTransport(options: { timeoutMs: number }): WebhookTransport {
  return {
    async resolve(hostname) {
      const answers = await lookup(hostname, { all: true, verbatim: true });
      return answers.map((answer) => answer.address);
    },
    connect({ url, address, headers, body }) {
      const client = url.protocol === 'https:' ? https : http;
      return new Promise((resolve, reject) => {
        const request = client.request(
          url,
          {
            method: 'POST',
            headers,
            timeout: options.timeoutMs,
            // The checked address and nothing else: no DNS rebinding between check and connect.
            lookup: (_hostname, _options, callback) => callback(null, address, isIP(address)),
          },
          (response) => {
            response.resume();
            resolve({ status: response.statusCode ?? 0, location: response.headers.location });
          },
        );
        request.on('timeout', () => request.destroy(new Error('timed out')));
        request.on('error', reject);
        request.end(body);
      });
    },
  };
}

export const systemTransport: WebhookTransport = createSystemTransport({ timeoutMs: 5_000 });

async function checkedAddress(url: URL, transport: WebhookTransport, policy: TargetPolicy): Promise<string> {
  const problem = assertPublicWebhookUrl(url.href, policy);
  if (problem) throw new WebhookRefused(problem);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await transport.resolve(host);
  if (addresses.length === 0) throw new WebhookRefused(`${host} does not resolve`);
  // Every answer must be allowed: otherwise a later connection could pick the private one.
  const privateOne = addresses.find((address) => !isAllowedAddress(address, policy));
  if (privateOne) throw new WebhookRefused(`${host} resolves to a non-public address`);
  return addresses[0] as string;
}

export interface PinnedPostOptions {
  headers?: Record<string, string>;
  policy?: TargetPolicy;
  /** Follow (re-checked) redirects: webhooks yes, push endpoints no. */
  followRedirects?: boolean;
}

/** POSTs `body` to `target`; resolves with the final status, throws WebhookRefused for forbidden targets. */
export async function pinnedPost(
  target: string,
  body: string | Buffer,
  transport: WebhookTransport,
  options: PinnedPostOptions = {},
): Promise<number> {
  const policy = options.policy ?? PUBLIC_ONLY;
  const headers = options.headers ?? {};
  let url = new URL(target);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const address = await checkedAddress(url, transport, policy);
    const { status, location } = await transport.connect({ url, address, headers, body });
    if (options.followRedirects !== false && status >= 300 && status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    return status;
  }
  throw new WebhookRefused('too many redirects');
}

/** Delivers `payload` as JSON; resolves with the final status, throws WebhookRefused for forbidden targets. */
export function deliverWebhook(
  target: string,
  payload: unknown,
  transport: WebhookTransport = systemTransport,
  options: { headers?: Record<string, string>; policy?: TargetPolicy } = {},
): Promise<number> {
  return pinnedPost(target, JSON.stringify(payload), transport, {
    ...options,
    headers: { 'content-type': 'application/json', 'user-agent': 'CartWatch-Webhook/1', ...options.headers },
  });
}
