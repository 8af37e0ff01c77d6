import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Logger } from '../../logger';
import { globEscape, scanKeys, type RedisClient } from '../shared/redis-client';
import { assertProductId, loadSeeds, MAX_SEED_ROUNDS, normalizeLines } from './stock-guard';
import type { ReserveResult, StockGuard, StockLine, StockLoader } from './stock-guard';
import { ADJUST, MARK, RELEASE, RESERVE, SEED, SETTLE, STALE_EPOCH, WHOAMI, type LuaScript } from './redis-stock-scripts';

/** See release: a second round is only needed in a pathological race. */
const MAX_RELEASE_ROUNDS = 3;

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
    // Only a backstop against records nobody sweeps; the sweeper releases, settles or abandons them far sooner.
    this.reservationTtlSeconds = options.reservationTtlSeconds ?? 7 * 24 * 60 * 60;
  }

  async reserve(orderId: string, lines: StockLine[]): Promise<ReserveResult> {
    const wanted = normalizeLines(orderId, lines);
    const keys = [
      this.reservationKey(orderId),
      this.indexKey,
      ...wanted.map((line) => this.counterKey(line.productId)),
      ...wanted.map((line) => this.generationKey(line.productId)),
    ];
    for (let round = 1; ; round++) {
      // A new generation value each round: one a slow reader of an earlier round holds must never come back.
      const args = [orderId, this.now(), this.reservationTtlSeconds, randomBytes(12).toString('base64url'), ...pairs(wanted)];
      const [status, ...rest] = (await this.run(RESERVE, keys, args)) as Array<number | string>;
      if (status === 1) return { ok: true };
      if (status === 0) return { ok: false, productId: Number(rest[0]), available: Number(rest[1]) };
      if (round === MAX_SEED_ROUNDS)
        throw new Error(`StockGuard: counters for order ${orderId} kept disappearing after ${round} seeding rounds`);
      const generations = new Map<number, string>();
      for (let i = 0; i < rest.length; i += 2) generations.set(Number(rest[i]), String(rest[i + 1]));
      const missing = [...generations.keys()];
      const seeds = await loadSeeds(this.loadStock, missing);
      // Written only where the generation read with the missing counter is still there: another reserve
      // may have seeded (and already used) the counter, or units may have come back since MySQL was read
      // (see redis-stock-scripts.ts); either way the next round looks again.
      const seeded = [...seeds.keys()];
      if (seeded.length) {
        await this.run(
          SEED,
          [...seeded.map((productId) => this.counterKey(productId)), ...seeded.map((productId) => this.generationKey(productId))],
          seeded.flatMap((productId) => [seeds.get(productId)!, generations.get(productId)!]),
        );
      }
      // A product the loader does not know has nothing to sell; it gets no counter (none is invented) and the order is refused.
      const unknown = missing.find((productId) => !seeds.has(productId));
      if (unknown !== undefined) return { ok: false, productId: unknown, available: 0 };
    }
  }

  release(orderId: string): Promise<StockLine[] | null> {
    return this.endHold(orderId, 'give');
  }

  abandon(orderId: string): Promise<StockLine[] | null> {
    return this.endHold(orderId, 'forget');
  }

  /** Deletes a hold's record and gives its units back ('give') or drops its products' counters ('forget'), atomically. */
  private async endHold(orderId: string, mode: 'give' | 'forget'): Promise<StockLine[] | null> {
    if (!orderId) return null;
    const reservationKey = this.reservationKey(orderId);
    // The script must be told every counter key it touches (Cluster), so the record is read first and the
    // script re-checks it. A record never changes while it exists, so a second round needs the order to be
    // released and reserved again with other lines between the two calls.
    for (let round = 0; round < MAX_RELEASE_ROUNDS; round++) {
      const raw = await this.redis.hgetall(reservationKey);
      const fields = Object.entries(raw);
      const productIds = fields.map(([productId]) => Number(productId));
      const keys = [
        reservationKey,
        this.indexKey,
        ...productIds.map((productId) => this.counterKey(productId)),
        ...productIds.map((productId) => this.generationKey(productId)),
      ];
      const status = (await this.run(RELEASE, keys, [orderId, mode, ...fields.flat()])) as number;
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
    if (delta !== 0) await this.run(ADJUST, [this.counterKey(productId), this.generationKey(productId)], [delta]);
  }

  async forget(productIds: number[]): Promise<void> {
    // Their seed generations need nothing: one exists only while its counter is missing (redis-stock-scripts.ts).
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

  /** The seed generation of a missing counter (see redis-stock-scripts.ts). */
  private generationKey(productId: number): string {
    return `${this.base}g:${productId}`;
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
    // Seed generations go too: this node may lack the deletion of one a seed in flight read on the old master.
    let dropped = 0;
    for await (const keys of scanKeys(this.redis, `${globEscape(this.base)}[pg]:*`)) dropped += await this.redis.del(...keys);
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
