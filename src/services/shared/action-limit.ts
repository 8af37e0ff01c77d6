import type { RedisClient } from './redis-client';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../../logger';
import { serviceUnavailable, tooManyRequests } from '../../schema/errors';

export type ActionLimitOptions = {
  /** Names the counters in Redis (`<keyPrefix>rate:<name>:<key>`). */
  name: string;
  /** Actions per key per window; 0 turns the limit off. */
  points: number;
  windowSeconds: number;
  keyPrefix: string;
  /** What a refused caller is told. */
  message: string;
};

/**
 * A budget of actions per key (an account, a client IP) per fixed window, counted in Redis so
 * every instance shares it (in memory for a single process). Past it: TOO_MANY_REQUESTS with
 * `retryAfter` in seconds.
 */
export class ActionLimit {
  private readonly limiter: RateLimiterAbstract | null;

  constructor(
    private readonly options: ActionLimitOptions,
    redis: RedisClient | null,
    private readonly logger?: Logger,
  ) {
    const opts = { keyPrefix: `${options.keyPrefix}rate:${options.name}`, points: options.points, duration: options.windowSeconds };
    this.limiter =
      options.points <= 0
        ? null
        : redis
          ? new RateLimiterRedis({ ...opts, storeClient: redis, rejectIfRedisNotReady: true })
          : new RateLimiterMemory(opts);
  }

  /** Counts one action for `key`; throws TOO_MANY_REQUESTS when the budget is spent. */
  async take(key: string): Promise<void> {
    try {
      await this.limiter?.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        throw tooManyRequests(Math.max(1, Math.ceil(err.msBeforeNext / 1000)), this.options.message);
      }
      this.logger?.error({ err, limit: this.options.name }, 'a rate limit cannot be counted');
      throw serviceUnavailable('This cannot be done right now. Try again shortly.');
    }
  }

  /** Gives back an action counted by `take` that did not happen after all (best effort). */
  async giveBack(key: string): Promise<void> {
    await this.limiter
      ?.reward(key, 1)
      .catch((err: unknown) => this.logger?.warn({ err, limit: this.options.name }, 'could not give back a rate-limit point'));
  }
}
