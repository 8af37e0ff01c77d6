import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf } from '../../db/sql';
import {
  CancellationRequester,
  CancellationStatus,
  OrderCancellation,
  OrderEventKind,
  OrderItem,
  OrderStatus,
  Payment,
  PaymentStatus,
  type CancellationLine,
  Order,
} from '../../entities';
import { Role } from '../../entities/role';
import type { Identity } from '../../auth/identity';
import type { Logger } from '../../logger';
import { badInput, conflict, notFound } from '../../schema/errors';
import type { OrderLifecycle } from '../orders/order-lifecycle';
import { retryOnDeadlock } from '../shared/deadlock';
import { lockOrder } from '../shipping/order-lock';
import { GIVE_BACK_STOCK_SQL, giveBackStockParams } from '../stock/product-stock';
import type { StockGuard } from '../stock/stock-guard';
import type { TossPayment, TossPaymentCancel } from './payment-gateway';
import { applyTossPayment, ourStatus } from './payment-records';
import { beforeCommit } from '../../db/before-commit';

/** What a caller asks to cancel: units of lines, by OrderItem id. */
export type RequestedLine = { itemId: number; quantity: number };

/** A claimed cancellation, ready to be sent to Toss. */
export type ClaimedCancellation = Pick<OrderCancellation, 'id' | 'amount' | 'balanceBefore' | 'reason' | 'idempotencyKey'> & {
  orderDbId: number;
  paymentKey: string;
};

/**
 * The bookkeeping of partial cancels (cancelOrderItems): claiming lines before Toss is asked, and
 * settling once Toss's answer (or a lookup, or the webhook) shows the refund. Every step runs under
 * the order's row lock (lockOrder), so claims, settlements, shipments and full refunds of one order
 * happen one after another; the claim is the order's refund claim (`refundClaimedAt`), so only one
 * refund of an order, partial or full, is ever in flight, and no line ships meanwhile.
 */
export class ItemCancellations {
  constructor(private readonly deps: { lifecycle: OrderLifecycle; stock: StockGuard; logger: Logger }) {}

  /**
   * Checks the request against the order as it is under the lock and, if it stands, writes the
   * PENDING cancellation and takes the order's refund claim, in one transaction. Nothing is written
   * on a refusal.
   */
  async claim(
    em: EntityManager,
    identity: Identity,
    orderId: string,
    requested: readonly RequestedLine[],
    reason: string,
  ): Promise<ClaimedCancellation> {
    return retryOnDeadlock(() =>
      em.fork().transactional(async (tx) => {
        const order = await lockOrder(tx, { orderId });
        await this.checkCaller(tx, identity, order);
        if (order.status !== OrderStatus.ORDER_COMPLETED && order.status !== OrderStatus.SHIPPING) {
          throw badInput('orderId', `This order's lines cannot be cancelled: it is ${order.status}.`);
        }
        if (order.refundClaimedAt)
          throw conflict('A refund of this order is already under way; try again once it has finished.', 'orderId');
        const lines = await this.checkLines(tx, identity, order, requested);
        const payment = await tx.findOne(Payment, { order: order.id });
        if (!payment || (payment.status !== PaymentStatus.DONE && payment.status !== PaymentStatus.PARTIAL_CANCELED)) {
          throw badInput('orderId', 'This order has no completed payment to refund.');
        }
        const amount = lines.reduce((sum, l) => sum + l.amount, 0);
        if (amount > payment.balanceAmount) {
          throw conflict('The payment holds less than these lines come to; an admin has to look at this order.', 'items');
        }
        const seq = (await tx.count(OrderCancellation, { order: order.id })) + 1;
        const cancellation = tx.create(OrderCancellation, {
          order: order.id,
          requestedBy: identity.role === Role.SELLER ? CancellationRequester.SELLER : CancellationRequester.CUSTOMER,
          requesterId: identity.accountId,
          lines,
          amount,
          balanceBefore: payment.balanceAmount,
          reason,
          idempotencyKey: `cancel-${order.orderId}-${seq}`,
        });
        await tx.flush();
        await tx.nativeUpdate(Order, { id: order.id }, { refundClaimedAt: new Date(), updatedAt: new Date() });
        return {
          id: cancellation.id,
          orderDbId: order.id,
          paymentKey: payment.paymentKey,
          amount,
          balanceBefore: cancellation.balanceBefore,
          reason,
          idempotencyKey: cancellation.idempotencyKey,
        };
      }),
    );
  }

