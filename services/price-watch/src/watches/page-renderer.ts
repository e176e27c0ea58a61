/**
 * Renders script-built product pages in Debian Chromium (playwright-core) without letting the browser
 * reach the network by itself (docs/price-watch.md, "Rendering script-built pages"):
 * - the page URL is fetched first by fetchBytesSafely under the address policy (redirects re-checked);
 *   a refused page never starts a browser;
 * - every request the page makes is intercepted (`page.route('**\/*')`) and answered by the same
 *   fetcher with the same resolver, connector and policy; a refused request is aborted and recorded;
 * - Chromium's proxy is a loopback sink of ours, so a connection it opens outside interception
 *   (WebSocket, preconnect, its own background services) only reaches the sink, which records the
 *   target and closes; the browser resolves no names itself (`--host-resolver-rules`);
 * - service workers are blocked (they would bypass interception); images, media and fonts are skipped;
 * - one deadline for the whole render, a request budget and the fetcher's size cap per response.
 */
import { createServer, type Socket } from 'node:net';
import { headlessChromiumArgs } from '@cartwatch/service-kit';
import type { Browser, Page, Route } from 'playwright-core';
import { type FetchPolicy, fetchBytesSafely } from './safe-fetch.js';

export interface RenderPolicy {
  /** The Chromium binary (Debian: /usr/bin/chromium). */
  chromiumPath: string;
  /** The whole render: browser start, page, subresources, scripts. */
  timeoutMs: number;
  /** Subresource requests one page may make; later ones are refused. */
  maxRequests: number;
}

export interface BlockedRequest {
  url: string;
  code: string;
  message: string;
}

export type RenderResult =
  | { ok: true; url: string; html: string; blockedRequests: BlockedRequest[] }
  | { ok: false; code: string; message: string; blockedRequests: BlockedRequest[] };

/** Not needed to read a price, and the bulk of a page's bytes. */
const SKIPPED_RESOURCE_TYPES = new Set(['image', 'media', 'font']);
const MAX_RECORDED = 50;
const CHROMIUM_ARGS = [
  ...headlessChromiumArgs,
  '--proxy-bypass-list=<-loopback>',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/**
 * Chromium's own calls (component updates, Google sign-in of the Debian build) also end in the sink;
 * they are refused like any other but not recorded as the page's requests.
 */
const BROWSER_SERVICE_HOST = /(^|\.)(google\.com|googleapis\.com|gvt1\.com|gstatic\.com)$/;

function targetHost(target: string): string {
  const authority = target.includes('://') ? new URL(target).host : target;
  return authority.replace(/:\d+$/, '').toLowerCase();
}

interface Sink {
  port: number;
  close(): Promise<void>;
}

/** A loopback "proxy" that forwards nothing: it records what the browser asked for, then hangs up. */
async function startSink(record: (target: string) => void): Promise<Sink> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('data', (chunk) => {
      // "CONNECT host:443 HTTP/1.1" or "GET http://host/path HTTP/1.1"
      const [method, target] = (chunk.toString('latin1').split('\r\n')[0] ?? '').split(' ');
      try {
        if (method && target && !BROWSER_SERVICE_HOST.test(targetHost(target))) record(`${method} ${target}`);
      } catch {
        // not a request line: nothing to record
      }
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function renderPage(
  url: string,
  fetchPolicy: FetchPolicy,
  policy: RenderPolicy,
): Promise<RenderResult> {
  const deadline = Date.now() + policy.timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const policyWithin = () => ({ ...fetchPolicy, timeoutMs: Math.min(fetchPolicy.timeoutMs, remaining()) });
  const blockedRequests: BlockedRequest[] = [];
  const record = (entry: BlockedRequest) => {
    if (blockedRequests.length < MAX_RECORDED) blockedRequests.push(entry);
  };

  const main = await fetchBytesSafely(url, policyWithin());
  if (!main.ok) return { ...main, blockedRequests };

  const sink = await startSink((target) =>
    record({
      url: target,
      code: 'DIRECT_CONNECTION',
      message: 'the browser tried to connect by itself; only the loopback sink answered',
    }),
  );
  let browser: Browser | undefined;
  try {
    try {
      // Loaded on first use: playwright-core is large, and most processes never render.
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: policy.chromiumPath,
        args: [...CHROMIUM_ARGS, `--proxy-server=http://127.0.0.1:${sink.port}`],
        timeout: remaining(),
      });
    } catch (error) {
      return {
        ok: false,
        code: 'RENDER_FAILED',
        message: `could not start Chromium at ${policy.chromiumPath}: ${(error as Error).message.split('\n')[0]}`,
        blockedRequests,
      };
    }
    const context = await browser.newContext({
      serviceWorkers: 'block',
      userAgent: fetchPolicy.userAgent,
      acceptDownloads: false,
    });
    const page = await context.newPage();
    let requests = 0;
    let mainServed = false;

    const answer = async (route: Route): Promise<void> => {
      const request = route.request();
      const target = request.url();
      if (!mainServed && target === main.url && isMainNavigation(page, route)) {
        mainServed = true;
        return route.fulfill({ status: main.status, contentType: main.contentType, body: main.body });
      }
      if (SKIPPED_RESOURCE_TYPES.has(request.resourceType())) return route.abort('blockedbyclient');
      if (request.method() !== 'GET') {
        record({
          url: target,
          code: 'METHOD_NOT_ALLOWED',
          message: `only GET requests are made, not ${request.method()}`,
        });
        return route.abort('blockedbyclient');
      }
      requests += 1;
      if (requests > policy.maxRequests) {
        record({
          url: target,
          code: 'TOO_MANY_REQUESTS',
          message: `more than ${policy.maxRequests} requests`,
        });
        return route.abort('blockedbyclient');
      }
      const fetched = await fetchBytesSafely(target, policyWithin(), request.headers().accept ?? '*/*');
      if (!fetched.ok) {
        record({ url: target, code: fetched.code, message: fetched.message });
        return route.abort(fetched.code === 'BLOCKED_ADDRESS' ? 'blockedbyclient' : 'failed');
      }
      return route.fulfill({ status: fetched.status, contentType: fetched.contentType, body: fetched.body });
    };
    // A route call can fail only once the page is gone (deadline reached): nothing is left to answer.
    await page.route('**/*', (route) => answer(route).catch(() => {}));

    try {
      await page.goto(main.url, { waitUntil: 'load', timeout: remaining() });
      // Scripts often fill the price from a request made after load; polling pages never go idle.
      await page.waitForLoadState('networkidle', { timeout: Math.min(remaining(), 3_000) }).catch(() => {});
      const html = await page.content();
      if (Buffer.byteLength(html) > fetchPolicy.maxBytes) {
        return {
          ok: false,
          code: 'TOO_LARGE',
          message: `the rendered page is larger than ${fetchPolicy.maxBytes} bytes`,
          blockedRequests,
        };
      }
      return { ok: true, url: page.url(), html, blockedRequests };
    } catch (error) {
      if (Date.now() >= deadline) {
        return {
          ok: false,
          code: 'TIMEOUT',
          message: `the page did not render within ${policy.timeoutMs} ms`,
          blockedRequests,
        };
      }
      return {
        ok: false,
        code: 'RENDER_FAILED',
        message: `could not render the page: ${(error as Error).message.split('\n')[0]}`,
        blockedRequests,
      };
    }
  } finally {
    await browser?.close().catch(() => {});
    await sink.close();
  }
}

function isMainNavigation(page: Page, route: Route): boolean {
  const request = route.request();
  return request.isNavigationRequest() && request.frame() === page.mainFrame();
}
