import type { EntityManager } from '@mikro-orm/knex';
import { sqlTransaction } from '../../db/sql';
import { ProductStatus } from '../../entities';
import { retryOnDeadlock } from '../shared/deadlock';
import type { StockLoader } from './stock-guard';

/**
 * Stock status follows stock: every statement that changes `product.stock` moves `status` in the
 * same row update, so a product whose stock reaches 0 is SOLD_OUT in the transaction that took its
 * last unit, and comes back ON_SALE when units return. HIDDEN is the seller's and never changes
 * here; a SOLD_OUT the seller set by hand while stock was left stays SOLD_OUT.
 *
 * Both statements put `status` FIRST and test the OLD stock: MySQL/MariaDB evaluate SET
 * assignments left to right and a later one sees the earlier one's new value, while SQLite uses
 * the old values for all of them. With `status` first, both read the old stock and behave the same.
 */

/**
 * Takes `quantity` units of an orderable product: params `[quantity, quantity, productId, quantity]`.
 * Affects no row when the stock is short or the product is not ON_SALE (or deleted).
 */
export const TAKE_STOCK_SQL =
  "update product set status = case when status = 'ON_SALE' and stock = ? then 'SOLD_OUT' else status end, stock = stock - ? " +
  "where id = ? and stock >= ? and status = 'ON_SALE' and deleted_at is null";

export const takeStockParams = (productId: number, quantity: number): unknown[] => [quantity, quantity, productId, quantity];

/**
 * Gives `units` (> 0) back to a product: params `[units, productId]`. A product sold out by its
 * stock (SOLD_OUT with none left, not set by its seller) is ON_SALE again; HIDDEN stays HIDDEN.
 */
export const GIVE_BACK_STOCK_SQL =
  "update product set status = case when status = 'SOLD_OUT' and stock = 0 and sold_out_by_seller = false then 'ON_SALE' else status end, " +
  'stock = stock + ? where id = ?';

export const giveBackStockParams = (productId: number, units: number): unknown[] => [units, productId];

/** A new product's status: ON_SALE (asked or by default) with no stock is SOLD_OUT; SOLD_OUT and HIDDEN are kept. */
export function statusOfNewProduct(stock: number, asked: ProductStatus | null | undefined): ProductStatus {
  const status = asked ?? ProductStatus.ON_SALE;
  return status === ProductStatus.ON_SALE && stock === 0 ? ProductStatus.SOLD_OUT : status;
}

/**
 * A product's status after its seller changes it: ON_SALE with no stock is SOLD_OUT; a product sold
 * out by its stock (SOLD_OUT with none) that the seller restocks without naming a status is ON_SALE
 * again. A status the seller names (SOLD_OUT, HIDDEN) is kept.
 */
export function statusAfterSellerChange(
  before: { status: ProductStatus; stock: number; soldOutBySeller: boolean },
  after: { stock: number },
  asked: ProductStatus | null | undefined,
): ProductStatus {
  let status = asked ?? before.status;
  const soldOutByStock = before.status === ProductStatus.SOLD_OUT && before.stock === 0 && !before.soldOutBySeller;
  if (asked == null && soldOutByStock && after.stock > 0) status = ProductStatus.ON_SALE;
  return status === ProductStatus.ON_SALE && after.stock === 0 ? ProductStatus.SOLD_OUT : status;
}

/** Whether a SOLD_OUT is the seller's own after they change the product: they named it, or named nothing and it was. */
export function soldOutBySellerAfter(before: { soldOutBySeller: boolean }, asked: ProductStatus | null | undefined): boolean {
  return asked == null ? before.soldOutBySeller : asked === ProductStatus.SOLD_OUT;
}

/**
 * The StockGuard's loader on the database: the products' stock read under a shared row lock, held
 * until `write` has put it in the counters. A stock change holds its product's row (the take, the
 * give-back, a seller's edit) until it has moved the counter, so the read waits for it to commit
 * and sees it, or comes first and the change then moves the seeded counter. On SQLite the one
 * connection serializes the transactions the same way.
 */
export function seedFromDatabase(em: EntityManager): StockLoader {
  return (productIds, write) =>
    retryOnDeadlock(() =>
      sqlTransaction(em.fork(), async (sql) => {
        const rows = await sql.rows<{ id: unknown; stock: unknown }>(
          `select id, stock from product where id in (${productIds.map(() => '?').join(', ')}) order by id${sql.forShare}`,
          productIds,
        );
        await write(new Map(rows.map((row) => [Number(row.id), Number(row.stock)])));
      }),
    );
}
