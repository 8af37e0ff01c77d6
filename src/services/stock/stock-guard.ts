export type StockLine = { productId: number; quantity: number };
export type ReserveResult = { ok: true } | { ok: false; productId: number; available: number };
/**
 * Seeds missing counters from MySQL (the source of truth): reads the products' sellable stock under
 * a shared row lock and calls `write` with it before the lock is released. Every stock change moves
 * its counter while it still holds the product's row (before its COMMIT, see README "Stock"), so no
 * change can commit between this read and the counter's write: a seed never misses a change, and a
 * change never lands on a counter seeded with it already.
 */
export type StockLoader = (productIds: number[], write: (stock: Map<number, number>) => Promise<void>) => Promise<void>;

/**
 * The StockGuard port: a fast, atomic first line of defence against overselling, shared by every app
 * instance (Redis) or kept in one process (in-memory). MySQL's conditional update stays the final guard.
 */
export interface StockGuard {
  readonly kind: 'redis' | 'memory';
  /** Holds every line for the order atomically, or none. Missing counters are first seeded from the loader (SET-if-not-exists), then retried. Reserving an orderId that already holds a reservation returns ok without holding twice. On refusal, names the first product that is short and its available count. */
  reserve(orderId: string, lines: StockLine[]): Promise<ReserveResult>;
  /** Gives the order's held units back to the counters, exactly once across all instances (the reservation record is deleted in the same atomic step). Counters that are missing are left missing (they will be rebuilt from MySQL). Returns the released lines, or null when there was no reservation record (already released/settled, never made, or lost in a flush). */
  release(orderId: string): Promise<StockLine[] | null>;
  /** The order is paid: its units stay sold; the reservation record is dropped without returning them. Returns false when there was no record. */
  settle(orderId: string): Promise<boolean>;
  /** A seller changed a product's stock by `delta` in MySQL: applies it to the counter if the counter exists (atomically; never creates it). */
  adjust(productId: number, delta: number): Promise<void>;
  /** Drops products' counters so the next reserve rebuilds them from MySQL (used when MySQL refused what a counter allowed, i.e. drift). */
  forget(productIds: number[]): Promise<void>;
  /** Order ids whose reservation is still held and was made more than `olderThanMs` ago (oldest first, at most `limit`): the sweeper checks them against MySQL. */
  staleReservations(olderThanMs: number, limit: number): Promise<string[]>;
  /** Current counter values (null when missing), for health checks and tests. */
  counters(productIds: number[]): Promise<Map<number, number | null>>;
  /** The lines a reservation holds, or null (for checks and tests). */
  reservation(orderId: string): Promise<StockLine[] | null>;
}

/** How many times reserve seeds missing counters and retries before giving up (counters vanishing each round means a flush storm). */
export const MAX_SEED_ROUNDS = 3;

/** Validates an order's lines and merges repeated products (summing quantities), keeping first-seen order. */
export function normalizeLines(orderId: string, lines: StockLine[]): StockLine[] {
  if (typeof orderId !== 'string' || orderId.length === 0) throw new Error('StockGuard: orderId must be a non-empty string');
  if (lines.length === 0) throw new Error(`StockGuard: order ${orderId} has no lines to reserve`);
  const merged = new Map<number, number>();
  for (const { productId, quantity } of lines) {
    assertProductId(productId);
    if (!Number.isSafeInteger(quantity) || quantity <= 0) {
      throw new Error(`StockGuard: quantity for product ${productId} must be a positive integer, got ${quantity}`);
    }
    merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  }
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

export function assertProductId(productId: number): void {
  if (!Number.isSafeInteger(productId) || productId <= 0) throw new Error(`StockGuard: invalid product id ${productId}`);
}

/**
 * Seeds missing counters: `write` gets the stock the loader read (checked: products it does not know
 * are left out, negative stock is 0), while the loader still holds the rows. Returns the seeds.
 */
export async function seedCounters(
  loadStock: StockLoader,
  productIds: number[],
  write: (seeds: Map<number, number>) => Promise<void>,
): Promise<Map<number, number>> {
  let seeds = new Map<number, number>();
  await loadStock(productIds, async (loaded) => {
    seeds = new Map<number, number>();
    for (const productId of productIds) {
      const stock = loaded.get(productId);
      if (stock === undefined) continue;
      if (!Number.isSafeInteger(stock)) throw new Error(`StockGuard: loader returned non-integer stock ${stock} for product ${productId}`);
      // MySQL never holds negative stock; clamping keeps a bad row from letting the counter go below zero.
      seeds.set(productId, Math.max(0, stock));
    }
    await write(seeds);
  });
  return seeds;
}
