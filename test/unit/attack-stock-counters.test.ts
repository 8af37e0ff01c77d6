import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { MemoryStockGuard } from '../../src/services/stock/memory-stock-guard';
import { RedisStockGuard } from '../../src/services/stock/redis-stock-guard';
import type { StockGuard, StockLoader } from '../../src/services/stock/stock-guard';
import { deleteRedisKeys, TEST_REDIS_URL } from '../helpers/test-app';

// ioredis's own slot function (its dependency cluster-key-slot ships no types).
const calculateSlot: (key: string) => number = require('cluster-key-slot');

/**
 * Attacks on the StockGuard adapters' seed generations and abandoned holds, each run on Redis and in
 * memory: the two must behave the same. MySQL is a map the loader reads; a hook runs inside a read.
 */
const runPrefix = `mp_test:asc:${randomBytes(6).toString('hex')}:`;
const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
afterAll(async () => {
  await deleteRedisKeys(runPrefix);
  redis.disconnect();
});

type Harness = { guard: StockGuard; mysql: Map<number, number>; duringNextRead(fn: () => Promise<void>): void; keys: string[][] };

function harness(kind: 'redis' | 'memory'): Harness {
  const mysql = new Map<number, number>();
  let during: (() => Promise<void>) | null = null;
  const load: StockLoader = async (ids) => {
    const read = new Map(ids.filter((id) => mysql.has(id)).map((id) => [id, mysql.get(id)!]));
    const hook = during;
    during = null;
    await (hook ? hook() : new Promise((r) => setImmediate(r)));
    return read;
  };
  const keys: string[][] = [];
  let guard: StockGuard;
  if (kind === 'memory') guard = new MemoryStockGuard(load);
  else {
    // Every script's keys, as sent (the epoch key first), to check they share one Cluster slot.
    const recorder = Object.create(redis) as Redis;
    for (const method of ['evalsha', 'eval'] as const) {
      const original = redis[method].bind(redis) as (...args: unknown[]) => Promise<unknown>;
      (recorder as unknown as Record<string, unknown>)[method] = (script: string, n: number, ...rest: unknown[]) => {
        keys.push(rest.slice(0, n).map(String));
        return original(script, n, ...rest);
      };
    }
    guard = new RedisStockGuard(recorder, `${runPrefix}${randomBytes(4).toString('hex')}:`, load);
  }
  return { guard, mysql, keys, duringNextRead: (fn) => (during = fn) };
}

describe.each(['redis', 'memory'] as const)('%s StockGuard', (kind) => {
  let h: Harness;
  beforeEach(() => {
    h = harness(kind);
  });
  const counter = async (id: number) => (await h.guard.counters([id])).get(id) ?? null;

  it('a two-line reserve whose reads race a release to one of its missing counters: that seed is void, the other is kept', async () => {
    h.mysql.set(1, 3).set(2, 5);
    expect(await h.guard.reserve('a', [{ productId: 1, quantity: 3 }])).toEqual({ ok: true });
    h.mysql.set(1, 0);
    await h.guard.forget([1]);
    // Order a ends: MySQL has its units back, then its hold is released to the missing counter, mid-read.
    h.duringNextRead(async () => {
      h.mysql.set(1, 3);
      await h.guard.release('a');
    });
    expect(
      await h.guard.reserve('b', [
        { productId: 2, quantity: 1 },
        { productId: 1, quantity: 3 },
      ]),
    ).toEqual({ ok: true });
    h.mysql.set(1, 0).set(2, 4);
    expect([await counter(1), await counter(2)]).toEqual([0, 4]);
  });

  it("during one reserve's read, another seeds and commits, then a restock lands: the stale seed is not written, nothing counted twice", async () => {
    h.mysql.set(7, 2);
    h.duringNextRead(async () => {
      expect(await h.guard.reserve('x', [{ productId: 7, quantity: 1 }])).toEqual({ ok: true });
      h.mysql.set(7, 1); // x commits
      h.mysql.set(7, 5); // a seller restocks by 4...
      await h.guard.adjust(7, 4); // ...and moves the counter x's reserve seeded
    });
    expect(await h.guard.reserve('y', [{ productId: 7, quantity: 1 }])).toEqual({ ok: true });
    h.mysql.set(7, 4); // y commits
    expect(await counter(7)).toBe(4);
  });

  it('abandoned hold, a rebuild, then the order commits late: the counter ends equal to MySQL or missing', async () => {
    h.mysql.set(9, 5);
    expect(await h.guard.reserve('late', [{ productId: 9, quantity: 2 }])).toEqual({ ok: true });
    // The sweeper finds no order for it (its transaction is still running) and abandons it.
    expect(await h.guard.abandon('late')).toEqual([{ productId: 9, quantity: 2 }]);
    expect(await h.guard.reserve('other', [{ productId: 9, quantity: 1 }])).toEqual({ ok: true });
    h.mysql.set(9, 4); // other commits
    h.mysql.set(9, 2); // late commits
    expect([null, 2]).toContain(await counter(9));
  });

  if (kind === 'redis') {
    it("every script's keys (the epoch key included) fall in one Redis Cluster slot", async () => {
      h.mysql.set(11, 4).set(12, 4);
      await h.guard.reserve('k1', [
        { productId: 11, quantity: 1 },
        { productId: 12, quantity: 2 },
      ]);
      await h.guard.adjust(11, 1);
      await h.guard.release('k1');
      await h.guard.reserve('k2', [{ productId: 12, quantity: 1 }]);
      await h.guard.settle('k2');
      await h.guard.reserve('k3', [{ productId: 11, quantity: 1 }]);
      await h.guard.abandon('k3');
      await h.guard.adjust(11, 2);
      expect(h.keys.length).toBeGreaterThanOrEqual(8);
      const slots = new Set(h.keys.flat().map((key) => calculateSlot(key)));
      expect(slots.size).toBe(1);
    });
  }
});
