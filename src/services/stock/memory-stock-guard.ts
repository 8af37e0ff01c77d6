import { assertProductId, MAX_SEED_ROUNDS, normalizeLines, seedCounters } from './stock-guard';
import type { ReserveResult, StockGuard, StockLine, StockLoader } from './stock-guard';

type Reservation = { lines: StockLine[]; at: number };

/**
 * StockGuard kept in this process's memory (one instance only). Every check-and-change runs synchronously
 * after the last await, so concurrent calls in this process interleave only between whole steps, just as
 * the Redis scripts do across instances.
 */
export class MemoryStockGuard implements StockGuard {
  readonly kind = 'memory' as const;
  private readonly stock = new Map<number, number>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly now: () => number;

  constructor(
    private readonly loadStock: StockLoader,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async reserve(orderId: string, lines: StockLine[]): Promise<ReserveResult> {
    const wanted = normalizeLines(orderId, lines);
    for (let round = 1; ; round++) {
      const missing = this.tryReserve(orderId, wanted);
      if (!Array.isArray(missing)) return missing;
      if (round === MAX_SEED_ROUNDS)
        throw new Error(`StockGuard: counters for order ${orderId} kept disappearing after ${round} seeding rounds`);
      // Written while the database's rows are still held (StockLoader). Set-if-not-exists: another
      // reserve may have seeded (and already used) the counter during the await.
      const seeds = await seedCounters(this.loadStock, missing, async (read) => {
        for (const [productId, value] of read) if (!this.stock.has(productId)) this.stock.set(productId, value);
      });
      // A product the loader does not know has nothing to sell; it gets no counter (none is invented) and the order is refused.
      const unknown = missing.find((productId) => !seeds.has(productId));
      if (unknown !== undefined) return { ok: false, productId: unknown, available: 0 };
    }
  }

  /** One synchronous step: the result, or the product ids whose counters must be seeded first. */
  private tryReserve(orderId: string, lines: StockLine[]): ReserveResult | number[] {
    if (this.reservations.has(orderId)) return { ok: true };
    const missing = lines.filter((line) => !this.stock.has(line.productId)).map((line) => line.productId);
    if (missing.length) return missing;
    for (const { productId, quantity } of lines) {
      const available = this.stock.get(productId)!;
      if (available < quantity) return { ok: false, productId, available: Math.max(0, available) };
    }
    for (const { productId, quantity } of lines) this.stock.set(productId, this.stock.get(productId)! - quantity);
    this.reservations.set(orderId, { lines, at: this.now() });
    return { ok: true };
  }

  async release(orderId: string): Promise<StockLine[] | null> {
    const held = this.reservations.get(orderId);
    if (!held) return null;
    this.reservations.delete(orderId);
    for (const { productId, quantity } of held.lines) {
      const current = this.stock.get(productId);
      if (current !== undefined) this.stock.set(productId, current + quantity);
    }
    return held.lines.map((line) => ({ ...line }));
  }

  async settle(orderId: string): Promise<boolean> {
    return this.reservations.delete(orderId);
  }

  async adjust(productId: number, delta: number): Promise<void> {
    assertProductId(productId);
    if (!Number.isSafeInteger(delta)) throw new Error(`StockGuard: stock delta must be an integer, got ${delta}`);
    const current = this.stock.get(productId);
    if (current !== undefined) this.stock.set(productId, current + delta);
  }

  async forget(productIds: number[]): Promise<void> {
    for (const productId of productIds) this.stock.delete(productId);
  }

  async staleReservations(olderThanMs: number, limit: number): Promise<string[]> {
    const cutoff = this.now() - olderThanMs;
    return [...this.reservations]
      .filter(([, held]) => held.at < cutoff)
      .sort(([, a], [, b]) => a.at - b.at)
      .slice(0, Math.max(0, limit))
      .map(([orderId]) => orderId);
  }

  async counters(productIds: number[]): Promise<Map<number, number | null>> {
    return new Map(productIds.map((productId) => [productId, this.stock.get(productId) ?? null]));
  }

  async reservation(orderId: string): Promise<StockLine[] | null> {
    return this.reservations.get(orderId)?.lines.map((line) => ({ ...line })) ?? null;
  }
}
