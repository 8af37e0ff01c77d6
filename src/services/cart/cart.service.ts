import { DeadlockException, raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { CartLine, Product, ProductStatus } from '../../entities';
import { badInput, notFound, outOfStock } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { toProductRecord, type ProductRecord } from '../catalog/product.service';

export const MAX_LINE_QUANTITY = 1_000_000;

export type CartLineView = { product: ProductRecord; quantity: number; unitPrice: number; lineTotal: number; available: boolean };
export type CartView = { lines: CartLineView[]; totalAmount: number };

/** Whether a product can be bought now in this quantity. */
export function isPurchasable(product: Pick<Product, 'status' | 'deletedAt' | 'stock'>, quantity: number): boolean {
  return product.deletedAt === null && product.status === ProductStatus.ON_SALE && product.stock >= quantity;
}

/** A customer's cart, kept in MySQL: one line per product, shown with current prices and availability. */
export class CartService {
  /** The cart as it stands now: current unit prices, line totals, availability and the total of what can be bought. */
  async view(em: EntityManager, customerId: number): Promise<CartView> {
    const lines = await em.find(CartLine, { customer: customerId }, { populate: ['product'], orderBy: { id: 'asc' } });
    const views = lines.map(({ product, quantity }): CartLineView => {
      const p = product.getEntity();
      return {
        product: toProductRecord(p),
        quantity,
        unitPrice: p.price,
        lineTotal: p.price * quantity,
        available: isPurchasable(p, quantity),
      };
    });
    return { lines: views, totalAmount: views.filter((l) => l.available).reduce((sum, l) => sum + l.lineTotal, 0) };
  }

  /** Adds a product, or raises its quantity when it is already in the cart; the result may not exceed the stock. */
  async add(em: EntityManager, customerId: number, productId: string, quantity: number): Promise<CartView> {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
      throw badInput('quantity', `must be a whole number from 1 to ${MAX_LINE_QUANTITY}`);
    }
    const product = await this.requireBuyable(em, productId);
    // Lock-free: raise an existing line only while it stays within the stock, else insert the
    // line; a racing first insert of the same product loses on the unique key and raises instead.
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        const raised = await em.nativeUpdate(
          CartLine,
          { customer: customerId, product: product.id, quantity: { $lte: product.stock - quantity } },
          { quantity: raw('quantity + ?', [quantity]), updatedAt: new Date() },
        );
        if (raised) return this.view(em, customerId);
        const existing = await em.findOne(
          CartLine,
          { customer: customerId, product: product.id },
          { fields: ['quantity'], disableIdentityMap: true },
        );
        if ((existing?.quantity ?? 0) + quantity > product.stock) throw outOfStock(product, product.stock);
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

  private async requireBuyable(em: EntityManager, productId: string): Promise<Product> {
    const id = parseNumericId(productId);
    const product = id ? await em.findOne(Product, { id, deletedAt: null }) : null;
    // Hidden products are invisible to customers, so they are "not found" like deleted ones.
    if (!product || product.status === ProductStatus.HIDDEN) throw notFound('Product');
    if (product.status === ProductStatus.SOLD_OUT || product.stock === 0) throw outOfStock(product, 0);
    return product;
  }
}
