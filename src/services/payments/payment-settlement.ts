import type { EntityManager } from '@mikro-orm/knex';
import { CartLine, Order, OrderEventKind, OrderItem, OrderStatus, Payment, PaymentStatus } from '../../entities';
import type { Logger } from '../../logger';
import type { Change, OrderLifecycle } from '../orders/order-lifecycle';
import { releasesStock } from '../orders/order-lifecycle';
import { loadOrderRecord, PAID_STATUSES, toOrderRecord, type OrderRecord } from '../orders/order-records';
import { retryOnDeadlock } from '../shared/deadlock';
import type { StockGuard } from '../stock/stock-guard';
import { PaymentGatewayError, type PaymentGateway, type TossPayment } from './payment-gateway';
import { applyTossPayment } from './payment-records';

export type Settlement =
  | { outcome: 'completed'; order: OrderRecord }
  | { outcome: 'failed'; order: OrderRecord; code: string; message: string }
  | { outcome: 'refunded'; order: OrderRecord }
  | { outcome: 'cancelled'; order: OrderRecord }
  | { outcome: 'pending'; order: OrderRecord };

/** The reason given to Toss when a payment is refunded because its order ended before it was confirmed. */
export const STRAY_REFUND_REASON = '결제 확인 전에 주문이 종료되어 자동 환불합니다 (order ended before its payment was confirmed)';

/**
 * Settles an order from what Toss says about its payment: the one place where a Toss payment
 * state becomes an order state. Used by confirmPayment, the webhook and the reconciler, so
 * all three agree; every step is a conditional change, so running it twice changes nothing.
 */
export class PaymentSettlement {
  constructor(private readonly deps: { lifecycle: OrderLifecycle; stock: StockGuard; gateway: PaymentGateway; logger: Logger }) {}

  /** Applies Toss's view of the order's payment. Approved payments for orders that ended unpaid are refunded. */
  async apply(em: EntityManager, orderDbId: number, toss: TossPayment): Promise<Settlement> {
    const order = await em.fork().findOneOrFail(Order, orderDbId);
    if (toss.orderId !== order.orderId) throw new Error(`Toss payment for ${toss.orderId} applied to order ${order.orderId}`);
    switch (toss.status) {
      case 'DONE':
        if (order.status === OrderStatus.PAYMENT_PENDING && toss.totalAmount === order.totalAmount) return this.complete(em, order, toss);
        if (PAID_STATUSES.has(order.status)) {
          await this.record(em, order, toss);
          return { outcome: 'completed', order: await loadOrderRecord(em, order.id) };
        }
        // Approved, but the order ended unpaid meanwhile (expired or cancelled), or the amount is
        // not the order's: nobody pays for goods they will not get.
        return this.refundStray(em, order, toss);
      case 'CANCELED':
      case 'PARTIAL_CANCELED':
        return this.cancelled(em, order, toss);
      case 'ABORTED':
      case 'EXPIRED':
        return this.fail(em, order, toss.failure?.code ?? toss.status, toss.failure?.message ?? `The payment is ${toss.status}.`, toss);
      default:
        await this.record(em, order, toss);
        return { outcome: 'pending', order: toOrderRecord(order) };
    }
  }

  /** Toss refused the confirm: the order fails with Toss's code and its stock returns. */
  async fail(em: EntityManager, order: Order, code: string, message: string, toss?: TossPayment): Promise<Settlement> {
    const change: Change = {
      from: OrderStatus.PAYMENT_PENDING,
      to: OrderStatus.PAYMENT_FAILED,
      patch: { failureCode: code.slice(0, 64), failureMessage: message.slice(0, 255) },
      reason: `payment failed: ${code}`,
    };
    const changed = await this.inTransaction(em, async (tx) => {
      const row = await tx.findOne(Payment, { order: order.id });
      if (row) {
        if (toss) applyTossPayment(row, toss);
        row.status = PaymentStatus.ABORTED;
        row.failureCode = code.slice(0, 64);
        row.failureMessage = message.slice(0, 510);
      }
      return order.status === OrderStatus.PAYMENT_PENDING && (await this.deps.lifecycle.apply(tx, order.id, change));
    });
    if (changed) {
      this.deps.lifecycle.committed();
      await this.deps.lifecycle.afterRelease(em, order.id);
    }
    return { outcome: 'failed', order: await loadOrderRecord(em, order.id), code, message };
  }

