import type { RedisClient } from '../shared/redis-client';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { GraphQLError } from 'graphql';
import type { Logger } from '../../logger';
import { serviceUnavailable, tooManyRequests } from '../../schema/errors';
import { clientKey } from '../shared/ip-key';
import { KnownClients } from './known-clients';

type ThrottleOptions = {
  /** Attempts per account and client IP per window before that pair is locked out. */
  maxFailures: number;
  /** Attempts per client IP (any account) per window before the IP is locked out. */
  ipMaxFailures: number;
  lockoutSeconds: number;
  /** Attempts per account (any IP) per window past which the account is slowed down, never locked. */
  accountSlowdownAfter: number;
  /** Past that ceiling: at most one attempt on the account per this many seconds. */
  accountSlowdownSeconds: number;
  keyPrefix: string;
};

type Taken = { limiter: RateLimiterAbstract; key: string };

const LOCKED_OUT = 'Too many failed login attempts. Try again later.';
const SLOWED_DOWN = 'Too many failed login attempts on this account. Try again in a few seconds.';

/**
 * Login attempts are taken from the budgets *before* the password is checked, each in one atomic
 * step (rate-limiter-flexible's `consume`: a Lua script in Redis, a synchronous update in memory),
 * so concurrent guesses cannot all slip past a check; a successful login gives its attempt back.
 *
 * Budgets: per account and client IP (LOGIN_MAX_FAILURES, locked out for the window), per client
 * IP (LOGIN_IP_MAX_FAILURES, locked out), and per account from anywhere (LOGIN_ACCOUNT_SLOWDOWN_AFTER),
 * past which the account gets one attempt per LOGIN_ACCOUNT_SLOWDOWN_SECONDS instead of a lockout:
 * someone who only knows an email can slow its owner down a little but never keep them out.
 *
 * A client that logged in to the account lately (KnownClients, 30 days) is never slowed down by
 * that ceiling, so an attacker polling for the slot from many addresses cannot keep the owner out
 * (it keeps its own per account-and-IP lockout and per-IP budget). Clients are counted by
 * `clientKey`: an IPv6 /64 is one client.
 */
export class LoginThrottle {
  private readonly byAccountAndIp: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;
  private readonly byAccount: RateLimiterAbstract;
  private readonly slowAccount: RateLimiterAbstract;
  private readonly known: KnownClients;

  constructor(
    options: ThrottleOptions,
    redis: RedisClient | null,
    private readonly logger?: Logger,
  ) {
    const make = (name: string, points: number, duration: number, blockDuration = 0) => {
      const opts = { keyPrefix: `${options.keyPrefix}login-fail:${name}`, points, duration, blockDuration };
      return redis ? new RateLimiterRedis({ ...opts, storeClient: redis, rejectIfRedisNotReady: true }) : new RateLimiterMemory(opts);
    };
    const window = options.lockoutSeconds;
    this.byAccountAndIp = make('account-ip', options.maxFailures, window, window);
    this.byIp = make('ip', options.ipMaxFailures, window, window);
    this.byAccount = make('account', options.accountSlowdownAfter, window);
    this.slowAccount = make('account-slow', 1, options.accountSlowdownSeconds);
    this.known = new KnownClients({ keyPrefix: options.keyPrefix }, redis);
  }

  /**
   * Takes one attempt on `accountKey` from `ip`, or throws TOO_MANY_REQUESTS (with `retryAfter`)
   * when a budget is spent; an attempt refused here is not counted anywhere.
   */
  async take(accountKey: string, ip: string): Promise<void> {
    const client = clientKey(ip);
    const taken: Taken[] = [];
    try {
      await consume(this.byAccountAndIp, pairKey(accountKey, client), taken);
      await consume(this.byIp, client, taken);
      const overCeiling = !(await consume(this.byAccount, accountKey, taken, { countEvenIfRefused: true }));
      if (overCeiling && !(await this.known.has(pairKey(accountKey, client)))) {
        await consume(this.slowAccount, accountKey, taken, { message: SLOWED_DOWN });
      }
    } catch (err) {
      await giveBack(taken);
      if (err instanceof GraphQLError) throw err;
      // The counters cannot be read (Redis down, or a Cluster failover): no attempt goes unchecked.
      this.logger?.error({ err }, 'login attempts cannot be counted');
      throw serviceUnavailable('Logins cannot be checked right now. Try again shortly.');
    }
  }

  /**
   * The attempt succeeded: it is given back, this client's failures on the account are forgiven,
   * and the client becomes known to the account (best effort: if Redis fails, the login still succeeds).
   */
  async succeeded(accountKey: string, ip: string): Promise<void> {
    const client = clientKey(ip);
    await Promise.all([
      this.byAccountAndIp
        .delete(pairKey(accountKey, client))
        .catch((err: unknown) => this.logger?.warn({ err }, 'could not forgive failed logins after a success')),
      this.known.remember(pairKey(accountKey, client)).catch(() => undefined),
      giveBack([
        { limiter: this.byIp, key: client },
        { limiter: this.byAccount, key: accountKey },
      ]),
    ]);
  }
}

/** IPv6 addresses hold colons, account keys do not hold `@`. */
const pairKey = (accountKey: string, ip: string) => `${accountKey}@${ip}`;

/**
 * One atomic take from `limiter`. A refusal throws TOO_MANY_REQUESTS, unless `countEvenIfRefused`
 * (a soft ceiling), which keeps the point taken and returns false. Store errors propagate.
 */
async function consume(
  limiter: RateLimiterAbstract,
  key: string,
  taken: Taken[],
  options: { countEvenIfRefused?: boolean; message?: string } = {},
): Promise<boolean> {
  try {
    await limiter.consume(key);
    taken.push({ limiter, key });
    return true;
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    if (options.countEvenIfRefused) {
      taken.push({ limiter, key });
      return false;
    }
    throw tooManyRequests(Math.max(1, Math.ceil(err.msBeforeNext / 1000)), options.message ?? LOCKED_OUT);
  }
}

/** Gives back attempts that were not made after all (best effort: a lost give-back only makes a limit stricter). */
async function giveBack(taken: Taken[]): Promise<void> {
  await Promise.all(taken.map(({ limiter, key }) => limiter.reward(key, 1).catch(() => undefined)));
}
