import { createHash } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Logger } from '../../logger';
import { globEscape, scanKeys, type RedisClient } from '../shared/redis-client';
import { assertProductId, MAX_SEED_ROUNDS, normalizeLines, seedCounters } from './stock-guard';
import type { ReserveResult, StockGuard, StockLine, StockLoader } from './stock-guard';

/** See release: a second round is only needed in a pathological race. */
const MAX_RELEASE_ROUNDS = 3;

type LuaScript = { source: string; sha: string };
const lua = (source: string): LuaScript => ({ source, sha: createHash('sha1').update(source).digest('hex') });

/** What a counter script answers when the counters may predate a failover (see EPOCH). */
const STALE_EPOCH = -9;

/**
 * Counters written by another master. On a Cluster, `{stock}:epoch` names the node whose counters these
 * are. A replica promoted by a failover may lack the old master's last writes (replication is
 * asynchronous), so its counters cannot be trusted: a script that finds the epoch naming another node
 * changes nothing and answers STALE_EPOCH, and the caller drops every counter and marks the epoch
 * (renewEpoch) so the counters are rebuilt from MySQL, as after a flush. KEYS[1] is the epoch key and
 * ARGV[1] '1' to check it ('0' on a single Redis, which has no failover); the script's body sees KEYS and ARGV without them (local copies).
 */
const EPOCH = `
local epochKey, checkEpoch = KEYS[1], ARGV[1]
local KEYS, ARGV = {unpack(KEYS, 2)}, {unpack(ARGV, 2)}
if checkEpoch == '1' and redis.call('GET', epochKey) ~= redis.call('CLUSTER', 'MYID') then return ${STALE_EPOCH} end
`;

/** Replies {epoch, this node's id}. */
const WHOAMI = lua(`return {redis.call('GET', KEYS[1]), redis.call('CLUSTER', 'MYID')}`);
/** Marks the epoch as ARGV[1]'s if this node is still that one (1), else 0. */
const MARK = lua(`
if redis.call('CLUSTER', 'MYID') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`);

// Every script touches only keys passed in KEYS, and all of them share the `{stock}` hash tag, so each
// script runs on one Redis Cluster slot (REDIS_KEY_PREFIX holds no braces there: config.ts). Lines are
// passed as (productId, quantity) pairs in ARGV, in KEYS order.

/** Replies {1} held (or already held), {0, productId, available} short, {2, productId...} counters to seed first. */
const RESERVE = lua(`${EPOCH}
-- KEYS: reservation hash, reservation index, one counter per line. ARGV: orderId, now ms, ttl s, pairs.
if redis.call('EXISTS', KEYS[1]) == 1 then return {1} end
local lines = #KEYS - 2
local missing = {2}
local available = {}
for j = 1, lines do
  local value = redis.call('GET', KEYS[j + 2])
  if value then available[j] = tonumber(value) else missing[#missing + 1] = ARGV[2 + 2 * j] end
end
if #missing > 1 then return missing end
for j = 1, lines do
  if available[j] < tonumber(ARGV[3 + 2 * j]) then return {0, ARGV[2 + 2 * j], math.max(0, available[j])} end
end
for j = 1, lines do
  redis.call('DECRBY', KEYS[j + 2], ARGV[3 + 2 * j])
  redis.call('HSET', KEYS[1], ARGV[2 + 2 * j], ARGV[3 + 2 * j])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return {1}
`);

/** Replies 1 released, 0 no record, -1 the record is not the one the caller read (released and re-made in between). */
const RELEASE = lua(`${EPOCH}
-- KEYS: reservation hash, reservation index, the counters of the lines the caller read. ARGV: orderId, pairs.
local held = redis.call('HGETALL', KEYS[1])
if #held == 0 then
  -- The record may have expired (safety TTL) or been flushed: its index entry must not linger.
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
local lines = #KEYS - 2
if #held ~= 2 * lines then return -1 end
for j = 1, lines do
  if redis.call('HGET', KEYS[1], ARGV[2 * j]) ~= ARGV[1 + 2 * j] then return -1 end
end
for j = 1, lines do
  if redis.call('EXISTS', KEYS[j + 2]) == 1 then redis.call('INCRBY', KEYS[j + 2], ARGV[1 + 2 * j]) end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`);

