import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AuthState } from '../../auth/identity';
import { tooManyRequests } from '../../schema/errors';

export type RequestRateLimitOptions = { perIpPerMinute: number; perAccountPerMinute: number; keyPrefix: string };

/**
 * Requests per minute per client IP and per account, counted in Redis so every instance shares
 * the budget (in memory for a single process). Past a limit: TOO_MANY_REQUESTS with
 * `retryAfter`. A limit of 0 turns that count off.
 */
export class RequestRateLimit {
  private readonly byIp: RateLimiterAbstract | null;
  private readonly byAccount: RateLimiterAbstract | null;

  constructor(options: RequestRateLimitOptions, redis: Redis | null) {
    const make = (name: string, points: number) => {
      if (points <= 0) return null;
      const opts = { keyPrefix: `${options.keyPrefix}rate:${name}`, points, duration: 60 };
      return redis ? new RateLimiterRedis({ ...opts, storeClient: redis, rejectIfRedisNotReady: true }) : new RateLimiterMemory(opts);
    };
    this.byIp = make('ip', options.perIpPerMinute);
    this.byAccount = make('account', options.perAccountPerMinute);
  }

  /** Counts one request; throws TOO_MANY_REQUESTS past either limit. */
  async consume(ip: string, auth: AuthState): Promise<void> {
    const account = auth.kind === 'authenticated' ? `${auth.identity.role}:${auth.identity.accountId}` : null;
    try {
      await Promise.all([this.byIp?.consume(ip), account ? this.byAccount?.consume(account) : undefined]);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      throw tooManyRequests(Math.max(1, Math.ceil(err.msBeforeNext / 1000)), 'Too many requests. Slow down and try again shortly.');
    }
  }
}
