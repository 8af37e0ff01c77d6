import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { tooManyRequests } from '../../schema/errors';

type ThrottleOptions = { maxFailures: number; ipMaxFailures: number; lockoutSeconds: number; keyPrefix: string };

/**
 * Counts failed logins per account key (role + email) and per client IP. Once either passes its
 * limit, further attempts are refused with TOO_MANY_REQUESTS until the lockout window has passed,
 * whether or not the password would be right. A successful login clears the account counter.
 */
export class LoginThrottle {
  private readonly byAccount: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;

  constructor(
    private readonly options: ThrottleOptions,
    redis: Redis | null,
  ) {
    const make = (name: string, points: number) => {
      const opts = {
        keyPrefix: `${options.keyPrefix}login-fail:${name}`,
        points,
        duration: options.lockoutSeconds,
        blockDuration: options.lockoutSeconds,
      };
      return redis ? new RateLimiterRedis({ ...opts, storeClient: redis, rejectIfRedisNotReady: true }) : new RateLimiterMemory(opts);
    };
    this.byAccount = make('account', options.maxFailures);
    this.byIp = make('ip', options.ipMaxFailures);
  }

  /** Throws TOO_MANY_REQUESTS when the account or the IP is locked out. */
  async assertAllowed(accountKey: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([this.byAccount.get(accountKey), this.byIp.get(ip)]);
    const blocked = [
      account && account.consumedPoints >= this.options.maxFailures ? account : null,
      address && address.consumedPoints >= this.options.ipMaxFailures ? address : null,
    ].filter((r): r is RateLimiterRes => r !== null);
    if (blocked.length) {
      const waitMs = Math.max(...blocked.map((r) => r.msBeforeNext));
      throw tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000)), 'Too many failed login attempts. Try again later.');
    }
  }

  async recordFailure(accountKey: string, ip: string): Promise<void> {
    await Promise.all([swallowLimit(this.byAccount.consume(accountKey)), swallowLimit(this.byIp.consume(ip))]);
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await this.byAccount.delete(accountKey);
  }
}

/** `consume` rejects with a RateLimiterRes when the limit is passed; that is expected here, store errors are not. */
async function swallowLimit(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
  }
}
