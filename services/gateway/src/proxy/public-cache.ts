/**
 * The one cache of the public endpoints (`/public/*`, route auth `public`; docs/gateway.md, "Public
 * cache"): anonymous GET answers are kept in Redis (shared by the replicas; an in-memory LRU without
 * REDIS_URL) for PUBLIC_CACHE_TTL_SECONDS, keyed by path and query, and served with
 * `Cache-Control: public, no-cache` (clients and shared caches revalidate every time, so nothing outside
 * the gateway holds an answer), a strong `ETag` (SHA-256 of the body), `304` for a matching
 * `If-None-Match`, and `X-Cache: HIT|MISS`. The services keep no cache of their own: after a change they
 * call `POST /internal/public-cache/purge` (public-cache.routes.ts), which drops every answer under that
 * route at once.
 *
 * Only anonymous requests use the cache. A public route still forwards a valid token as identity, and the
 * service may answer a signed-in user differently, so a request with an Authorization header bypasses
 * it (`X-Cache: BYPASS`): an answer made for one user is never stored or served to anyone else.
 * Only 200 answers up to MAX_BODY_BYTES are stored, never ones with `Set-Cookie` or with
 * `Cache-Control: no-store|private`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteEntry } from '@cartwatch/common-types';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';

export interface CachedResponse {
  headers: Record<string, string>;
  /** base64 */
  body: string;
  etag: string;
  /** When it was stored (epoch ms). */
  storedAt: number;
}

export interface PublicCacheStore {
  get(key: string): Promise<CachedResponse | undefined>;
  /** Stores `entry` under `key` (a path and query) of the public route `route` (its prefix). */
  set(key: string, entry: CachedResponse, ttlMs: number, route: string): Promise<void>;
  /** Drops every answer stored under the public route `route`. */
  purge(route: string): Promise<void>;
}

/**
 * Answers under `<prefix><path?query>`; each route's keys are also listed in the set
 * `<prefix>route:<route prefix>`, so a purge deletes exactly them without scanning the keyspace.
 */
export class RedisCacheStore implements PublicCacheStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private routeIndex(route: string): string {
    return `${this.prefix}route:${route}`;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const value = await this.redis.get(`${this.prefix}${key}`);
    return value === null ? undefined : (JSON.parse(value) as CachedResponse);
  }

  async set(key: string, entry: CachedResponse, ttlMs: number, route: string): Promise<void> {
    const index = this.routeIndex(route);
    // The index outlives its newest entry by nothing: it expires with the last answer it lists.
    await this.redis
      .multi()
      .set(`${this.prefix}${key}`, JSON.stringify(entry), 'PX', ttlMs)
      .sadd(index, key)
      .pexpire(index, ttlMs)
      .exec();
  }

  async purge(route: string): Promise<void> {
    const index = this.routeIndex(route);
    const keys = await this.redis.smembers(index);
    await this.redis.del(index, ...keys.map((key) => `${this.prefix}${key}`));
  }
}

/** One replica's cache: at most 1,000 answers and 32 MiB, least recently used dropped first. */
export class MemoryCacheStore implements PublicCacheStore {
  private readonly entries = new LRUCache<string, CachedResponse>({
    max: 1_000,
    maxSize: 32 * 1024 * 1024,
    sizeCalculation: (entry) => entry.body.length + 256,
  });

  async get(key: string): Promise<CachedResponse | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, entry: CachedResponse): Promise<void> {
    this.entries.set(key, entry);
  }

  async purge(route: string): Promise<void> {
    for (const key of [...this.entries.keys()]) if (underRoute(key, route)) this.entries.delete(key);
  }
}

/** `key` (a path and query) is `route` or below it, on whole segments. */
function underRoute(key: string, route: string): boolean {
  const path = key.split('?', 1)[0] ?? '';
  return path === route || path.startsWith(`${route}/`);
}