/** Replies 1 when a record was dropped, 0 when there was none. */
const SETTLE = lua(`
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return existed
`);

const ADJUST = lua(`${EPOCH}
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], ARGV[1]) end
return 0
`);

/** The scripts and how their keys are named, for the benchmark of the one `{stock}` slot (bench/stock-slot.bench.ts). */
export const STOCK_SCRIPTS = { RESERVE, RELEASE, SETTLE, ADJUST } as const;

/**
 * StockGuard on Redis, shared by every app instance: each check-and-change is one Lua script, so no two
 * instances can both take the last unit. The connection belongs to the caller (this class never closes it).
 */
export class RedisStockGuard implements StockGuard {
  readonly kind = 'redis' as const;
  private readonly base: string;
  private readonly indexKey: string;
  private readonly now: () => number;
  private readonly reservationTtlSeconds: number;

  private readonly epochKey: string;
  private readonly checkEpoch: '0' | '1';
  private renewing: Promise<void> | null = null;
  private readonly logger: Logger | undefined;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly loadStock: StockLoader,
    options: { now?: () => number; reservationTtlSeconds?: number; logger?: Logger } = {},
  ) {
    this.base = `${keyPrefix}{stock}:`;
    this.indexKey = `${this.base}reservations`;
    this.epochKey = `${this.base}epoch`;
    this.checkEpoch = redis instanceof Cluster ? '1' : '0';
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    // Only a backstop against records nobody sweeps; the sweeper releases or settles them far sooner.
    this.reservationTtlSeconds = options.reservationTtlSeconds ?? 7 * 24 * 60 * 60;
  }

  async reserve(orderId: string, lines: StockLine[]): Promise<ReserveResult> {
    const wanted = normalizeLines(orderId, lines);
    const keys = [this.reservationKey(orderId), this.indexKey, ...wanted.map((line) => this.counterKey(line.productId))];
    const args = [orderId, this.now(), this.reservationTtlSeconds, ...pairs(wanted)];
    for (let round = 1; ; round++) {
      const [status, ...rest] = (await this.run(RESERVE, keys, args)) as Array<number | string>;
      if (status === 1) return { ok: true };
      if (status === 0) return { ok: false, productId: Number(rest[0]), available: Number(rest[1]) };
      if (round === MAX_SEED_ROUNDS)
        throw new Error(`StockGuard: counters for order ${orderId} kept disappearing after ${round} seeding rounds`);
      const missing = rest.map(Number);
      // Written while MySQL's rows are still locked (StockLoader). NX: another instance may have
      // seeded (and already used) the counter since the script ran.
      const seeds = await seedCounters(this.loadStock, missing, async (read) => {
        await Promise.all([...read].map(([productId, value]) => this.redis.set(this.counterKey(productId), value, 'NX')));
      });
      // A product the loader does not know has nothing to sell; it gets no counter (none is invented) and the order is refused.
      const unknown = missing.find((productId) => !seeds.has(productId));
      if (unknown !== undefined) return { ok: false, productId: unknown, available: 0 };
    }
  }

  async release(orderId: string): Promise<StockLine[] | null> {
    if (!orderId) return null;
    const reservationKey = this.reservationKey(orderId);
    // The script must be told every counter key it touches (Cluster), so the record is read first and the
    // script re-checks it. A record never changes while it exists, so a second round needs the order to be
    // released and reserved again with other lines between the two calls.
    for (let round = 0; round < MAX_RELEASE_ROUNDS; round++) {
      const raw = await this.redis.hgetall(reservationKey);
      const fields = Object.entries(raw);
      const keys = [reservationKey, this.indexKey, ...fields.map(([productId]) => this.counterKey(Number(productId)))];
      const status = (await this.run(RELEASE, keys, [orderId, ...fields.flat()])) as number;
      if (status === 1) return toLines(raw);
      if (status === 0) return null;
    }
    throw new Error(`StockGuard: reservation ${orderId} kept changing while being released`);
  }

  async settle(orderId: string): Promise<boolean> {
    if (!orderId) return false;
    return (await this.eval(SETTLE, [this.reservationKey(orderId), this.indexKey], [orderId])) === 1;
  }

  async adjust(productId: number, delta: number): Promise<void> {
    assertProductId(productId);
    if (!Number.isSafeInteger(delta)) throw new Error(`StockGuard: stock delta must be an integer, got ${delta}`);
    if (delta !== 0) await this.run(ADJUST, [this.counterKey(productId)], [delta]);
  }

  async forget(productIds: number[]): Promise<void> {
    if (productIds.length) await this.redis.del(...productIds.map((productId) => this.counterKey(productId)));
  }

  async staleReservations(olderThanMs: number, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    // Exclusive bound: "more than olderThanMs ago".
    return this.redis.zrangebyscore(this.indexKey, '-inf', `(${this.now() - olderThanMs}`, 'LIMIT', 0, limit);
  }

  async counters(productIds: number[]): Promise<Map<number, number | null>> {
    if (!productIds.length) return new Map();
    const values = await this.redis.mget(...productIds.map((productId) => this.counterKey(productId)));
    return new Map(productIds.map((productId, i) => [productId, values[i] === null ? null : Number(values[i])]));
  }

  async reservation(orderId: string): Promise<StockLine[] | null> {
    if (!orderId) return null;
    return toLines(await this.redis.hgetall(this.reservationKey(orderId)));
  }

  private counterKey(productId: number): string {
    return `${this.base}p:${productId}`;
  }

  private reservationKey(orderId: string): string {
    return `${this.base}r:${orderId}`;
  }

  /** A counter script behind the epoch check: after a failover, the counters are dropped once (renewEpoch) and the script runs again. */
  private async run(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    for (let round = 1; ; round++) {
      const reply = await this.eval(script, [this.epochKey, ...keys], [this.checkEpoch, ...args]);
      if (reply !== STALE_EPOCH) return reply;
      if (round === MAX_SEED_ROUNDS) throw new Error(`StockGuard: the {stock} counters' master kept changing (${round} rounds)`);
      await this.renewEpoch();
    }
  }

  /** One renewal at a time per instance; another instance renewing at once is harmless (dropping counters is always safe). */
  private renewEpoch(): Promise<void> {
    this.renewing ??= this.renew().finally(() => (this.renewing = null));
    return this.renewing;
  }

  private async renew(): Promise<void> {
    const [epoch, me] = (await this.eval(WHOAMI, [this.epochKey], [])) as [string | null, string];
    if (epoch === me) return;
    // Drop first, mark after: until the mark, every counter script keeps refusing to use this node's counters.
    let dropped = 0;
    for await (const keys of scanKeys(this.redis, `${globEscape(this.base)}p:*`)) dropped += await this.redis.del(...keys);
    if ((await this.eval(MARK, [this.epochKey], [me])) !== 1)
      throw new Error('StockGuard: the {stock} slot moved while its counters were dropped');
    // No epoch yet: the first use of this cluster (or its data was lost); otherwise a failover.
    if (epoch === null) this.logger?.info({ master: me, dropped }, 'stock counters: epoch set; counters are built from MySQL');
    else
      this.logger?.warn(
        { previous: epoch, master: me, dropped },
        'stock counters dropped after a change of master; they are rebuilt from MySQL',
      );
  }

  /** EVALSHA, falling back to EVAL (which caches the script) after a restart or SCRIPT FLUSH. */
  private async eval(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await this.redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }
}

const pairs = (lines: StockLine[]): number[] => lines.flatMap((line) => [line.productId, line.quantity]);

function toLines(raw: Record<string, string>): StockLine[] | null {
  const entries = Object.entries(raw);
  if (!entries.length) return null;
  return entries.map(([productId, quantity]) => ({ productId: Number(productId), quantity: Number(quantity) }));
}
