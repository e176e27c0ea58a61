/**
 * Rate limits (rate-limiter-flexible): shared through Redis when REDIS_URL is set, in memory otherwise
 * (correct for one instance only). A Redis outage falls back to the in-memory insurance limiter rather
 * than failing requests. The per-request limits (ip, user, device) take their points from Redis in
 * leases (leased-limiter.ts), so a proxied request rarely waits for Redis.
 */
import { AppError } from '@cartwatch/service-kit';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { LeasedLimiter } from './leased-limiter.js';

export interface LimiterConfig {
  RATE_LIMIT_KEY_PREFIX: string;
  RATE_LIMIT_IP_PER_MINUTE: number;
  RATE_LIMIT_USER_PER_MINUTE: number;
  RATE_LIMIT_DEVICE_PER_MINUTE: number;
  AUTH_IP_PER_15_MINUTES: number;
  AUTH_ACCOUNT_MAX_FAILURES: number;
  AUTH_LOCKOUT_SECONDS: number;
}

const DAY_SECONDS = 24 * 3600;

/** Takes one point of `key`; rejects with a RateLimiterRes when none is left. */
export interface PointLimiter {
  consume(key: string): Promise<unknown>;
}

export interface Limiters {
  ip: PointLimiter;
  user: PointLimiter;
  device: PointLimiter;
  /** Credential attempts per IP. */
  authIp: RateLimiterAbstract;
  /** Consecutive failed logins per account; blocked for a growing time once exceeded. */
  accountFailures: RateLimiterAbstract;
  /** How many lockouts an account had in the last day (each doubles the next). */
  accountLockouts: RateLimiterAbstract;
}

export function createLimiters(config: LimiterConfig, redis: Redis | undefined): Limiters {
  const make = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const options = { keyPrefix: `${config.RATE_LIMIT_KEY_PREFIX}:${name}`, points, duration };
    if (!redis) return new RateLimiterMemory(options);
    return new RateLimiterRedis({
      ...options,
      storeClient: redis,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  };
  const perRequest = (name: string, points: number): PointLimiter => {
    const limiter = make(name, points, 60);
    return redis ? new LeasedLimiter(limiter) : limiter;
  };
  return {
    ip: perRequest('ip', config.RATE_LIMIT_IP_PER_MINUTE),
    user: perRequest('user', config.RATE_LIMIT_USER_PER_MINUTE),
    device: perRequest('device', config.RATE_LIMIT_DEVICE_PER_MINUTE),
    authIp: make('auth-ip', config.AUTH_IP_PER_15_MINUTES, 15 * 60),
    accountFailures: make('auth-account', config.AUTH_ACCOUNT_MAX_FAILURES, DAY_SECONDS),
    accountLockouts: make('auth-lockouts', 1000, DAY_SECONDS),
  };
}

function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** Takes one point or throws 429 RATE_LIMITED with the time until the next one. */
export async function consumeOrReject(limiter: PointLimiter, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw AppError.rateLimited(retryAfterSeconds(rejection));
    throw rejection;
  }
}

/**
 * Per-account lockout with growing duration: `AUTH_ACCOUNT_MAX_FAILURES` consecutive failures lock the
 * account for `AUTH_LOCKOUT_SECONDS`, doubled for each earlier lockout that day (cap 24 h). Checked
 * before any password hashing; a success clears the count.
 */
export class AccountLockout {
  constructor(
    private readonly limiters: Pick<Limiters, 'accountFailures' | 'accountLockouts'>,
    private readonly config: Pick<LimiterConfig, 'AUTH_ACCOUNT_MAX_FAILURES' | 'AUTH_LOCKOUT_SECONDS'>,
  ) {}

  async assertNotLocked(account: string): Promise<void> {
    const state = await this.limiters.accountFailures.get(account);
    if (state && state.consumedPoints > this.config.AUTH_ACCOUNT_MAX_FAILURES) {
      throw AppError.rateLimited(retryAfterSeconds(state), 'too many failed attempts; try again later');
    }
  }

  async recordFailure(account: string): Promise<void> {
    let state: RateLimiterRes;
    try {
      state = await this.limiters.accountFailures.consume(account);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      state = rejection;
    }
    if (state.consumedPoints >= this.config.AUTH_ACCOUNT_MAX_FAILURES) {
      const lockouts = await this.limiters.accountLockouts.penalty(account, 1);
      const seconds = Math.min(
        this.config.AUTH_LOCKOUT_SECONDS * 2 ** Math.max(0, lockouts.consumedPoints - 1),
        DAY_SECONDS,
      );
      await this.limiters.accountFailures.block(account, seconds);
    }
  }

  async recordSuccess(account: string): Promise<void> {
    await this.limiters.accountFailures.delete(account);
  }
}
