/**
 * `@cartwatch/service-kit/safe-http`, apart from the package's index: undici costs about 7 MiB of memory
 * in a process that loads it, and only the gateway and price-watch call out to users' URLs. Even there it
 * is loaded by the first request, not at start (a gateway without webhooks or push never loads it).
 *
 * The one outbound HTTP client for URLs a user gave (price-watch's product pages, the gateway's webhooks
 * and web push endpoints), safe against SSRF: http/https only, no credentials in URLs; every address a
 * host name resolves to must be public (address-policy.ts); the connection goes to the address that was
 * checked (the connector dials it, so the HTTP client never does a second DNS lookup to rebind); every
 * redirect hop is checked the same way (or redirects are not followed at all); response size and total
 * time are capped. Built on undici. Resolver and connector are injectable, so tests never dial anything
 * but loopback; loopback itself is let through only when an option says so (tests, listed dev origins).
 */
import { lookup } from 'node:dns/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isLoopbackAddress, isPublicAddress } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;
/** Where the connector must connect: the checked address, with the URL's host name kept for TLS (SNI). */
export interface ConnectTarget {
  address: string;
  family: 4 | 6;
  port: number;
  tls: boolean;
  servername: string;
}
export type Connector = (target: ConnectTarget) => Promise<Socket>;

/** How names are resolved and checked addresses are dialed: the system's, or a test's doubles. */
export interface OutboundTransport {
  resolve: Resolver;
  connect: Connector;
}

export interface SafeHttpPolicy extends OutboundTransport {
  /** Tests only: loopback addresses (127.0.0.0/8, ::1) count as allowed. Never set in production. */
  allowLoopback: boolean;
  /**
   * Development and tests only: origins (`http://127.0.0.1:8087`) whose loopback addresses are let
   * through; any other loopback URL stays refused.
   */
  allowedLoopbackOrigins?: ReadonlySet<string> | undefined;
  /** The most bytes of a response body read; more is TOO_LARGE. */
  maxBytes: number;
  /** The whole exchange, every redirect hop included. */
  timeoutMs: number;
  /** Redirects followed (each re-checked); one more is TOO_MANY_REDIRECTS. */
  maxRedirects: number;
  /** false: a 3xx answer is the answer (push endpoints). Default true. */
  followRedirects?: boolean | undefined;
  /** false: the body is discarded, never read (a webhook's answer). Default true. */
  readBody?: boolean | undefined;
  /**
   * The caller's own rule for which URLs it may call, applied to the first URL and every redirect hop
   * before anything is resolved: a reason refuses the URL (REFUSED_URL, with the reason as message).
   */
  vetUrl?: ((url: URL) => string | undefined) | undefined;
}

export interface SafeRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | undefined;
  headers?: Record<string, string> | undefined;
  /** Sent unchanged on every hop (redirects keep the method and body). */
  body?: string | Buffer | undefined;
}

export type SafeHttpErrorCode =
  | 'UNSUPPORTED_URL'
  | 'REFUSED_URL'
  | 'BLOCKED_ADDRESS'
  | 'DNS_FAILED'
  | 'TOO_MANY_REDIRECTS'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'FETCH_FAILED';

export interface SafeHttpFailure {
  ok: false;
  code: SafeHttpErrorCode;
  message: string;
  /** The host of the hop that failed, when there was one. */
  host?: string | undefined;
  /** The resolver's or the connection's error (DNS_FAILED, FETCH_FAILED). */
  cause?: unknown;
}

export interface SafeHttpResponse {
  ok: true;
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  contentType: string | undefined;
  /** The body of a 2xx answer (empty for other statuses, and when readBody is false). */
  body: Buffer;
}

export type SafeHttpResult = SafeHttpResponse | SafeHttpFailure;

