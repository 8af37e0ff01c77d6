import type { EntityManager } from '@mikro-orm/knex';
import type { GraphQLError } from 'graphql';
import { asDate, sqlOf, sqlTransaction, type Sql } from '../../db/sql';
import { Order, OrderItem, OrderStatus, Product, ProductStatus } from '../../entities';
import type { Logger } from '../../logger';
import { badInput, outOfStock, serviceUnavailable, tooManyRequests } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import type { ActionLimit } from '../shared/action-limit';
import { retryOnDeadlock } from '../shared/deadlock';
import { TAKE_STOCK_SQL, takeStockParams } from '../stock/product-stock';
import type { StockGuard, StockLine } from '../stock/stock-guard';
import { newOrderId, orderNameFor } from './order-identity';
import { pastMaxAmount, type OrderLimits } from './order-limits';
import { resolveOrderAddress, type AddressChoice, type AddressSnapshot } from '../shipping/order-address';
import { itemRecords, OrderItemStatus, toOrderRecord, type OrderItemRecord, type OrderRecord } from './order-records';

/** A cart line with what ordering it needs to know of its product (a plain row, read in one query). */
type Line = {
  quantity: number;
  product: { id: number; sellerId: number; name: string; price: number; stock: number; status: ProductStatus; deleted: boolean };
};

/** Thrown inside the order's transaction when MySQL's conditional update refuses a line. */
class MysqlStockShort extends Error {
  constructor(readonly product: Line['product']) {
    super(`stock short for product ${product.id}`);
  }
}

/** Thrown inside the order's transaction when the customer already has as many unpaid orders as allowed. */
class PendingLimitReached extends Error {
  constructor() {
    super('the customer has too many unpaid orders');
  }
}

/** What the lines come to at their current prices: the order's amount. */
const totalOf = (lines: Line[]) => lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0);

export type PlacedOrder = { order: OrderRecord; items: OrderItemRecord[] };

/** What one order may hold, and how many unpaid orders one customer may have at once (0: no limit). */
export type CheckoutLimits = OrderLimits & Readonly<{ maxPendingPerCustomer: number }>;

/**
 * createOrder: the cart's lines become a PAYMENT_PENDING order with stock held for all of them
 * or none. The StockGuard holds the units first (atomic across instances, so most refusals
 * never reach MySQL); MySQL's conditional update in the order's transaction is the final guard.
 * This is the hottest write path, so it runs plain SQL (see db/sql.ts), not the unit of work.
 */
export class CheckoutService {
  constructor(
    private readonly deps: {
      stock: StockGuard;
      paymentWindowSeconds: number;
      limits: CheckoutLimits;
      /** Orders created per customer per minute (ORDER_CREATE_PER_MINUTE), shared by every instance. */
      orderRate: ActionLimit;
      logger: Logger;
      /** Called after an order commits, so its event is published without waiting for the next relay pass. */
      onEvent?: () => void;
    },
  ) {}

  /**
   * Orders the whole cart, or only `productIds` from it, to the address the customer names (see
   * resolveOrderAddress: their default one when they name none). Every refusal (bad lines or address,
   * the order limits, too many unpaid orders, too many orders this minute) comes before anything is written.
   */
  async createOrder(
    em: EntityManager,
    customerId: number,
    productIds?: readonly string[] | null,
    address?: AddressChoice | null,
  ): Promise<PlacedOrder> {
    const [lines, pending, shipTo] = await Promise.all([
      this.linesToOrder(em, customerId, productIds),
      this.pendingOrders(sqlOf(em), customerId),
      resolveOrderAddress(em, customerId, address, { useDefault: true }),
    ]);
    // A cheap first look, before the stock hold; the order's transaction counts again under a lock.
    if (this.atPendingLimit(pending)) throw await this.tooManyPending(em, customerId);
    const rateKey = String(customerId);
    await this.deps.orderRate.take(rateKey);
    try {
      return await this.place(em, customerId, lines, shipTo);
    } catch (err) {
      // No order came of it: the attempt does not count as an order created.
      await this.deps.orderRate.giveBack(rateKey);
      throw err;
    }
  }

