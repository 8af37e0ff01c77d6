import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { MemoryStockGuard } from '../../src/services/stock/memory-stock-guard';
import { RedisStockGuard } from '../../src/services/stock/redis-stock-guard';
import type { StockGuard, StockLine, StockLoader } from '../../src/services/stock/stock-guard';
import { deleteRedisKeys, TEST_REDIS_URL } from '../helpers/test-app';

const runPrefix = `mp_test:sg:${randomBytes(6).toString('hex')}:`;
const connections: Redis[] = [];
const connect = (): Redis => {
  const redis = new Redis(TEST_REDIS_URL);
  connections.push(redis);
  return redis;
};

afterAll(async () => {
  for (const redis of connections) redis.disconnect();
  await deleteRedisKeys(runPrefix);
});

/** Stands in for MySQL's product stock: the rows the loader reads, and a log of what it was asked for. */
type FakeMysql = { rows: Map<number, number>; calls: number[][]; load: StockLoader };
function fakeMysql(stock: Record<number, number>): FakeMysql {
  const rows = new Map(Object.entries(stock).map(([id, n]) => [Number(id), n]));
  const calls: number[][] = [];
  const load: StockLoader = async (productIds, write) => {
    calls.push([...productIds]);
    // A real query yields to the event loop; so must the fake, or concurrency tests would prove nothing.
    await new Promise((resolve) => setImmediate(resolve));
    await write(new Map(productIds.filter((id) => rows.has(id)).map((id) => [id, rows.get(id)!])));
  };
  return { rows, calls, load };
}

type Harness = {
  guard: StockGuard;
  /** Another app instance on the same shared state (the same object for the in-process adapter). */
  peer(): StockGuard;
  mysql: FakeMysql;
  clock: { ms: number };
  prefix: string;
};

let seq = 0;
function harness(kind: 'memory' | 'redis', stock: Record<number, number>): Harness {
  const mysql = fakeMysql(stock);
  const clock = { ms: 1_700_000_000_000 };
  const now = () => clock.ms;
  const prefix = `${runPrefix}${++seq}:`;
  if (kind === 'memory') {
    const guard = new MemoryStockGuard(mysql.load, { now });
    return { guard, peer: () => guard, mysql, clock, prefix };
  }
  const make = () => new RedisStockGuard(connect(), prefix, mysql.load, { now });
  return { guard: make(), peer: make, mysql, clock, prefix };
}

const byProduct = (lines: StockLine[] | null) => lines && [...lines].sort((a, b) => a.productId - b.productId);
const counters = async (guard: StockGuard, ...ids: number[]) => Object.fromEntries(await guard.counters(ids));