  /**
   * Settles a PENDING cancellation from Toss's view of the payment: when Toss shows its refund,
   * its units are cancelled and go back to stock, the payment is recorded, the claim is released and
   * an event is written (or, for the order's last lines, the order is CANCELLED). Returns false when
   * Toss does not show it (yet). Running it twice, or from the webhook and the request at once,
   * settles once.
   */
  async settle(em: EntityManager, cancellationId: number, toss: TossPayment): Promise<boolean> {
    const found = await em.fork().findOne(OrderCancellation, cancellationId, { fields: ['order'] });
    if (!found) return false;
    const settled = await retryOnDeadlock(() =>
      em.fork().transactional(async (tx) => {
        const order = await lockOrder(tx, { id: found.order.id });
        const cancellation = await tx.findOneOrFail(OrderCancellation, cancellationId);
        if (cancellation.status !== CancellationStatus.PENDING) return cancellation.status === CancellationStatus.DONE;
        const entry = landedEntry(toss, cancellation);
        if (!entry) return false;
        cancellation.status = CancellationStatus.DONE;
        cancellation.transactionKey = entry.transactionKey?.slice(0, 64) ?? null;
        cancellation.settledAt = new Date();
        await this.recordPayment(tx, order, toss);
        // An order refunded in full meanwhile (cancelOrder took over a stale claim) gave every unit back already.
        if (order.status === OrderStatus.CANCELLED) {
          await tx.flush();
          return true;
        }
        const returned = cancellation.lines;
        await this.cancelUnits(tx, returned);
        // The StockGuard gets the units right before COMMIT, the product rows still locked (README "Stock").
        beforeCommit(tx, () => this.returnToGuard(returned));
        await tx.flush();
        await this.afterUnitsCancelled(tx, order, cancellation, toss);
        return true;
      }),
    );
    this.deps.lifecycle.committed();
    return settled;
  }

  /** Cancelled units back to the StockGuard's counters; a counter that cannot take them is dropped (rebuilt from MySQL after the COMMIT). */
  private async returnToGuard(lines: CancellationLine[]): Promise<void> {
    for (const line of lines) {
      await this.deps.stock.adjust(line.productId, line.quantity).catch(async (err: unknown) => {
        this.deps.logger.warn({ err, productId: line.productId }, 'could not return cancelled units to the StockGuard');
        await this.deps.stock.forget([line.productId]).catch(() => undefined);
      });
    }
  }

  /** Toss refused the cancellation (or it never reached Toss): it fails, the claim is released, the lines stay as they were. */
  async fail(em: EntityManager, cancellationId: number, message: string): Promise<void> {
    const found = await em.fork().findOne(OrderCancellation, cancellationId, { fields: ['order'] });
    if (!found) return;
    await retryOnDeadlock(() =>
      em.fork().transactional(async (tx) => {
        const order = await lockOrder(tx, { id: found.order.id });
        const failed = await tx.nativeUpdate(
          OrderCancellation,
          { id: cancellationId, status: CancellationStatus.PENDING },
          { status: CancellationStatus.FAILED, failureMessage: message.slice(0, 255), settledAt: new Date() },
        );
        if (failed) await tx.nativeUpdate(Order, { id: order.id }, { refundClaimedAt: null, updatedAt: new Date() });
      }),
    );
  }

  /** The order's PENDING cancellations (at most one: the claim), oldest first. */
  pendingOf(em: EntityManager, orderDbId: number): Promise<OrderCancellation[]> {
    return em.fork().find(OrderCancellation, { order: orderDbId, status: CancellationStatus.PENDING }, { orderBy: { id: 'asc' } });
  }

  /** PENDING cancellations created before `before` (their request died or could not tell). */
  stale(em: EntityManager, before: Date, limit: number): Promise<OrderCancellation[]> {
    return em
      .fork()
      .find(
        OrderCancellation,
        { status: CancellationStatus.PENDING, createdAt: { $lte: before } },
        { orderBy: { createdAt: 'asc' }, limit, populate: ['order'] },
      );
  }

  /** Toss's balance equals what the order's lines still sold come to: every refund at Toss is one we recorded. */
  async explains(em: EntityManager, orderDbId: number, toss: TossPayment): Promise<boolean> {
    const [row] = await sqlOf(em.fork()).rows<{ amount: unknown }>(
      'select coalesce(sum(unit_price * (quantity - cancelled_quantity)), 0) as amount from order_item where order_id = ?',
      [orderDbId],
    );
    return Number(row?.amount ?? -1) === toss.balanceAmount;
  }

  private async checkCaller(tx: EntityManager, identity: Identity, order: Order): Promise<void> {
    if (identity.role === Role.CUSTOMER && order.customer.id === identity.accountId) return;
    if (identity.role === Role.SELLER && (await tx.count(OrderItem, { order: order.id, seller: identity.accountId })) > 0) return;
    throw notFound('Order');
  }

