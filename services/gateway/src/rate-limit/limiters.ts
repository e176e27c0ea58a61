/**
 * The gateway's rate limits (service-kit createRateLimiter: shared through Redis when REDIS_URL is set,
 * in memory otherwise, an in-memory insurance limiter during a Redis outage). The per-request limits (ip, user, device) take their points from Redis in
 * leases (leased-limiter.ts), so a proxied request rarely waits for Redis.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@cartwatch/service-kit';
import { createRateLimiter, retryAfterSeconds } from '@cartwatch/service-kit/rate-limits';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { LeasedLimiter } from './leased-limiter.js';

export interface LimiterConfig {
  RATE_LIMIT_KEY_PREFIX: string;
  RATE_LIMIT_IP_PER_MINUTE: number;
  RATE_LIMIT_USER_PER_MINUTE: number;
  RATE_LIMIT_DEVICE_PER_MINUTE: number;
  RATE_LIMIT_DEVICE_IP_PER_MINUTE: number;
  AUTH_IP_PER_15_MINUTES: number;
  AUTH_REGISTER_PER_HOUR: number;
  AUTH_REFRESH_PER_MINUTE: number;
  AUTH_ACCOUNT_MAX_FAILURES: number;
  AUTH_LOCKOUT_SECONDS: number;
  AUTH_SLOWDOWN_AFTER_FAILURES: number;
}

const DAY_SECONDS = 24 * 3600;
const SLOWDOWN_CAP_MS = 3000;

/** Takes one point of `key`; rejects with a RateLimiterRes when none is left. */
export interface PointLimiter {
  consume(key: string): Promise<unknown>;
}

export interface Limiters {
  ip: PointLimiter;
  /** Every request of a signed-in user: proxied routes and the gateway's own. */
  user: PointLimiter;
  /** Per presented device key on /device/*. */
  device: PointLimiter;
  /** Per client IP on /device/*, checked before the key (bogus keys are each a fresh key bucket). */
  deviceIp: PointLimiter;
  /** Credential attempts per IP. */
  authIp: RateLimiterAbstract;
  /** Registrations per IP (registration says whether an address is taken: keep asking expensive). */
  register: RateLimiterAbstract;
  /** Refreshes per session (refresh-token family), not per IP: clients behind one address don't share. */
  refresh: RateLimiterAbstract;
  /** Consecutive failures per account and client; that client is blocked for a growing time once exceeded. */
  accountFailures: RateLimiterAbstract;
  /** How many lockouts an account and client had in the last day (each doubles the next). */
  accountLockouts: RateLimiterAbstract;
  /** Failures per account from every client in 15 minutes: past a threshold, attempts are slowed down. */
  accountFailuresGlobal: RateLimiterAbstract;
}

export function createLimiters(config: LimiterConfig, redis: Redis | undefined): Limiters {
  const make = (name: string, points: number, durationSeconds: number): RateLimiterAbstract =>
    createRateLimiter({
      keyPrefix: `${config.RATE_LIMIT_KEY_PREFIX}:${name}`,
      points,
      durationSeconds,
      redis,
    });
  const perRequest = (name: string, points: number): PointLimiter => {
    const limiter = make(name, points, 60);
    return redis ? new LeasedLimiter(limiter) : limiter;
  };
  return {
    ip: perRequest('ip', config.RATE_LIMIT_IP_PER_MINUTE),
    user: perRequest('user', config.RATE_LIMIT_USER_PER_MINUTE),
    device: perRequest('device', config.RATE_LIMIT_DEVICE_PER_MINUTE),
    deviceIp: perRequest('device-ip', config.RATE_LIMIT_DEVICE_IP_PER_MINUTE),
    authIp: make('auth-ip', config.AUTH_IP_PER_15_MINUTES, 15 * 60),
    register: make('auth-register', config.AUTH_REGISTER_PER_HOUR, 3600),
    refresh: make('auth-refresh', config.AUTH_REFRESH_PER_MINUTE, 60),
    accountFailures: make('auth-account', config.AUTH_ACCOUNT_MAX_FAILURES, DAY_SECONDS),
    accountLockouts: make('auth-lockouts', 1000, DAY_SECONDS),
    accountFailuresGlobal: make('auth-account-all', 1_000_000, 15 * 60),
  };
}

/**
 * Lockout that protects an account without letting a stranger lock its owner out (docs/security.md):
 * - per account *and client IP*: `AUTH_ACCOUNT_MAX_FAILURES` consecutive failures from one client lock
 *   that client out of that account for `AUTH_LOCKOUT_SECONDS`, doubled for each earlier lockout that day
 *   (cap 24 h); the owner signing in from elsewhere is not affected. Checked before any password hashing;
 *   a success from the client clears its count.
 * - per account from every client: past `AUTH_SLOWDOWN_AFTER_FAILURES` failures in 15 minutes, each
 *   attempt on the account waits first (100 ms doubling per further failure, at most 3 s), which makes a
 *   distributed guessing run slow without refusing anyone.
 * The per-IP credential limit (`AUTH_IP_PER_15_MINUTES`) bounds what one client tries across accounts.
 */
export class AccountLockout {
  constructor(
    private readonly limiters: Pick<
      Limiters,
      'accountFailures' | 'accountLockouts' | 'accountFailuresGlobal'
    >,
    private readonly config: Pick<
      LimiterConfig,
      'AUTH_ACCOUNT_MAX_FAILURES' | 'AUTH_LOCKOUT_SECONDS' | 'AUTH_SLOWDOWN_AFTER_FAILURES'
    >,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {}

  private static key(account: string, client: string | undefined): string {
    return `${account}|${client ?? 'unknown'}`;
  }

  /** How long an attempt on the account waits first, from the failures of every client (ms). */
  async slowdownMs(account: string): Promise<number> {
    const state = await this.limiters.accountFailuresGlobal.get(account);
    const excess = (state?.consumedPoints ?? 0) - this.config.AUTH_SLOWDOWN_AFTER_FAILURES;
    return excess <= 0 ? 0 : Math.min(100 * 2 ** Math.min(excess - 1, 5), SLOWDOWN_CAP_MS);
  }

  async assertNotLocked(account: string, client: string | undefined): Promise<void> {
    const state = await this.limiters.accountFailures.get(AccountLockout.key(account, client));
    if (state && state.consumedPoints > this.config.AUTH_ACCOUNT_MAX_FAILURES) {
      throw AppError.rateLimited(retryAfterSeconds(state), 'too many failed attempts; try again later');
    }
    const delay = await this.slowdownMs(account);
    if (delay > 0) await this.wait(delay);
  }

  async recordFailure(account: string, client: string | undefined): Promise<void> {
    const key = AccountLockout.key(account, client);
    await this.limiters.accountFailuresGlobal.penalty(account, 1);
    let state: RateLimiterRes;
    try {
      state = await this.limiters.accountFailures.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      state = rejection;
    }
    if (state.consumedPoints >= this.config.AUTH_ACCOUNT_MAX_FAILURES) {
      const lockouts = await this.limiters.accountLockouts.penalty(key, 1);
      const seconds = Math.min(
        this.config.AUTH_LOCKOUT_SECONDS * 2 ** Math.max(0, lockouts.consumedPoints - 1),
        DAY_SECONDS,
      );
      await this.limiters.accountFailures.block(key, seconds);
    }
  }

  async recordSuccess(account: string, client: string | undefined): Promise<void> {
    await this.limiters.accountFailures.delete(AccountLockout.key(account, client));
  }
}