describe.each(['memory', 'redis'] as const)('%s StockGuard', (kind) => {
  it('holds all lines or none, and names the first short product', async () => {
    const { guard } = harness(kind, { 1: 5, 2: 1, 3: 0 });
    expect(
      await guard.reserve('o-1', [
        { productId: 1, quantity: 2 },
        { productId: 2, quantity: 3 },
      ]),
    ).toEqual({
      ok: false,
      productId: 2,
      available: 1,
    });
    expect(await counters(guard, 1, 2)).toEqual({ 1: 5, 2: 1 });
    expect(await guard.reservation('o-1')).toBeNull();

    const both = [
      { productId: 3, quantity: 1 },
      { productId: 2, quantity: 2 },
    ];
    expect(await guard.reserve('o-1', both)).toEqual({ ok: false, productId: 3, available: 0 });
    expect(
      await guard.reserve('o-1', [
        { productId: 1, quantity: 5 },
        { productId: 2, quantity: 1 },
      ]),
    ).toEqual({ ok: true });
    expect(await counters(guard, 1, 2, 3)).toEqual({ 1: 0, 2: 0, 3: 0 });
    expect(byProduct(await guard.reservation('o-1'))).toEqual([
      { productId: 1, quantity: 5 },
      { productId: 2, quantity: 1 },
    ]);
  });

  it('seeds missing counters from MySQL on a cold start, asking only for the missing ones', async () => {
    const { guard, mysql } = harness(kind, { 1: 10, 2: 7 });
    expect(await counters(guard, 1, 2)).toEqual({ 1: null, 2: null });
    expect(await guard.reserve('o-1', [{ productId: 1, quantity: 1 }])).toEqual({ ok: true });
    expect(mysql.calls).toEqual([[1]]);
    expect(
      await guard.reserve('o-2', [
        { productId: 1, quantity: 2 },
        { productId: 2, quantity: 3 },
      ]),
    ).toEqual({ ok: true });
    expect(mysql.calls).toEqual([[1], [2]]);
    expect(await guard.reserve('o-3', [{ productId: 2, quantity: 1 }])).toEqual({ ok: true });
    expect(mysql.calls).toHaveLength(2);
    expect(await counters(guard, 1, 2)).toEqual({ 1: 7, 2: 3 });
  });

  it('refuses a product MySQL does not know, without inventing a counter for it', async () => {
    const { guard } = harness(kind, { 1: 10 });
    expect(
      await guard.reserve('o-1', [
        { productId: 1, quantity: 1 },
        { productId: 99, quantity: 1 },
      ]),
    ).toEqual({
      ok: false,
      productId: 99,
      available: 0,
    });
    expect(await counters(guard, 1, 99)).toEqual({ 1: 10, 99: null });
    expect(await guard.reservation('o-1')).toBeNull();
  });

  it('reserves an order id once, even when asked again or concurrently', async () => {
    const { guard, peer } = harness(kind, { 1: 10 });
    const line = [{ productId: 1, quantity: 3 }];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? peer() : guard).reserve('o-1', line)));
    expect(results).toEqual(Array(10).fill({ ok: true }));
    expect(await guard.reserve('o-1', [{ productId: 1, quantity: 5 }])).toEqual({ ok: true });
    expect(await counters(guard, 1)).toEqual({ 1: 7 });
    expect(await guard.reservation('o-1')).toEqual(line);
  });

  it('merges repeated products before checking and holding', async () => {
    const { guard } = harness(kind, { 1: 5, 2: 2 });
    const twice = [
      { productId: 1, quantity: 3 },
      { productId: 2, quantity: 1 },
      { productId: 1, quantity: 3 },
    ];
    expect(await guard.reserve('o-1', twice)).toEqual({ ok: false, productId: 1, available: 5 });
    expect(
      await guard.reserve('o-1', [
        { productId: 1, quantity: 2 },
        { productId: 2, quantity: 1 },
        { productId: 1, quantity: 3 },
      ]),
    ).toEqual({
      ok: true,
    });
    expect(await counters(guard, 1, 2)).toEqual({ 1: 0, 2: 1 });
    expect(byProduct(await guard.reservation('o-1'))).toEqual([
      { productId: 1, quantity: 5 },
      { productId: 2, quantity: 1 },
    ]);
  });

  it('rejects quantities that are not positive integers and empty orders', async () => {
    const { guard } = harness(kind, { 1: 5 });
    for (const quantity of [0, -1, 1.5, Number.NaN]) {
      await expect(guard.reserve('o-1', [{ productId: 1, quantity }])).rejects.toThrow(/positive integer/);
    }
    await expect(guard.reserve('o-1', [])).rejects.toThrow(/no lines/);
    await expect(guard.reserve('', [{ productId: 1, quantity: 1 }])).rejects.toThrow(/orderId/);
    expect(await guard.reservation('o-1')).toBeNull();
  });

  it('gives units back exactly once when 20 releases race', async () => {
    const { guard, peer } = harness(kind, { 1: 10, 2: 4 });
    expect(
      await guard.reserve('o-1', [
        { productId: 1, quantity: 3 },
        { productId: 2, quantity: 4 },
      ]),
    ).toEqual({ ok: true });
    const released = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 3 ? peer() : guard).release('o-1')));
    const winners = released.filter((lines) => lines !== null);
    expect(winners).toHaveLength(1);
    expect(byProduct(winners[0])).toEqual([
      { productId: 1, quantity: 3 },
      { productId: 2, quantity: 4 },
    ]);
    expect(await counters(guard, 1, 2)).toEqual({ 1: 10, 2: 4 });
    expect(await guard.reservation('o-1')).toBeNull();
    expect(await guard.release('o-1')).toBeNull();
    expect(await guard.release('never-made')).toBeNull();
  });

  it('leaves a forgotten counter missing on release, so MySQL rebuilds it', async () => {
    const { guard, mysql } = harness(kind, { 1: 10, 2: 10 });
    await guard.reserve('o-1', [
      { productId: 1, quantity: 2 },
      { productId: 2, quantity: 2 },
    ]);
    await guard.forget([1]);
    expect(byProduct(await guard.release('o-1'))).toEqual([
      { productId: 1, quantity: 2 },
      { productId: 2, quantity: 2 },
    ]);
    expect(await counters(guard, 1, 2)).toEqual({ 1: null, 2: 10 });
    mysql.rows.set(1, 10);
    expect(await guard.reserve('o-2', [{ productId: 1, quantity: 1 }])).toEqual({ ok: true });
    expect(await counters(guard, 1)).toEqual({ 1: 9 });
  });

  it('settles a paid order: units stay sold and a later release finds nothing', async () => {
    const { guard } = harness(kind, { 1: 10 });
    await guard.reserve('o-1', [{ productId: 1, quantity: 4 }]);
    expect(await guard.settle('o-1')).toBe(true);
    expect(await counters(guard, 1)).toEqual({ 1: 6 });
    expect(await guard.reservation('o-1')).toBeNull();
    expect(await guard.release('o-1')).toBeNull();
    expect(await counters(guard, 1)).toEqual({ 1: 6 });
    expect(await guard.settle('o-1')).toBe(false);
    expect(await guard.staleReservations(-1, 10)).toEqual([]);
  });

  it('applies seller adjustments only to counters that exist', async () => {
    const { guard, mysql } = harness(kind, { 1: 10, 2: 3 });
    await guard.reserve('o-1', [{ productId: 1, quantity: 1 }]);
    await guard.adjust(1, 5);
    await guard.adjust(1, -2);
    await guard.adjust(2, 7);
    expect(await counters(guard, 1, 2)).toEqual({ 1: 12, 2: null });
    mysql.rows.set(2, 10);
    await guard.reserve('o-2', [{ productId: 2, quantity: 1 }]);
    expect(await counters(guard, 2)).toEqual({ 2: 9 });
    await expect(guard.adjust(1, 0.5)).rejects.toThrow(/integer/);
  });

  it('rebuilds a forgotten counter from MySQL on the next reserve', async () => {
    const { guard, mysql } = harness(kind, { 1: 10 });
    await guard.reserve('o-1', [{ productId: 1, quantity: 1 }]);
    mysql.rows.set(1, 4); // MySQL refused what the counter allowed: the counter drifted.
    await guard.forget([1]);
    expect(await counters(guard, 1)).toEqual({ 1: null });
    expect(await guard.reserve('o-2', [{ productId: 1, quantity: 1 }])).toEqual({ ok: true });
    expect(mysql.calls).toEqual([[1], [1]]);
    expect(await counters(guard, 1)).toEqual({ 1: 3 });
  });

  it('lists reservations older than a given age, oldest first', async () => {
    const { guard, clock } = harness(kind, { 1: 10 });
    const line = [{ productId: 1, quantity: 1 }];
    await guard.reserve('a', line);
    clock.ms += 1000;
    await guard.reserve('b', line);
    clock.ms += 1000;
    await guard.reserve('c', line);
    await guard.reserve('a', line); // already held: keeps its original time
    expect(await guard.staleReservations(1500, 10)).toEqual(['a']);
    expect(await guard.staleReservations(500, 10)).toEqual(['a', 'b']);
    expect(await guard.staleReservations(0, 10)).toEqual(['a', 'b']);
    expect(await guard.staleReservations(500, 1)).toEqual(['a']);
    clock.ms += 60_000;
    await guard.release('a');
    await guard.settle('b');
    expect(await guard.staleReservations(500, 10)).toEqual(['c']);
    expect(await guard.staleReservations(500, 0)).toEqual([]);
  });

  it('sells exactly the stock to 300 concurrent single-unit orders', async () => {
    const { guard, peer, mysql } = harness(kind, { 1: 50 });
    const instances = [guard, peer(), peer()];
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => instances[i % instances.length].reserve(`o-${i}`, [{ productId: 1, quantity: 1 }])),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(results.filter((r) => !r.ok)).toEqual(Array(250).fill({ ok: false, productId: 1, available: 0 }));
    expect(await counters(guard, 1)).toEqual({ 1: 0 });
    // The counter started cold, so many reserves loaded it at once; set-if-not-exists kept only the first seed.
    expect(mysql.calls.length).toBeGreaterThanOrEqual(1);
    expect(await guard.staleReservations(-1, 1000)).toHaveLength(50);
  });
});