export const systemResolver: Resolver = async (hostname) => {
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  return addresses.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

/** Dials exactly the target's address (TLS with the URL's host name as SNI). */
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

export const systemTransport: OutboundTransport = { resolve: systemResolver, connect: directConnector };

function fail(
  code: SafeHttpErrorCode,
  message: string,
  extra: { host?: string; cause?: unknown } = {},
): SafeHttpFailure {
  return { ok: false, code, message, ...extra };
}

/** Resolves and checks a host; every address must be allowed, the first is the one connected to. */
async function checkedAddress(
  url: URL,
  policy: SafeHttpPolicy,
): Promise<{ ok: true; address: ResolvedAddress } | SafeHttpFailure> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: ResolvedAddress[];
  const literal = isIP(host);
  if (literal !== 0) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await policy.resolve(host);
    } catch (error) {
      return fail('DNS_FAILED', `could not resolve ${host}: ${(error as Error).message}`, {
        host,
        cause: error,
      });
    }
  }
  const [first] = addresses;
  if (!first) return fail('DNS_FAILED', `${host} has no addresses`, { host });
  const loopbackAllowed = policy.allowLoopback || (policy.allowedLoopbackOrigins?.has(url.origin) ?? false);
  // Every answer must be allowed: otherwise a later connection could pick the private one.
  const refused = addresses.find(
    (entry) => !(isPublicAddress(entry.address) || (loopbackAllowed && isLoopbackAddress(entry.address))),
  );
  if (refused) {
    const via = literal !== 0 ? '' : ` (${host} resolves to it)`;
    return fail('BLOCKED_ADDRESS', `refused to connect to non-public address ${refused.address}${via}`, {
      host,
    });
  }
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

/** One exchange under the policy: checked addresses only, every redirect hop re-checked, size and time capped. */
export async function safeRequest(request: SafeRequest, policy: SafeHttpPolicy): Promise<SafeHttpResult> {
  const signal = AbortSignal.timeout(policy.timeoutMs);
  const method = request.method ?? 'GET';
  let current: URL;
  try {
    current = new URL(request.url);
  } catch {
    return fail('UNSUPPORTED_URL', 'not a valid URL');
  }
  const { Agent, request: undiciRequest } = await import('undici');
  for (let hop = 0; hop <= policy.maxRedirects; hop++) {
    const refusal = policy.vetUrl?.(current);
    if (refusal !== undefined) return fail('REFUSED_URL', refusal, { host: current.hostname });
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      return fail('UNSUPPORTED_URL', `only http and https URLs are fetched, not ${current.protocol}`);
    }
    if (current.username || current.password)
      return fail('UNSUPPORTED_URL', 'URLs with credentials are not fetched');
    const checked = await checkedAddress(current, policy);
    if (!checked.ok) return checked;
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
      const response = await undiciRequest(current, {
        dispatcher: agent,
        method,
        headers: request.headers ?? {},
        body: request.body ?? null,
        signal,
        headersTimeout: policy.timeoutMs,
        bodyTimeout: policy.timeoutMs,
      });
      const location = response.headers.location;
      const redirect = response.statusCode >= 300 && response.statusCode < 400 && location;
      if (redirect && policy.followRedirects !== false) {
        await response.body.dump();
        current = new URL(Array.isArray(location) ? (location[0] ?? '') : location, current);
        continue;
      }
      const contentType = response.headers['content-type'];
      const answer = {
        ok: true as const,
        url: current.href,
        status: response.statusCode,
        contentType: Array.isArray(contentType) ? contentType[0] : contentType,
      };
      if (response.statusCode < 200 || response.statusCode >= 300 || policy.readBody === false) {
        await response.body.dump();
        return { ...answer, body: Buffer.alloc(0) };
      }
      const tooLarge = () =>
        fail('TOO_LARGE', `the page is larger than ${policy.maxBytes} bytes`, { host: servername });
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > policy.maxBytes) {
        response.body.destroy();
        return tooLarge();
      }
      const body = await readCapped(response.body, policy.maxBytes);
      if (!body) return tooLarge();
      return { ...answer, body };
    } catch (error) {
      // undici's own per-hop timeouts equal the total one: whichever fires first, it is a timeout.
      const code = (error as { code?: unknown } | undefined)?.code;
      if (signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
        return fail('TIMEOUT', `no complete answer within ${policy.timeoutMs} ms`, {
          host: servername,
          cause: error,
        });
      return fail('FETCH_FAILED', `could not fetch the page: ${(error as Error).message}`, {
        host: servername,
        cause: error,
      });
    } finally {
      await agent.destroy().catch(() => {});
    }
  }
  return fail('TOO_MANY_REDIRECTS', `more than ${policy.maxRedirects} redirects`, {
    host: current.hostname,
  });
}