  private async complete(em: EntityManager, order: Order, toss: TossPayment): Promise<Settlement> {
    const paidAt = toss.approvedAt ? new Date(toss.approvedAt) : new Date();
    const changed = await this.inTransaction(em, async (tx) => {
      const moved = await this.deps.lifecycle.apply(tx, order.id, {
        from: OrderStatus.PAYMENT_PENDING,
        to: OrderStatus.ORDER_COMPLETED,
        patch: { paidAt },
        reason: 'paid',
      });
      if (!moved) return false;
      await this.upsert(tx, order, toss);
      // Paid lines leave the cart.
      const items = await tx.find(OrderItem, { order: order.id }, { fields: ['product'] });
      await tx.nativeDelete(CartLine, { customer: order.customer.id, product: { $in: items.map((i) => i.product.id) } });
      return true;
    });
    if (!changed) return this.apply(em, order.id, toss); // someone moved the order first: settle against what it is now
    this.deps.lifecycle.committed();
    // The held units are sold now: the reservation is dropped without giving them back.
    await this.deps.stock
      .settle(order.orderId)
      .catch((err: unknown) => this.deps.logger.warn({ err, orderId: order.orderId }, 'could not settle a stock hold'));
    return { outcome: 'completed', order: await loadOrderRecord(em, order.id) };
  }

  private async cancelled(em: EntityManager, order: Order, toss: TossPayment): Promise<Settlement> {
    const lastCancel = toss.cancels.at(-1);
    const change: Change | null =
      order.status === OrderStatus.ORDER_COMPLETED
        ? {
            from: OrderStatus.ORDER_COMPLETED,
            to: OrderStatus.CANCELLED,
            patch: {
              cancelledAt: lastCancel ? new Date(lastCancel.canceledAt) : new Date(),
              cancelReason: lastCancel?.cancelReason.slice(0, 200) ?? null,
            },
            reason: 'refunded',
          }
        : null;
    const changed = await this.inTransaction(em, async (tx) => {
      await this.upsert(tx, order, toss);
      return change !== null && (await this.deps.lifecycle.apply(tx, order.id, change));
    });
    if (changed) this.deps.lifecycle.committed();
    if (changed && change && releasesStock(change)) await this.deps.lifecycle.afterRelease(em, order.id);
    return { outcome: 'cancelled', order: await loadOrderRecord(em, order.id) };
  }

  private async refundStray(em: EntityManager, order: Order, toss: TossPayment): Promise<Settlement> {
    let refunded: TossPayment;
    try {
      refunded = await this.deps.gateway.cancel({
        paymentKey: toss.paymentKey,
        reason: STRAY_REFUND_REASON,
        idempotencyKey: `refund-${order.orderId}`,
      });
    } catch (err) {
      if (!(err instanceof PaymentGatewayError) || err.code !== 'ALREADY_CANCELED_PAYMENT') throw err;
      refunded = await this.deps.gateway.getByPaymentKey(toss.paymentKey);
    }
    this.deps.logger.warn(
      { orderId: order.orderId, orderStatus: order.status },
      'refunded a payment approved for an order that had ended unpaid',
    );
    await this.inTransaction(em, async (tx) => {
      await this.upsert(tx, order, refunded);
      // A payment change with no order change: the customer still hears of the refund.
      this.deps.lifecycle.recordEvent(tx, order, {
        kind: OrderEventKind.REFUNDED,
        paymentStatus: PaymentStatus.CANCELED,
        from: order.status,
        to: order.status,
        reason: 'approved after the order had ended; refunded',
      });
    });
    this.deps.lifecycle.committed();
    return { outcome: 'refunded', order: await loadOrderRecord(em, order.id) };
  }

  /** Saves Toss's view of the payment on its own. */
  private async record(em: EntityManager, order: Order, toss: TossPayment): Promise<void> {
    await this.inTransaction(em, (tx) => this.upsert(tx, order, toss));
  }

  private async upsert(tx: EntityManager, order: Order, toss: TossPayment): Promise<void> {
    const row =
      (await tx.findOne(Payment, { order: order.id })) ??
      tx.create(Payment, { order: order.id, paymentKey: toss.paymentKey, amount: order.totalAmount });
    row.paymentKey = toss.paymentKey;
    applyTossPayment(row, toss);
    await tx.flush();
  }

  private inTransaction<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return retryOnDeadlock(() => em.fork().transactional(work));
  }
}
