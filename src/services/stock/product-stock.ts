import { ProductStatus } from '../../entities';

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
 * stock (SOLD_OUT with none left) is ON_SALE again; HIDDEN stays HIDDEN.
 */
export const GIVE_BACK_STOCK_SQL =
  "update product set status = case when status = 'SOLD_OUT' and stock = 0 then 'ON_SALE' else status end, stock = stock + ? where id = ?";

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
  before: { status: ProductStatus; stock: number },
  after: { stock: number },
  asked: ProductStatus | null | undefined,
): ProductStatus {
  let status = asked ?? before.status;
  if (asked == null && before.status === ProductStatus.SOLD_OUT && before.stock === 0 && after.stock > 0) status = ProductStatus.ON_SALE;
  return status === ProductStatus.ON_SALE && after.stock === 0 ? ProductStatus.SOLD_OUT : status;
}
