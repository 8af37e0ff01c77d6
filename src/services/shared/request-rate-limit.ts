import type { RedisClient } from './redis-client';
import type { AuthState } from '../../auth/identity';
import type { Logger } from '../../logger';
import { ActionLimit } from './action-limit';
import { clientKey } from './ip-key';

export type RequestRateLimitOptions = { perIpPerMinute: number; perAccountPerMinute: number; keyPrefix: string };

/**
 * Requests per minute per client IP and per account, counted in Redis so every instance shares
 * the budget (in memory for a single process). Past a limit: TOO_MANY_REQUESTS with
 * `retryAfter`. A limit of 0 turns that count off.
 */
export class RequestRateLimit {
  private readonly byIp: ActionLimit;
  private readonly byAccount: ActionLimit;

  constructor(options: RequestRateLimitOptions, redis: RedisClient | null, logger?: Logger) {
    const limit = (name: string, points: number) =>
      new ActionLimit(
        { name, points, windowSeconds: 60, keyPrefix: options.keyPrefix, message: 'Too many requests. Slow down and try again shortly.' },
        redis,
        logger,
      );
    this.byIp = limit('ip', options.perIpPerMinute);
    this.byAccount = limit('account', options.perAccountPerMinute);
  }

  /** Counts one request (per client: an IPv6 /64 counts as one, see `clientKey`); throws TOO_MANY_REQUESTS past either limit. */
  async consume(ip: string, auth: AuthState): Promise<void> {
    const account = auth.kind === 'authenticated' ? `${auth.identity.role}:${auth.identity.accountId}` : null;
    await Promise.all([this.byIp.take(clientKey(ip)), account ? this.byAccount.take(account) : undefined]);
  }
}
