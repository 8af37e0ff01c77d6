import type { EntityManager } from '@mikro-orm/knex';
import type { Sql } from '../../../db/sql';

/** What a product is searched by. */
export type SearchDoc = { id: number; name: string; description: string };

/**
 * The products matching a search, as SQL: a `select` of `product_id` and `search_rank` (0 when every
 * word is in the name, 1 when some word is only in the description) that the listing joins to
 * `product` and filters, sorts and pages like any listing, in one statement.
 */
export type SearchMatch = { sql: string; params: unknown[] };

export type ReindexProgress = { indexed: number; removed: number };
export type ReindexOptions = {
  onlyMissing?: boolean;
  batchSize?: number;
  onBatch?: (progress: ReindexProgress) => void;
  /** Stops between two batches. */
  signal?: AbortSignal;
};

/**
 * The search index port. Writes run on the caller's transaction (`Sql`), so the index changes
 * with the product in one commit: a renamed product is never found by its old name, nor a
 * deleted one at all. Words reach `match` already normalized (search-text.ts `searchWords`).
 */
export interface SearchIndex {
  /** Indexes a product (again), replacing what was indexed for it before; `isNew`: it has never been indexed (created in this transaction). */
  index(sql: Sql, doc: SearchDoc, options?: { isNew?: boolean }): Promise<void>;
  /** Drops a product from the index. */
  remove(sql: Sql, productId: number): Promise<void>;
  /** The products holding every word in their name or description (see SearchMatch). */
  match(words: readonly string[]): SearchMatch;
  /**
   * Rebuilds the index of every product (deleted ones are dropped) in batches, each in its own
   * transaction with the products' rows locked; `onlyMissing` indexes only products it lacks.
   */
  reindex(em: EntityManager, options?: ReindexOptions): Promise<ReindexProgress>;
}
