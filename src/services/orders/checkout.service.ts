import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { CartLine, Customer, Order, OrderItem, OrderStatus, OrderStatusChange, Product, ProductStatus, Seller } from '../../entities';
import type { Logger } from '../../logger';
import { badInput, outOfStock, serviceUnavailable } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import type { StockGuard, StockLine } from '../stock/stock-guard';
import { newOrderId, orderNameFor } from './order-identity';
import { toOrderRecord, type OrderRecord } from './order-records';

type Line = { product: Product; quantity: number };

/** Thrown inside the order's transaction when MySQL's conditional update refuses a line. */
class MysqlStockShort extends Error {
  constructor(readonly product: Product) {
    super(`stock short for product ${product.id}`);
  }
}

/**
 * createOrder: the cart's lines become a PAYMENT_PENDING order with stock held for all of them
 * or none. The StockGuard holds the units first (atomic across instances, so most refusals
 * never reach MySQL); MySQL's conditional update in the order's transaction is the final guard.
 */
export class CheckoutService {
  constructor(private readonly deps: { stock: StockGuard; paymentWindowSeconds: number; logger: Logger }) {}

  /** Orders the whole cart, or only `productIds` from it. */
  async createOrder(em: EntityManager, customerId: number, productIds?: readonly string[] | null): Promise<OrderRecord> {
    const lines = await this.linesToOrder(em, customerId, productIds);
    const orderId = newOrderId();
    const stockLines: StockLine[] = lines.map((l) => ({ productId: l.product.id, quantity: l.quantity }));

    const held = await this.deps.stock.reserve(orderId, stockLines).catch((err: unknown) => {
      this.deps.logger.error({ err }, 'the StockGuard is unavailable');
      throw serviceUnavailable('Stock cannot be checked right now. Try again shortly.');
    });
    if (!held.ok) {
      const short = lines.find((l) => l.product.id === held.productId)!.product;
      throw outOfStock(short, Math.max(0, held.available));
    }

    try {
      const order = await em.transactional((tx) => this.insertOrder(tx, customerId, orderId, lines));
      return toOrderRecord(order);
    } catch (err) {
      await this.deps.stock
        .release(orderId)
        .catch((e: unknown) => this.deps.logger.warn({ err: e, orderId }, 'could not release a reservation'));
      if (err instanceof MysqlStockShort) {
        // The counter allowed what MySQL refused: it has drifted, so it is rebuilt from MySQL next time.
        await this.deps.stock.forget([err.product.id]).catch(() => undefined);
        const fresh = await em.fork().findOne(Product, err.product.id, { fields: ['stock'] });
        throw outOfStock(err.product, fresh?.stock ?? 0);
      }
      throw err;
    }
  }

  private async linesToOrder(em: EntityManager, customerId: number, productIds?: readonly string[] | null): Promise<Line[]> {
    const cart = await em.find(CartLine, { customer: customerId }, { populate: ['product'], orderBy: { id: 'asc' } });
    let chosen = cart;
    if (productIds != null) {
      if (productIds.length === 0) throw badInput('productIds', 'must name at least one product in your cart');
      const inCart = new Map(cart.map((l) => [l.product.id, l]));
      const wanted = new Set<number>();
      for (const id of productIds) {
        const numeric = parseNumericId(id);
        if (!numeric || !inCart.has(numeric)) throw badInput('productIds', `product ${id} is not in your cart`);
        wanted.add(numeric);
      }
      chosen = cart.filter((l) => wanted.has(l.product.id));
    }
    if (chosen.length === 0) throw badInput('cart', 'Your cart is empty.');

    const lines = chosen.map((l) => ({ product: l.product.getEntity(), quantity: l.quantity }));
    for (const { product, quantity } of lines) {
      if (product.deletedAt !== null || product.status === ProductStatus.HIDDEN) {
        throw badInput('productIds', `"${product.name}" is no longer sold; remove it from your cart`);
      }
      if (product.status === ProductStatus.SOLD_OUT) throw outOfStock(product, 0);
      if (product.stock < quantity) throw outOfStock(product, product.stock);
    }
    return lines;
  }

  private async insertOrder(tx: EntityManager, customerId: number, orderId: string, lines: Line[]): Promise<Order> {
    const now = new Date();
    const order = tx.create(Order, {
      orderId,
      customer: tx.getReference(Customer, customerId),
      orderName: orderNameFor(lines.map((l) => l.product.name)),
      totalAmount: lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0),
      expiresAt: new Date(now.getTime() + this.deps.paymentWindowSeconds * 1000),
      orderedAt: now,
    });
    for (const { product, quantity } of lines) {
      tx.create(OrderItem, {
        order,
        product: tx.getReference(Product, product.id),
        seller: tx.getReference(Seller, product.seller.id),
        productName: product.name,
        unitPrice: product.price,
        quantity,
      });
    }
    tx.create(OrderStatusChange, { order, fromStatus: null, toStatus: OrderStatus.PAYMENT_PENDING, at: now });
    await tx.flush();
    // Last, in product id order: the hot rows stay locked only until the commit that follows,
    // and two orders never lock the same products in opposite orders.
    for (const { product, quantity } of [...lines].sort((a, b) => a.product.id - b.product.id)) {
      const taken = await tx.nativeUpdate(
        Product,
        { id: product.id, stock: { $gte: quantity }, status: ProductStatus.ON_SALE, deletedAt: null },
        { stock: raw('stock - ?', [quantity]) },
      );
      if (taken === 0) throw new MysqlStockShort(product);
    }
    return order;
  }
}
