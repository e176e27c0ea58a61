/**
 * Fetching user-supplied URLs without SSRF: http/https only; every address a host name resolves to
 * must be public (address-policy.ts); the connection goes to the address that was checked (no second
 * DNS lookup by the HTTP client); every redirect hop is checked the same way; response size and total
 * time are capped. Resolver and connector are injectable so tests never dial anything but loopback.
 */
import { lookup } from 'node:dns/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isLoopbackAddress, isPublicAddress } from '@cartwatch/service-kit';
import { Agent, request } from 'undici';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;
export interface ConnectTarget {
  address: string;
  family: 4 | 6;
  port: number;
  tls: boolean;
  servername: string;
}
export type Connector = (target: ConnectTarget) => Promise<Socket>;

export interface FetchPolicy {
  resolve: Resolver;
  connect: Connector;
  /** Test-only: lets loopback fixtures through (never set in production). */
  allowLoopback: boolean;
  /**
   * Development and tests only (URL_CHECK_ALLOWED_ORIGINS): origins (`http://127.0.0.1:8087`) whose loopback
   * addresses are let through, e.g. the demo store of `pnpm start`; any other loopback URL stays refused.
   */
  allowedLoopbackOrigins?: ReadonlySet<string>;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  userAgent: string;
}

export type FetchErrorCode =
  | 'UNSUPPORTED_URL'
  | 'BLOCKED_ADDRESS'
  | 'DNS_FAILED'
  | 'TOO_MANY_REDIRECTS'
  | 'HTTP_ERROR'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'FETCH_FAILED';

export type FetchFailure = { ok: false; code: FetchErrorCode; message: string };
export type FetchResult =
  | { ok: true; url: string; status: number; contentType: string | undefined; body: string }
  | FetchFailure;
/** The same answer with the body as bytes (scripts, JSON and styles of a rendered page). */
export type FetchBytesResult =
  | { ok: true; url: string; status: number; contentType: string | undefined; body: Buffer }
  | FetchFailure;

export const systemResolver: Resolver = async (hostname) => {
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  return addresses.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

export const directConnector: Connector = (target) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = target.tls
      ? tlsConnect({
          host: target.address,
          port: target.port,
          servername: isIP(target.servername) ? undefined : target.servername,
        })
      : netConnect({ host: target.address, port: target.port });
    const ready = target.tls ? 'secureConnect' : 'connect';
    socket.once(ready, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });

function fail(code: FetchErrorCode, message: string): FetchFailure {
  return { ok: false, code, message };
}

/** Resolves and checks a host; the first allowed address is the one connected to. */
async function checkedAddress(
  url: URL,
  policy: FetchPolicy,
): Promise<{ ok: true; address: ResolvedAddress } | { ok: false; result: FetchFailure }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: ResolvedAddress[];
  const literal = isIP(host);
  if (literal !== 0) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await policy.resolve(host);
    } catch (error) {
      return {
        ok: false,
        result: fail('DNS_FAILED', `could not resolve ${host}: ${(error as Error).message}`),
      };
    }
  }
  if (addresses.length === 0) return { ok: false, result: fail('DNS_FAILED', `${host} has no addresses`) };
  const loopbackAllowed = policy.allowLoopback || (policy.allowedLoopbackOrigins?.has(url.origin) ?? false);
  const refused = addresses.find(
    (entry) => !(isPublicAddress(entry.address) || (loopbackAllowed && isLoopbackAddress(entry.address))),
  );
  if (refused) {
    const via = literal !== 0 ? '' : ` (${host} resolves to it)`;
    return {
      ok: false,
      result: fail('BLOCKED_ADDRESS', `refused to connect to non-public address ${refused.address}${via}`),
    };
  }
  const [first] = addresses;
  if (!first) return { ok: false, result: fail('DNS_FAILED', `${host} has no addresses`) };
  return { ok: true, address: first };
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Fetches a page as text: see fetchBytesSafely. */
export async function fetchSafely(rawUrl: string, policy: FetchPolicy): Promise<FetchResult> {
  const fetched = await fetchBytesSafely(rawUrl, policy);
  return fetched.ok ? { ...fetched, body: fetched.body.toString('utf8') } : fetched;
}

/** GET under the policy: checked addresses only, every redirect hop re-checked, size and time capped. */
export async function fetchBytesSafely(
  rawUrl: string,
  policy: FetchPolicy,
  accept = 'text/html,application/xhtml+xml',
): Promise<FetchBytesResult> {
  const signal = AbortSignal.timeout(policy.timeoutMs);
  let current: URL;
  try {
    current = new URL(rawUrl);
  } catch {
    return fail('UNSUPPORTED_URL', 'not a valid URL');
  }
  for (let hop = 0; hop <= policy.maxRedirects; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      return fail('UNSUPPORTED_URL', `only http and https URLs are fetched, not ${current.protocol}`);
    }
    if (current.username || current.password)
      return fail('UNSUPPORTED_URL', 'URLs with credentials are not fetched');
    const checked = await checkedAddress(current, policy);
    if (!checked.ok) return checked.result;
    const target = checked.address;
    const isTls = current.protocol === 'https:';
    const servername = current.hostname.replace(/^\[|\]$/g, '');
    const agent = new Agent({
      connections: 1,
      connect: (options, callback) => {
        policy
          .connect({
            address: target.address,
            family: target.family,
            port: Number(options.port) || (isTls ? 443 : 80),
            tls: isTls,
            servername,
          })
          .then(
            (socket) => callback(null, socket),
            (error: Error) => callback(error, null),
          );
      },
    });
    try {
      const response = await request(current, {
        dispatcher: agent,
        method: 'GET',
        headers: { 'user-agent': policy.userAgent, accept },
        signal,
        headersTimeout: policy.timeoutMs,
        bodyTimeout: policy.timeoutMs,
      });
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && location) {
        await response.body.dump();
        current = new URL(Array.isArray(location) ? (location[0] ?? '') : location, current);
        continue;
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        return fail('HTTP_ERROR', `the page answered HTTP ${response.statusCode}`);
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > policy.maxBytes) {
        response.body.destroy();
        return fail('TOO_LARGE', `the page is larger than ${policy.maxBytes} bytes`);
      }
      const body = await readCapped(response.body, policy.maxBytes);
      if (!body) return fail('TOO_LARGE', `the page is larger than ${policy.maxBytes} bytes`);
      const contentType = response.headers['content-type'];
      return {
        ok: true,
        url: current.href,
        status: response.statusCode,
        contentType: Array.isArray(contentType) ? contentType[0] : contentType,
        body,
      };
    } catch (error) {
      if (signal.aborted) return fail('TIMEOUT', `no complete answer within ${policy.timeoutMs} ms`);
      return fail('FETCH_FAILED', `could not fetch the page: ${(error as Error).message}`);
    } finally {
      await agent.destroy().catch(() => {});
    }
  }
  return fail('TOO_MANY_REDIRECTS', `more than ${policy.maxRedirects} redirects`);
}
