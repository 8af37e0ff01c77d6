import { DeadlockException, raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { CartLine, Product, ProductStatus } from '../../entities';
import { badInput, notFound, outOfStock } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { toProductRecord, type ProductRecord } from '../catalog/product.service';
import { pastMaxAmount, shownAmount, withinOrderLimits, type OrderLimits } from '../orders/order-limits';

export type CartLineView = { product: ProductRecord; quantity: number; unitPrice: number; lineTotal: number; available: boolean };
export type CartView = { lines: CartLineView[]; totalAmount: number };

/** Whether a product can be bought now in this quantity. */
export function isPurchasable(product: Pick<Product, 'status' | 'deletedAt' | 'stock'>, quantity: number): boolean {
  return product.deletedAt === null && product.status === ProductStatus.ON_SALE && product.stock >= quantity;
}

/**
 * A customer's cart, kept in MySQL: one line per product, shown with current prices and availability.
 * It holds what one order may (ORDER_MAX_LINE_QUANTITY units a line, ORDER_MAX_AMOUNT in all), so
 * whatever `addToCart` accepted can be ordered at once while prices stay as they were.
 */
export class CartService {
  constructor(private readonly limits: OrderLimits) {}

  /** The cart as it stands now: current unit prices, line totals, availability and the total of what can be bought. */
  async view(em: EntityManager, customerId: number): Promise<CartView> {
    return this.toView(await em.find(CartLine, { customer: customerId }, { populate: ['product'], orderBy: { id: 'asc' } }));
  }

  /**
   * Adds a product, or raises its quantity when it is already in the cart. The line may not exceed
   * the stock (OUT_OF_STOCK) nor ORDER_MAX_LINE_QUANTITY, and the cart's total at current prices
   * may not pass ORDER_MAX_AMOUNT (BAD_USER_INPUT on `quantity`); a refused add changes nothing.
   */
  async add(em: EntityManager, customerId: number, productId: string, quantity: number): Promise<CartView> {
    const { maxLineQuantity } = this.limits;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > maxLineQuantity) {
      throw badInput('quantity', `must be a whole number from 1 to ${maxLineQuantity}`);
    }
    const product = await this.requireBuyable(em, productId);
    await this.assertWithinOrderLimits(em, customerId, product, quantity);
    // Lock-free: raise an existing line only while it stays within the stock and the line limit, else
    // insert the line; a racing first insert of the same product loses on the unique key and raises instead.
    const cap = Math.min(product.stock, maxLineQuantity);
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        const raised = await em.nativeUpdate(
          CartLine,
          { customer: customerId, product: product.id, quantity: { $lte: cap - quantity } },
          { quantity: raw('quantity + ?', [quantity]), updatedAt: new Date() },
        );
        if (raised) return this.view(em, customerId);
        const existing = await em.findOne(
          CartLine,
          { customer: customerId, product: product.id },
          { fields: ['quantity'], disableIdentityMap: true },
        );
        const wanted = (existing?.quantity ?? 0) + quantity;
        if (wanted > maxLineQuantity) throw tooManyUnits(maxLineQuantity, existing?.quantity ?? 0);
        if (wanted > product.stock) throw outOfStock(product, product.stock);
        // The line appeared after the update above (a racing add): raise it on the next pass.
        if (existing) continue;
        await em.insert(CartLine, { customer: customerId, product: product.id, quantity, createdAt: new Date(), updatedAt: new Date() });
        return this.view(em, customerId);
      } catch (err) {
        // A racing first insert won (unique key), or InnoDB picked this statement as a deadlock victim: try again.
        const retry = err instanceof UniqueConstraintViolationException || err instanceof DeadlockException;
        if (!retry) throw err;
      }
    }
    throw new Error('could not update the cart line after 5 attempts');
  }

  /** Takes a product out of the cart (nothing happens if it is not there). */
  async remove(em: EntityManager, customerId: number, productId: string): Promise<CartView> {
    const id = parseNumericId(productId);
    if (!id || !(await em.count(Product, { id }))) throw notFound('Product');
    await em.nativeDelete(CartLine, { customer: customerId, product: id });
    return this.view(em, customerId);
  }

  /** Empties the cart. */
  async clear(em: EntityManager, customerId: number): Promise<CartView> {
    await em.nativeDelete(CartLine, { customer: customerId });
    return { lines: [], totalAmount: 0 };
  }

  /** Removes the given products' lines (an order for them was paid). */
  async removeProducts(em: EntityManager, customerId: number, productIds: number[]): Promise<void> {
    if (productIds.length) await em.nativeDelete(CartLine, { customer: customerId, product: { $in: productIds } });
  }

  /**
   * Before the cart changes: the product's line after this add stays within ORDER_MAX_LINE_QUANTITY,
   * and the cart's total at current prices (the lines that can be ordered, this one as it would be)
   * within ORDER_MAX_AMOUNT. Adds racing each other may pass together; createOrder checks again.
   */
  private async assertWithinOrderLimits(em: EntityManager, customerId: number, product: Product, quantity: number): Promise<void> {
    const lines = await em.find(CartLine, { customer: customerId }, { populate: ['product'], disableIdentityMap: true });
    const existing = lines.find((l) => l.product.id === product.id)?.quantity ?? 0;
    if (existing + quantity > this.limits.maxLineQuantity) throw tooManyUnits(this.limits.maxLineQuantity, existing);
    const others = this.toView(lines.filter((l) => l.product.id !== product.id)).totalAmount;
    const total = others + product.price * (existing + quantity);
    if (total > this.limits.maxAmount) throw badInput('quantity', `your cart would come to ${pastMaxAmount(this.limits, total)}`);
  }

  private toView(lines: CartLine[]): CartView {
    const views = lines.map(({ product, quantity }): CartLineView => {
      const p = product.getEntity();
      return {
        product: toProductRecord(p),
        quantity,
        unitPrice: p.price,
        // Exact unless a price rose past what one order may total: see shownAmount.
        lineTotal: shownAmount(p.price * quantity),
        // Orderable now: on sale with the stock for it, and within what one order may hold.
        available: isPurchasable(p, quantity) && withinOrderLimits(this.limits, p.price, quantity),
      };
    });
    return { lines: views, totalAmount: shownAmount(views.filter((l) => l.available).reduce((sum, l) => sum + l.lineTotal, 0)) };
  }

  private async requireBuyable(em: EntityManager, productId: string): Promise<Product> {
    const id = parseNumericId(productId);
    const product = id ? await em.findOne(Product, { id, deletedAt: null }) : null;
    // Hidden products are invisible to customers, so they are "not found" like deleted ones.
    if (!product || product.status === ProductStatus.HIDDEN) throw notFound('Product');
    if (product.status === ProductStatus.SOLD_OUT || product.stock === 0) throw outOfStock(product, 0);
    return product;
  }
}

const tooManyUnits = (max: number, inCart: number) =>
  badInput('quantity', `one order takes at most ${max} units of a product${inCart ? ` (your cart has ${inCart})` : ''}`);