describe('redis StockGuard storage', () => {
  it('keeps its keys under the prefix with one hash tag, and a safety TTL on each reservation', async () => {
    const { guard, prefix } = harness('redis', { 7: 3 });
    await guard.reserve('o-1', [{ productId: 7, quantity: 1 }]);
    const redis = connect();
    const [, keys] = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
    expect(keys.sort()).toEqual([`${prefix}{stock}:p:7`, `${prefix}{stock}:r:o-1`, `${prefix}{stock}:reservations`]);
    const ttl = await redis.ttl(`${prefix}{stock}:r:o-1`);
    expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
    expect(await redis.ttl(`${prefix}{stock}:p:7`)).toBe(-1);
  });

  it('reseeds from MySQL after a flush, and forgets reservations the flush lost', async () => {
    const { guard, mysql, prefix } = harness('redis', { 1: 10 });
    await guard.reserve('o-1', [{ productId: 1, quantity: 2 }]);
    mysql.rows.set(1, 8); // MySQL took the units for o-1 too
    await deleteRedisKeys(prefix);
    expect(await counters(guard, 1)).toEqual({ 1: null });
    expect(await guard.reserve('o-2', [{ productId: 1, quantity: 3 }])).toEqual({ ok: true });
    expect(mysql.calls).toEqual([[1], [1]]);
    expect(await counters(guard, 1)).toEqual({ 1: 5 });
    expect(await guard.release('o-1')).toBeNull();
    expect(await counters(guard, 1)).toEqual({ 1: 5 });
  });

  it('drops the index entry of a reservation whose record expired', async () => {
    const { guard, clock, prefix } = harness('redis', { 1: 10 });
    await guard.reserve('o-1', [{ productId: 1, quantity: 2 }]);
    await connect().del(`${prefix}{stock}:r:o-1`); // what the safety TTL does
    clock.ms += 1000;
    expect(await guard.staleReservations(0, 10)).toEqual(['o-1']);
    expect(await guard.release('o-1')).toBeNull();
    expect(await guard.staleReservations(0, 10)).toEqual([]);
  });
});