  /** Holds the stock, then writes the order in one transaction; the hold is given back if the order is not written. */
  private async place(em: EntityManager, customerId: number, lines: Line[], shipTo: AddressSnapshot | null): Promise<PlacedOrder> {
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
      const placed = await retryOnDeadlock(() => sqlTransaction(em, (sql) => this.insertOrder(sql, customerId, orderId, lines, shipTo)));
      this.deps.onEvent?.();
      return placed;
    } catch (err) {
      // Refused inside the transaction, so rolled back: nothing was written.
      const refused = err instanceof MysqlStockShort || err instanceof PendingLimitReached;
      if (!refused) {
        // The connection may have died after COMMIT reached MySQL: ask before giving the units back.
        const committed = await this.committedOrder(em, orderId, lines);
        if (committed) return committed;
        if (committed === undefined) {
          // MySQL cannot say now: the hold stays for the sweeper, which releases it once it sees no order.
          this.deps.logger.warn({ err, orderId }, 'order outcome unknown; its stock hold is left to the sweeper');
          throw err;
        }
      }
      await this.deps.stock
        .release(orderId)
        .catch((e: unknown) => this.deps.logger.warn({ err: e, orderId }, 'could not release a reservation'));
      if (err instanceof MysqlStockShort) {
        // The counter allowed what MySQL refused: it has drifted, so it is rebuilt from MySQL next time.
        await this.deps.stock.forget([err.product.id]).catch(() => undefined);
        const fresh = await em.fork().findOne(Product, err.product.id, { fields: ['stock'] });
        throw outOfStock(err.product, fresh?.stock ?? 0);
      }
      if (err instanceof PendingLimitReached) throw await this.tooManyPending(em, customerId);
      throw err;
    }
  }

  /**
   * MySQL refused at the first look: a counter above MySQL's stock has drifted (a rebuild counted
   * units of an order that was still committing, README "Stock") and would let checkouts through to
   * MySQL's refusal; it is dropped, so the next reserve rebuilds it. Best effort.
   */
  private async dropCounterAhead(productId: number, stock: number): Promise<void> {
    try {
      const counter = (await this.deps.stock.counters([productId])).get(productId);
      if (counter != null && counter > stock) await this.deps.stock.forget([productId]);
    } catch {
      // The StockGuard is unreachable: the refusal stands; the counter is checked at the next one.
    }
  }

  /**
   * After a failed order transaction: the order as committed (the failure hit after COMMIT),
   * null when it was not written, undefined when MySQL cannot be asked.
   */
  private async committedOrder(em: EntityManager, orderId: string, lines: Line[]): Promise<PlacedOrder | null | undefined> {
    try {
      const fork = em.fork();
      const order = await fork.findOne(Order, { orderId });
      if (!order) return null;
      const items = await itemRecords(sqlOf(fork), 'i.order_id = ?', [order.id]);
      return items.length === lines.length ? { order: toOrderRecord(order), items } : undefined;
    } catch {
      return undefined;
    }
  }

  private async linesToOrder(em: EntityManager, customerId: number, productIds?: readonly string[] | null): Promise<Line[]> {
    const cart = await this.cartLines(em, customerId);
    let chosen = cart;
    if (productIds != null) {
      if (productIds.length === 0) throw badInput('productIds', 'must name at least one product in your cart');
      const inCart = new Set(cart.map((l) => l.product.id));
      const wanted = new Set<number>();
      for (const id of productIds) {
        const numeric = parseNumericId(id);
        if (!numeric || !inCart.has(numeric)) throw badInput('productIds', `product ${id} is not in your cart`);
        wanted.add(numeric);
      }
      chosen = cart.filter((l) => wanted.has(l.product.id));
    }
    if (chosen.length === 0) throw badInput('cart', 'Your cart is empty.');

    const { maxLineQuantity } = this.deps.limits;
    // The limits name what the customer chose: their productIds, or the cart as a whole.
    const field = productIds != null ? 'productIds' : 'cart';
    for (const { product, quantity } of chosen) {
      if (product.deleted || product.status === ProductStatus.HIDDEN) {
        throw badInput('productIds', `"${product.name}" is no longer sold; remove it from your cart`);
      }
      if (product.status === ProductStatus.SOLD_OUT) throw outOfStock(product, 0);
      if (product.stock < quantity) {
        await this.dropCounterAhead(product.id, product.stock);
        throw outOfStock(product, product.stock);
      }
      if (quantity > maxLineQuantity) {
        throw badInput(
          field,
          `"${product.name}": one order takes at most ${maxLineQuantity} units of a product; lower its quantity in your cart`,
        );
      }
    }
    const total = totalOf(chosen);
    if (total > this.deps.limits.maxAmount) {
      throw badInput(field, `this order would come to ${pastMaxAmount(this.deps.limits, total)}; order fewer items at once`);
    }
    return chosen;
  }

  /** The customer's PAYMENT_PENDING orders (not counted when ORDER_MAX_PENDING_PER_CUSTOMER is 0). */
  private async pendingOrders(sql: Sql, customerId: number): Promise<number> {
    if (this.deps.limits.maxPendingPerCustomer <= 0) return 0;
    const [row] = await sql.rows<{ n: unknown }>('select count(*) as n from customer_order where customer_id = ? and status = ?', [
      customerId,
      OrderStatus.PAYMENT_PENDING,
    ]);
    return Number(row?.n ?? 0);
  }

  private atPendingLimit(pending: number): boolean {
    const max = this.deps.limits.maxPendingPerCustomer;
    return max > 0 && pending >= max;
  }

  /** TOO_MANY_REQUESTS, with `retryAfter` until the customer's oldest unpaid order expires. */
  private async tooManyPending(em: EntityManager, customerId: number): Promise<GraphQLError> {
    const [row] = await sqlOf(em)
      .rows<{ first: unknown }>('select min(expires_at) as first from customer_order where customer_id = ? and status = ?', [
        customerId,
        OrderStatus.PAYMENT_PENDING,
      ])
      .catch(() => []);
    const wait = row?.first != null ? Math.ceil((asDate(row.first).getTime() - Date.now()) / 1000) : this.deps.paymentWindowSeconds;
    const max = this.deps.limits.maxPendingPerCustomer;
    return tooManyRequests(
      Math.max(1, wait),
      `You already have ${max} unpaid ${max === 1 ? 'order' : 'orders'}, the most one customer may have at once: pay or cancel one first (an unpaid order also expires on its own).`,
    );
  }

  private async cartLines(em: EntityManager, customerId: number): Promise<Line[]> {
    const rows = await sqlOf(em).rows<Record<string, unknown>>(
      `select c.quantity, p.id, p.seller_id, p.name, p.price, p.stock, p.status, p.deleted_at
         from cart_line c join product p on p.id = c.product_id
        where c.customer_id = ? order by c.id`,
      [customerId],
    );
    return rows.map((r) => ({
      quantity: Number(r.quantity),
      product: {
        id: Number(r.id),
        sellerId: Number(r.seller_id),
        name: String(r.name),
        price: Number(r.price),
        stock: Number(r.stock),
        status: r.status as ProductStatus,
        deleted: r.deleted_at !== null,
      },
    }));
  }

  private async insertOrder(
    sql: Sql,
    customerId: number,
    orderId: string,
    lines: Line[],
    shipTo: AddressSnapshot | null,
  ): Promise<PlacedOrder> {
    if (this.deps.limits.maxPendingPerCustomer > 0) {
      // One customer's checkouts take turns on their customer row (on any instance); other customers
      // never wait here, and the lock lasts until the commit below. The count is this transaction's
      // first plain read, made after the lock, so InnoDB's REPEATABLE READ snapshot already holds every
      // order the previous holder committed. SQLite runs one write transaction at a time anyway.
      await sql.rows(`select id from customer where id = ?${sql.forUpdate}`, [customerId]);
      if (this.atPendingLimit(await this.pendingOrders(sql, customerId))) throw new PendingLimitReached();
    }
    const now = new Date();
    const order: Omit<OrderRecord, 'id'> = {
      orderId,
      customerId,
      orderName: orderNameFor(lines.map((l) => l.product.name)),
      status: OrderStatus.PAYMENT_PENDING,
      totalAmount: totalOf(lines),
      failureCode: null,
      failureMessage: null,
      cancelReason: null,
      expiresAt: new Date(now.getTime() + this.deps.paymentWindowSeconds * 1000),
      orderedAt: now,
      paidAt: null,
      cancelledAt: null,
      refundClaimedAt: null,
      flaggedAt: null,
      flagReason: null,
      shippingAddress: shipTo,
    };
    const { insertId: id } = await sql.run(
      `insert into customer_order (order_id, customer_id, order_name, status, total_amount, expires_at, ordered_at, updated_at,
         ship_recipient_name, ship_phone, ship_postcode, ship_road_address, ship_detail, ship_memo)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        orderId,
        customerId,
        order.orderName,
        order.status,
        order.totalAmount,
        order.expiresAt,
        now,
        now,
        shipTo?.recipientName ?? null,
        shipTo?.phone ?? null,
        shipTo?.postcode ?? null,
        shipTo?.roadAddress ?? null,
        shipTo ? shipTo.detail : null,
        shipTo?.memo ?? null,
      ],
    );
    const items: OrderItemRecord[] = lines.map(({ product, quantity }) => ({
      id: 0,
      orderDbId: id,
      productId: product.id,
      sellerId: product.sellerId,
      productName: product.name,
      unitPrice: product.price,
      quantity,
      cancelledQuantity: 0,
      shipmentId: null,
      confirmedAt: null,
      status: OrderItemStatus.PAYMENT_PENDING,
    }));
    const { insertId: firstItemId } = await sql.run(
      `insert into order_item (order_id, product_id, seller_id, product_name, unit_price, quantity) values ${items.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      items.flatMap((i) => [id, i.productId, i.sellerId, i.productName, i.unitPrice, i.quantity]),
    );
    // One multi-row insert: InnoDB gives a simple insert consecutive ids from the first.
    items.forEach((item, i) => (item.id = firstItemId + i));
    // The order's first event: history, outbox and notification in one row (see OrderStatusChange).
    await sql.run(
      `insert into order_status_change (order_id, customer_id, order_code, kind, from_status, to_status, at) values (?, ?, ?, 'CREATED', null, ?, ?)`,
      [id, customerId, orderId, OrderStatus.PAYMENT_PENDING, now],
    );
    // Last, in product id order: the hot rows stay locked only until the commit that follows,
    // and two orders never lock the same products in opposite orders.
    for (const { product, quantity } of [...lines].sort((a, b) => a.product.id - b.product.id)) {
      // The last unit taken makes the product SOLD_OUT in this same update (stock/product-stock.ts).
      const { affectedRows } = await sql.run(TAKE_STOCK_SQL, takeStockParams(product.id, quantity));
      if (affectedRows === 0) throw new MysqlStockShort(product);
    }
    return { order: { id, ...order }, items };
  }
}