  /** The requested units as cancellation lines: each a line of this order (a seller's own), unshipped, with enough units left. */
  private async checkLines(
    tx: EntityManager,
    identity: Identity,
    order: Order,
    requested: readonly RequestedLine[],
  ): Promise<CancellationLine[]> {
    const items = await tx.find(OrderItem, { id: { $in: requested.map((r) => r.itemId) }, order: order.id });
    const byId = new Map(items.map((i) => [i.id, i]));
    return requested.map(({ itemId, quantity }) => {
      const item = byId.get(itemId);
      if (!item || (identity.role === Role.SELLER && item.seller.id !== identity.accountId)) throw notFound('Order item');
      if (item.confirmedAt) throw badInput('items', `line ${itemId} is purchase-confirmed (구매확정): it can no longer be cancelled`);
      if (item.shipment) throw badInput('items', `line ${itemId} has shipped: it can no longer be cancelled here`);
      const left = item.quantity - item.cancelledQuantity;
      if (quantity > left) {
        throw badInput(
          'items',
          left === 0 ? `line ${itemId} is already cancelled` : `line ${itemId} has only ${left} unit(s) left to cancel`,
        );
      }
      return { itemId, productId: item.product.id, quantity, amount: item.unitPrice * quantity };
    });
  }

  /** The units leave their lines and go back to stock, in product id order (like createOrder: no lock-order deadlocks). */
  private async cancelUnits(tx: EntityManager, lines: readonly CancellationLine[]): Promise<void> {
    const sql = sqlOf(tx);
    for (const line of lines) {
      const { affectedRows } = await sql.run(
        'update order_item set cancelled_quantity = cancelled_quantity + ? where id = ? and cancelled_quantity + ? <= quantity and shipment_id is null',
        [line.quantity, line.itemId, line.quantity],
      );
      if (affectedRows !== 1) throw new Error(`order item ${line.itemId} changed under its order's lock`);
    }
    for (const line of [...lines].sort((a, b) => a.productId - b.productId)) {
      await sql.run(GIVE_BACK_STOCK_SQL, giveBackStockParams(line.productId, line.quantity));
    }
  }

  /**
   * After the units left: the claim is released and the event written; the order's last lines
   * cancel the order (payment CANCELED), and a SHIPPING order whose other lines are all delivered
   * is DELIVERED.
   */
  private async afterUnitsCancelled(tx: EntityManager, order: Order, cancellation: OrderCancellation, toss: TossPayment): Promise<void> {
    const [counts] = await sqlOf(tx).rows<{ open: unknown; undelivered: unknown }>(
      `select sum(case when i.cancelled_quantity < i.quantity then 1 else 0 end) as open,
              sum(case when i.cancelled_quantity < i.quantity and (s.id is null or s.status <> 'DELIVERED') then 1 else 0 end) as undelivered
         from order_item i left join shipment s on s.id = i.shipment_id where i.order_id = ?`,
      [order.id],
    );
    const reason = cancellation.reason;
    if (Number(counts?.open ?? 0) === 0) {
      // Every unit of the order is refunded: the order is cancelled (its stock went back above, unit by unit).
      const moved = await this.deps.lifecycle.apply(tx, order.id, {
        from: order.status,
        to: OrderStatus.CANCELLED,
        patch: { cancelledAt: new Date(), cancelReason: reason.slice(0, 200), refundClaimedAt: null },
        reason,
      });
      if (!moved) throw new Error(`order ${order.orderId} changed under its lock`);
      return;
    }
    await tx.nativeUpdate(Order, { id: order.id }, { refundClaimedAt: null, updatedAt: new Date() });
    this.deps.lifecycle.recordEvent(tx, order, {
      kind: OrderEventKind.ITEMS_CANCELLED,
      paymentStatus: ourStatus(toss.status),
      from: order.status,
      to: order.status,
      reason,
    });
    await tx.flush();
    if (order.status === OrderStatus.SHIPPING && Number(counts?.undelivered ?? 0) === 0) {
      await this.deps.lifecycle.apply(tx, order.id, {
        from: OrderStatus.SHIPPING,
        to: OrderStatus.DELIVERED,
        reason: 'every line left is delivered',
      });
    }
  }

  private async recordPayment(tx: EntityManager, order: Order, toss: TossPayment): Promise<void> {
    const row = await tx.findOne(Payment, { order: order.id });
    if (row && row.paymentKey === toss.paymentKey) applyTossPayment(row, toss);
  }
}

/**
 * The entry of Toss's `cancels[]` that is this cancellation: its amount, made when the balance was
 * `balanceBefore` (so leaving balanceBefore - amount). Only one refund of an order is in flight at a
 * time, so no other cancel can leave that same balance with that amount.
 */
export function landedEntry(toss: TossPayment, c: Pick<OrderCancellation, 'amount' | 'balanceBefore'>): TossPaymentCancel | null {
  const after = c.balanceBefore - c.amount;
  return (
    toss.cancels.find(
      (e) => e.cancelAmount === c.amount && (e.refundableAmount === null ? toss.balanceAmount <= after : e.refundableAmount === after),
    ) ?? null
  );
}