/** Larger answers are passed through, not stored. */
export const MAX_BODY_BYTES = 512 * 1024;
/** Upstream headers a cached answer keeps (the rest are per-response or hop-by-hop). */
const STORED_HEADERS = ['content-type', 'content-language', 'content-encoding'];
/** Hop-by-hop headers, never copied from the upstream answer. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

export class PublicCache {
  /** The client's If-None-Match of a miss: kept here, not sent on, so the service answers in full. */
  private readonly conditionals = new WeakMap<IncomingMessage, string | undefined>();
  /** The public route (prefix) of each miss in flight: its answer is stored under that route. */
  private readonly routes = new WeakMap<IncomingMessage, string>();

  constructor(
    private readonly store: PublicCacheStore,
    private readonly options: { ttlSeconds: number; logger: Logger; now?: () => number },
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** GETs of public routes (an identified one then bypasses the cache). */
  handles(route: RouteEntry, req: IncomingMessage): boolean {
    return route.auth === 'public' && req.method === 'GET';
  }

  /** True when the request must not use the cache (it carries an identity). */
  bypasses(req: IncomingMessage): boolean {
    return req.headers.authorization !== undefined;
  }

  /** The fresh stored answer for this path and query, if any; a store failure counts as a miss. */
  async lookup(req: IncomingMessage): Promise<CachedResponse | undefined> {
    try {
      const entry = await this.store.get(req.url ?? '');
      if (entry && this.now() - entry.storedAt < this.options.ttlSeconds * 1000) return entry;
    } catch (error) {
      this.options.logger.debug({ err: error }, 'public cache read failed; asking the service');
    }
    return undefined;
  }

  /** Drops every stored answer of the public route `route` (a route-table prefix); store errors propagate. */
  async purge(route: string): Promise<void> {
    await this.store.purge(route);
  }

  /** Before asking the service about a miss: takes the client's conditional headers off the request. */
  prepareMiss(req: IncomingMessage, route: RouteEntry): void {
    this.routes.set(req, route.prefix);
    this.conditionals.set(req, req.headers['if-none-match']);
    delete req.headers['if-none-match'];
    delete req.headers['if-modified-since'];
  }

  /** Answers from a stored entry (or 304 when the client has it). */
  send(req: IncomingMessage, res: ServerResponse, entry: CachedResponse, outcome: 'HIT' | 'MISS'): void {
    // Revalidate every time (a 304 is cheap): a purged answer is gone for every client at once.
    res.setHeader('cache-control', 'public, no-cache');
    res.setHeader('etag', entry.etag);
    res.setHeader('x-cache', outcome);
    const ifNoneMatch = this.conditionals.has(req)
      ? this.conditionals.get(req)
      : req.headers['if-none-match'];
    if (etagMatches(ifNoneMatch, entry.etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    const body = Buffer.from(entry.body, 'base64');
    for (const [name, value] of Object.entries(entry.headers)) res.setHeader(name, value);
    res.setHeader('content-length', body.length);
    res.statusCode = 200;
    res.end(body);
  }

  /** The service's answer to a miss: stored when it may be, then sent on. */
  fromUpstream(upstream: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    upstream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    upstream.on('error', () => res.destroy());
    upstream.on('end', () => {
      const body = Buffer.concat(chunks, size);
      const cacheControl = String(upstream.headers['cache-control'] ?? '');
      const storable =
        upstream.statusCode === 200 &&
        size <= MAX_BODY_BYTES &&
        upstream.headers['set-cookie'] === undefined &&
        !/\b(no-store|private)\b/i.test(cacheControl);
      if (!storable) {
        this.passThrough(upstream, res, body);
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of STORED_HEADERS) {
        const value = upstream.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const entry: CachedResponse = {
        headers,
        body: body.toString('base64'),
        etag: `"${createHash('sha256').update(body).digest('base64url')}"`,
        storedAt: this.now(),
      };
      const route = this.routes.get(req) ?? req.url ?? '';
      this.store.set(req.url ?? '', entry, this.options.ttlSeconds * 1000, route).catch((error: unknown) => {
        this.options.logger.debug({ err: error }, 'public cache write failed');
      });
      this.send(req, res, entry, 'MISS');
    });
  }

  private passThrough(upstream: IncomingMessage, res: ServerResponse, body: Buffer): void {
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length')
        res.setHeader(name, value);
    }
    res.setHeader('x-cache', 'MISS');
    res.setHeader('content-length', body.length);
    res.statusCode = upstream.statusCode ?? 502;
    res.end(body);
  }
}
