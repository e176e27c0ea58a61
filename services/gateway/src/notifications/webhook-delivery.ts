/**
 * Posts an alert to a user's webhook without letting the URL reach inside the network (SSRF): the host
 * is resolved, every address must be public, the connection is pinned to the checked address (no second
 * DNS lookup to rebind), and each redirect is checked the same way (at most 3). Tests inject `resolve` and
 * `connect`, so nothing is dialed.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isPublicAddress } from '@cartwatch/service-kit';
import { assertPublicWebhookUrl } from './webhook-target.js';

export interface PinnedRequest {
  url: URL;
  /** The checked address the connection must go to. */
  address: string;
  body: string;
}

export interface WebhookTransport {
  resolve(hostname: string): Promise<string[]>;
  connect(request: PinnedRequest): Promise<{ status: number; location?: string | undefined }>;
}

export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
}

const MAX_REDIRECTS = 3;
const TIMEOUT_MS = 5_000;

export const systemTransport: WebhookTransport = {
  async resolve(hostname) {
    const answers = await lookup(hostname, { all: true, verbatim: true });
    return answers.map((answer) => answer.address);
  },
  connect({ url, address, body }) {
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'CartWatch-Webhook/1' },
          timeout: TIMEOUT_MS,
          // The checked address and nothing else: no DNS rebinding between check and connect.
          lookup: (_hostname, _options, callback) => callback(null, address, isIP(address)),
        },
        (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0, location: response.headers.location });
        },
      );
      request.on('timeout', () => request.destroy(new Error('webhook timed out')));
      request.on('error', reject);
      request.end(body);
    });
  },
};

async function checkedAddress(url: URL, transport: WebhookTransport): Promise<string> {
  const problem = assertPublicWebhookUrl(url.href);
  if (problem) throw new WebhookRefused(problem);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await transport.resolve(host);
  if (addresses.length === 0) throw new WebhookRefused(`${host} does not resolve`);
  // Every answer must be public: otherwise a later connection could pick the private one.
  const privateOne = addresses.find((address) => !isPublicAddress(address));
  if (privateOne) throw new WebhookRefused(`${host} resolves to a non-public address`);
  return addresses[0] as string;
}

/** Delivers `payload`; resolves with the final status, throws WebhookRefused for forbidden targets. */
export async function deliverWebhook(
  target: string,
  payload: unknown,
  transport: WebhookTransport = systemTransport,
): Promise<number> {
  const body = JSON.stringify(payload);
  let url = new URL(target);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const address = await checkedAddress(url, transport);
    const { status, location } = await transport.connect({ url, address, body });
    if (status >= 300 && status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    return status;
  }
  throw new WebhookRefused('too many redirects');
}
