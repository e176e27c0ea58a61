/**
 * Per-request limits without a Redis round trip per request. A replica takes points from the shared
 * (Redis) limiter in small leases - INCRBY n instead of n times INCR - and spends them locally until the
 * window the lease came from ends. Every point admitted was consumed in Redis first, so all replicas
 * together never admit more than the limit; a lease that overshoots the limit keeps only the points that
 * were still free. What a replica leased but did not spend before the window ends is lost: at most
 * `leaseSize - 1` points per key and replica, about 1 % of the limit (leases are 1 % of it). Once a key is
 * refused, the refusal is answered locally until its window ends.
 */
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';

interface Lease {
  /** Points leased and not yet spent. */
  remaining: number;
  /** End of the shared window the points came from (epoch ms). */
  expiresAt: number;
  /** Set when the window is used up: the shared limiter's refusal. */
  refusal?: RateLimiterRes;
  /** A lease being taken for this key; other requests of the key wait for it. */
  pending?: Promise<void>;
}

/** One lease is this share of the limit, at most MAX_LEASE points (1 = no batching for small limits). */
const LEASE_SHARE = 0.01;
const MAX_LEASE = 20;

export function leaseSizeFor(points: number): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(points * LEASE_SHARE)));
}

export class LeasedLimiter {
  private readonly leases = new Map<string, Lease>();
  private sweepAtSize = 10_000;

  constructor(
    private readonly shared: RateLimiterAbstract,
    readonly leaseSize = leaseSizeFor(shared.points),
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one point; rejects with a RateLimiterRes (as rate-limiter-flexible does) when none is left. */
  async consume(key: string): Promise<void> {
    for (;;) {
      const lease = this.leases.get(key);
      if (lease?.pending) {
        await lease.pending;
        continue;
      }
      const now = this.now();
      if (lease && lease.expiresAt > now) {
        if (lease.remaining > 0) {
          lease.remaining -= 1;
          return;
        }
        if (lease.refusal) {
          throw new RateLimiterRes(0, lease.expiresAt - now, lease.refusal.consumedPoints, false);
        }
      }
      await this.takeLease(key, now);
    }
  }

  private takeLease(key: string, now: number): Promise<void> {
    const size = this.leaseSize;
    const lease: Lease = { remaining: 0, expiresAt: 0 };
    lease.pending = this.shared.consume(key, size).then(
      (result) => {
        lease.remaining = size;
        lease.expiresAt = now + result.msBeforeNext;
      },
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) {
          this.leases.delete(key);
          throw rejection;
        }
        // The points that were free before this lease are still ours; the rest went over the limit.
        lease.remaining = Math.max(0, Math.min(size, this.shared.points - (rejection.consumedPoints - size)));
        lease.expiresAt = now + rejection.msBeforeNext;
        if (lease.remaining === 0) lease.refusal = rejection;
      },
    );
    lease.pending = lease.pending.finally(() => {
      delete lease.pending;
    });
    this.leases.set(key, lease);
    this.sweepWhenLarge(now);
    return lease.pending;
  }

  /** Forgets ended windows once the map has grown, so keys seen once do not stay forever. */
  private sweepWhenLarge(now: number): void {
    if (this.leases.size < this.sweepAtSize) return;
    for (const [key, lease] of this.leases) {
      if (!lease.pending && lease.expiresAt <= now) this.leases.delete(key);
    }
    this.sweepAtSize = Math.max(10_000, this.leases.size * 2);
  }
}
