import type { RedisClient } from '../shared/redis-client';

/** How long a client that logged in to an account stays known to it, renewed at each login. */
export const KNOWN_CLIENT_SECONDS = 30 * 24 * 3600;
/** The in-process store forgets its oldest entries past this many (Redis expires its own). */
const MEMORY_MAX_ENTRIES = 100_000;

/**
 * The clients (IP keys, see `clientKey`) that logged in successfully to an account lately: a
 * server-side "device cookie". One Redis key per account and client with a long TTL, shared by
 * every instance; in memory for a single process (setTimeout cannot wait 30 days, so entries carry
 * their expiry and are checked on read).
 */
export class KnownClients {
  private readonly memory = new Map<string, number>();

  constructor(
    private readonly options: { keyPrefix: string; ttlSeconds?: number },
    private readonly redis: RedisClient | null,
  ) {}

  private get ttlSeconds(): number {
    return this.options.ttlSeconds ?? KNOWN_CLIENT_SECONDS;
  }

  async remember(key: string): Promise<void> {
    if (this.redis) {
      await this.redis.set(this.redisKey(key), '1', 'EX', this.ttlSeconds);
      return;
    }
    this.memory.delete(key); // re-inserted last, so the oldest entries are the first in the map
    this.memory.set(key, Date.now() + this.ttlSeconds * 1000);
    if (this.memory.size > MEMORY_MAX_ENTRIES) this.memory.delete(this.memory.keys().next().value as string);
  }

  async has(key: string): Promise<boolean> {
    if (this.redis) return (await this.redis.exists(this.redisKey(key))) === 1;
    const expires = this.memory.get(key);
    if (expires === undefined) return false;
    if (expires > Date.now()) return true;
    this.memory.delete(key);
    return false;
  }

  private redisKey(key: string): string {
    return `${this.options.keyPrefix}login-known:${key}`;
  }
}
