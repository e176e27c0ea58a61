/**
 * Ended sessions, known to every gateway replica within moments, so that an access token of a session
 * that was logged out, revoked or deleted stops working on every route at once instead of living until
 * it expires (up to ACCESS_TOKEN_TTL_SECONDS).
 *
 * Each replica keeps the ended session ids in memory and checks a request against them with a map
 * lookup: no Redis round trip on the request path. With Redis, an ending is written to a sorted set
 * (member = session id, score = when its last access token expires) and announced on a pub/sub channel;
 * every replica applies the announcement as it arrives and reloads the whole set whenever its
 * subscription (re)connects, so a replica that missed announcements while disconnected catches up.
 * An entry is kept for one access-token lifetime: after that, every token of the session has expired
 * and the refresh token was revoked in the database with the session.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface SessionRevocationOptions {
  /** Shared state; without it the list is this process's only (correct for one replica). */
  redis?: Redis | undefined;
  keyPrefix: string;
  /** How long an ended session must be remembered: the access-token lifetime. */
  ttlSeconds: number;
  logger: Logger;
  now?: () => number;
}

type Listener = (sessionIds: readonly string[]) => void;

const PRUNE_EVERY_MS = 60_000;

export class SessionRevocations {
  /** session id -> when its last access token expires (ms). */
  private readonly ended = new Map<string, number>();
  private readonly listeners = new Set<Listener>();
  private readonly setKey: string;
  private readonly channel: string;
  private readonly now: () => number;
  private subscriber: Redis | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private started: Promise<void> | undefined;

  constructor(private readonly options: SessionRevocationOptions) {
    this.setKey = `${options.keyPrefix}:ended-sessions`;
    this.channel = `${options.keyPrefix}:ended-sessions`;
    this.now = options.now ?? Date.now;
  }

  /** Whether a token of this session must be refused. A map lookup: called on every request. */
  isEnded(sessionId: string): boolean {
    const until = this.ended.get(sessionId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.ended.delete(sessionId);
    return false;
  }

  /** Called with the ids of sessions that ended (here or on another replica), e.g. to close their streams. */
  onEnded(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Ends sessions everywhere. Call it after the database change committed. Applied locally at once;
   * a Redis failure is logged and the other replicas then learn it only on their next reload (the
   * sessions stay revoked in the database, so their refresh tokens are dead either way).
   */
  async end(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    const until = this.now() + this.options.ttlSeconds * 1000;
    this.apply(sessionIds, until);
    const { redis } = this.options;
    if (!redis) return;
    try {
      const members = sessionIds.flatMap((id) => [until, id] as const);
      await redis
        .multi()
        .zadd(this.setKey, ...members)
        .zremrangebyscore(this.setKey, '-inf', this.now())
        .pexpire(this.setKey, this.options.ttlSeconds * 1000)
        .publish(this.channel, JSON.stringify({ until, sessionIds }))
        .exec();
    } catch (error) {
      this.options.logger.error(
        { err: error, count: sessionIds.length },
        'could not share ended sessions through Redis; other gateway replicas learn them on their next reload',
      );
    }
  }

  /** Subscribes to endings from other replicas (idempotent); resolves once the first load is done. */
  start(): Promise<void> {
    this.started ??= this.subscribe();
    return this.started;
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.listeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private apply(sessionIds: readonly string[], until: number): void {
    const fresh: string[] = [];
    for (const id of sessionIds) {
      if ((this.ended.get(id) ?? 0) < until) {
        if (!this.ended.has(id)) fresh.push(id);
        this.ended.set(id, until);
      }
    }
    if (fresh.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(fresh);
      } catch (error) {
        this.options.logger.error({ err: error }, 'ended-session listener failed');
      }
    }
  }

  private prune(): void {
    const now = this.now();
    for (const [id, until] of this.ended) if (until <= now) this.ended.delete(id);
  }

  private async subscribe(): Promise<void> {
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    const { redis } = this.options;
    if (!redis) return;
    // A connection in subscriber mode can do nothing else: a dedicated one.
    const subscriber = redis.duplicate({ enableOfflineQueue: true, lazyConnect: true });
    this.subscriber = subscriber;
    subscriber.on('error', (error) =>
      this.options.logger.warn({ err: error }, 'redis error on the ended-sessions subscription'),
    );
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      try {
        const parsed = JSON.parse(message) as { until: number; sessionIds: string[] };
        this.apply(parsed.sessionIds, parsed.until);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'ignored a malformed ended-sessions message');
      }
    });
    // ioredis re-subscribes on reconnect and emits 'ready' each time: reload what was missed meanwhile.
    subscriber.on('ready', () => {
      this.reload().catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'could not reload ended sessions'),
      );
    });
    await subscriber.connect();
    await subscriber.subscribe(this.channel);
    await this.reload();
  }

  private async reload(): Promise<void> {
    const { redis } = this.options;
    if (!redis) return;
    const entries = await redis.zrangebyscore(this.setKey, this.now(), '+inf', 'WITHSCORES');
    const byUntil = new Map<number, string[]>();
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const until = Number(entries[i + 1]);
      const ids = byUntil.get(until) ?? [];
      ids.push(entries[i] as string);
      byUntil.set(until, ids);
    }
    for (const [until, ids] of byUntil) this.apply(ids, until);
  }
}
