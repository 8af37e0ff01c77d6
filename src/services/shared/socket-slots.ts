import type { RedisClient } from './redis-client';

type Options = {
  /** Slots per key (an account); 0 turns the limit off. */
  max: number;
  /** A slot not refreshed for this long is free again (its instance died without giving it back). */
  ttlMs: number;
  keyPrefix: string;
};

/** Takes a slot if fewer than `max` live ones remain: one atomic step, whatever other instances do. */
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/**
 * Long-lived things (WebSocket connections) held per key, counted across every instance: in
 * Redis, a sorted set per key of holders scored by when their slot lapses; in this process on
 * the embedded profile. Holders refresh their slots while they live, so the slots of an instance
 * that died lapse after `ttlMs` instead of being held forever.
 */
export class SocketSlots {
  private readonly local = new Map<string, Map<string, number>>();

  constructor(
    private readonly options: Options,
    private readonly redis: RedisClient | null,
  ) {}

  /** True if `holder` now holds one of `key`'s slots; false if all are taken. */
  async take(key: string, holder: string): Promise<boolean> {
    if (this.options.max <= 0) return true;
    const now = Date.now();
    const lapse = now + this.options.ttlMs;
    if (this.redis) {
      const taken = await this.redis.eval(TAKE, 1, this.keyOf(key), now, lapse, this.options.max, holder, this.options.ttlMs);
      return taken === 1;
    }
    let holders = this.local.get(key);
    if (!holders) this.local.set(key, (holders = new Map()));
    for (const [h, until] of holders) if (until <= now) holders.delete(h);
    if (holders.size >= this.options.max) return false;
    holders.set(holder, lapse);
    return true;
  }

  /** Keeps the given slots from lapsing (call well within `ttlMs`). */
  async refresh(slots: ReadonlyArray<{ key: string; holder: string }>): Promise<void> {
    if (this.options.max <= 0 || slots.length === 0) return;
    const lapse = Date.now() + this.options.ttlMs;
    if (this.redis) {
      // One pipeline per key: a Cluster sends a pipeline to one node, and accounts' keys live in any slot.
      const redis = this.redis;
      await Promise.all(
        slots.map(({ key, holder }) =>
          redis.pipeline().zadd(this.keyOf(key), 'XX', lapse, holder).pexpire(this.keyOf(key), this.options.ttlMs).exec(),
        ),
      );
      return;
    }
    for (const { key, holder } of slots) {
      const holders = this.local.get(key);
      if (holders?.has(holder)) holders.set(holder, lapse);
    }
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.options.max <= 0) return;
    if (this.redis) {
      await this.redis.zrem(this.keyOf(key), holder);
      return;
    }
    const holders = this.local.get(key);
    holders?.delete(holder);
    if (holders?.size === 0) this.local.delete(key);
  }

  private keyOf(key: string): string {
    return `${this.options.keyPrefix}ws-sockets:${key}`;
  }
}
