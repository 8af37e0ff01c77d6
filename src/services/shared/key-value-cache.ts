import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { RedisClient } from './redis-client';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../logger';

/**
 * Apollo's `KeyValueCache` (strings, `ttl` in seconds) on Redis, every key under the app's
 * REDIS_KEY_PREFIX. A cache is never worth an error: Redis failing reads as a miss and a write
 * that fails is dropped (both logged), so a request goes on as if nothing was kept.
 */
export class RedisKeyValueCache implements KeyValueCache<string> {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.redis.get(this.prefix + key)) ?? undefined;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'cache read failed; treated as a miss');
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    try {
      const ttl = options?.ttl;
      if (ttl) await this.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.ceil(ttl)));
      else await this.redis.set(this.prefix + key, value);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'cache write failed; not kept');
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      return (await this.redis.del(this.prefix + key)) > 0;
    } catch {
      return false;
    }
  }
}

/**
 * Values that never change under their key (a query text under its SHA-256): an in-process LRU
 * copy in front of the shared store (Redis; null on the embedded profile: the copy is then the
 * store), so a hot key costs no round trip. Values longer than `maxChars` are not kept (the
 * client sends them again; they still run).
 */
export class ImmutableValues implements KeyValueCache<string> {
  private readonly local: LRUCache<string, string>;

  constructor(
    private readonly shared: KeyValueCache<string> | null,
    options: { maxChars: number; localChars: number },
  ) {
    this.maxChars = options.maxChars;
    this.local = new LRUCache({ maxSize: options.localChars, sizeCalculation: (v, k) => v.length + k.length });
  }

  private readonly maxChars: number;

  async get(key: string): Promise<string | undefined> {
    const copy = this.local.get(key);
    if (copy !== undefined) return copy;
    const value = await this.shared?.get(key);
    if (value !== undefined && value.length <= this.maxChars) this.local.set(key, value);
    return value;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (value.length > this.maxChars) return;
    this.local.set(key, value);
    await this.shared?.set(key, value, options);
  }

  async delete(key: string): Promise<boolean | void> {
    this.local.delete(key);
    return this.shared?.delete(key);
  }
}
