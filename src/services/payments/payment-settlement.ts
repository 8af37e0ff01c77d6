import type { EntityManager } from '@mikro-orm/knex';
import { CartLine, Order, OrderEventKind, OrderItem, OrderStatus, OrderStatusChange, Payment, PaymentStatus } from '../../entities';
import type { Logger } from '../../logger';
import type { Change, OrderLifecycle } from '../orders/order-lifecycle';
import { loadOrderRecord, PAID_STATUSES, toOrderRecord, type OrderRecord } from '../orders/order-records';
import { retryOnDeadlock } from '../shared/deadlock';
import { lockOrder } from '../shipping/order-lock';
import type { StockGuard } from '../stock/stock-guard';
import type { ItemCancellations } from './item-cancellations';
import { PaymentGatewayError, type PaymentGateway, type TossPayment } from './payment-gateway';
import { applyTossPayment, isStale } from './payment-records';

export type Settlement = (
  | { outcome: 'completed'; order: OrderRecord }
  | { outcome: 'failed'; order: OrderRecord; code: string; message: string }
  | { outcome: 'refunded'; order: OrderRecord }
  /** Approved for an order that ended unpaid; the refund could not be made now, the reconciler makes it. */
  | { outcome: 'refund-pending'; order: OrderRecord }
  | { outcome: 'cancelled'; order: OrderRecord }
  | { outcome: 'flagged'; order: OrderRecord }
  | { outcome: 'pending'; order: OrderRecord }
) & {
  /**
   * Whether this call's own conditional change took effect (true), or another request, instance or
   * earlier answer had settled the order so (false). Unset where it is not told apart.
   */
  changed?: boolean;
};

/** What is known of the failure that ends an unpaid order. */
export type FailOptions = {
  /** Toss's Payment object saying it is ABORTED or EXPIRED. */
  toss?: TossPayment;
  /** Toss itself refused the confirm (a definite 4xx): the attempt is over, on Toss's word. */
  refusedByToss?: boolean;
  /** Only while no confirm was attempted: a recorded attempt may be approved at Toss any moment. */
  unlessAttempted?: boolean;
};

/** Thrown when `unlessAttempted` finds an attempt: the order was left as it was. */
export class AttemptInFlight extends Error {
  constructor() {
    super('a confirm of this order is still being settled');
  }
}

/** The reason given to Toss when a payment is refunded because its order ended before it was confirmed. */
export const STRAY_REFUND_REASON = '결제 확인 전에 주문이 종료되어 자동 환불합니다 (order ended before its payment was confirmed)';

/**
 * Settles an order from what Toss says about its payment: the one place where a Toss payment
 * state becomes an order state. Used by confirmPayment, refunds, the webhook and the
 * reconciler, so all of them agree; every step is a conditional change, so running it twice
 * changes nothing, and an answer older than what is recorded is ignored.
 */
export class PaymentSettlement {
  constructor(
    private readonly deps: {
      lifecycle: OrderLifecycle;
      stock: StockGuard;
      gateway: PaymentGateway;
      logger: Logger;
      /** Partial cancels (cancelOrderItems) a refund Toss reports may settle. */
      cancellations: ItemCancellations;
    },
  ) {}

  /** Applies Toss's view of the order's payment. Approved payments for orders that ended unpaid are refunded. */
  async apply(em: EntityManager, orderDbId: number, toss: TossPayment): Promise<Settlement> {
    const fork = em.fork();
    const order = await fork.findOneOrFail(Order, orderDbId);
    if (toss.orderId !== order.orderId) throw new Error(`Toss payment for ${toss.orderId} applied to order ${order.orderId}`);
    const row = await fork.findOne(Payment, { order: order.id });
    const charged = toss.status === 'DONE' || toss.status === 'PARTIAL_CANCELED';
    if (row?.paymentKey !== toss.paymentKey && (row || !charged)) {
      // Not the payment this order's confirm was made with (another window the customer opened, say).
      // Charged: it pays for nothing, so it is refunded; otherwise there is nothing to record.
      return charged ? this.refundStray(em, order, toss, { foreign: true }) : settledAs(toOrderRecord(order));
    }
    // A slow or replayed answer from before what we already recorded (a confirm's DONE after the refund): nothing to do.
    if (row && isStale(row, toss)) return settledAs(toOrderRecord(order));
    switch (toss.status) {
      case 'DONE':
        if (order.status === OrderStatus.PAYMENT_PENDING && toss.totalAmount === order.totalAmount) return this.complete(em, order, toss);
        if (PAID_STATUSES.has(order.status)) {
          await this.record(em, order, toss);
          return { outcome: 'completed', order: await loadOrderRecord(em, order.id), changed: false };
        }
        // Approved, but the order ended unpaid meanwhile (expired or cancelled), or the amount is
        // not the order's: nobody pays for goods they will not get.
        return this.refundStray(em, order, toss);
      case 'CANCELED':
        // The last lines' partial cancel, reported by the webhook or a lookup before its request settled it.
        if (PAID_STATUSES.has(order.status) && (await this.settlePending(em, order.id, toss))) {
          // A pending partial cancel was settled; if it did not cover the order's last lines, the rest was
          // refunded too (a full cancel at Toss meanwhile), and the order is settled from that below.
          const now = await em.fork().findOneOrFail(Order, order.id);
          if (!PAID_STATUSES.has(now.status)) return settledAs(toOrderRecord(now));
          return this.cancelled(em, now, toss);
        }
        return this.cancelled(em, order, toss);
      case 'PARTIAL_CANCELED':
        if (PAID_STATUSES.has(order.status)) {
          // Our own partial cancels explain it (settled here if their request has not yet); anything else was
          // refunded at Toss's console: recorded and flagged for an admin.
          await this.settlePending(em, order.id, toss);
          if (await this.deps.cancellations.explains(em, order.id, toss)) {
            await this.record(em, order, toss);
            return { outcome: 'completed', order: await loadOrderRecord(em, order.id) };
          }
          return this.flagged(em, order, toss, partialCancelReason(toss));
        }
        return this.refundStray(em, order, toss);
      case 'ABORTED':
      case 'EXPIRED':
        return this.fail(em, order, toss.failure?.code ?? toss.status, toss.failure?.message ?? `The payment is ${toss.status}.`, { toss });
      default:
        await this.record(em, order, toss);
        return { outcome: 'pending', order: toOrderRecord(order) };
    }
  }

  /**
   * An unpaid order fails and its stock returns. The payment row becomes ABORTED only on Toss's
   * word (`toss` or `refusedByToss`); otherwise an attempt stays READY for the reconciler, which
   * refunds it should Toss have approved it after all.
   */
  async fail(em: EntityManager, order: Order, code: string, message: string, options: FailOptions = {}): Promise<Settlement> {
    const change: Change = {
      from: OrderStatus.PAYMENT_PENDING,
      to: OrderStatus.PAYMENT_FAILED,
      patch: { failureCode: code.slice(0, 64), failureMessage: message.slice(0, 255) },
      reason: `payment failed: ${code}`,
    };
    const changed = await this.inTransaction(em, async (tx) => {
      // The order row first: its lock orders this against recordAttempt, which takes it too.
      const moved = order.status === OrderStatus.PAYMENT_PENDING && (await this.deps.lifecycle.apply(tx, order.id, change));
      const row = await tx.findOne(Payment, { order: order.id });
      if (options.unlessAttempted && row) throw new AttemptInFlight();
      const settlesRow = !!row && row.status === PaymentStatus.READY && !!(options.toss || options.refusedByToss);
      if (row && settlesRow) {
        if (options.toss) applyTossPayment(row, options.toss);
        else {
          row.status = PaymentStatus.ABORTED;
          row.failureCode = code.slice(0, 64);
          row.failureMessage = message.slice(0, 510);
        }
        await tx.flush();
      }
      return { moved, settlesRow };
    });
    // The StockGuard got the units back right before COMMIT (OrderLifecycle.apply).
    if (changed.moved) this.deps.lifecycle.committed();
    return { outcome: 'failed', order: await loadOrderRecord(em, order.id), code, message, changed: changed.moved || changed.settlesRow };
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
    return { outcome: 'completed', order: await loadOrderRecord(em, order.id), changed: true };
  }

  /**
   * Toss says the payment is fully refunded. A paid order not yet shipping is cancelled and its
   * stock returns; one already shipping or delivered keeps its status and is flagged for an admin.
   */
  private async cancelled(em: EntityManager, order: Order, toss: TossPayment): Promise<Settlement> {
    await this.record(em, order, toss);
    if (order.status === OrderStatus.ORDER_COMPLETED) {
      const lastCancel = toss.cancels.at(-1);
      const change: Change = {
        from: OrderStatus.ORDER_COMPLETED,
        to: OrderStatus.CANCELLED,
        patch: {
          cancelledAt: lastCancel ? new Date(lastCancel.canceledAt) : new Date(),
          cancelReason: lastCancel?.cancelReason.slice(0, 200) ?? null,
          refundClaimedAt: null,
        },
        reason: 'refunded',
      };
      const { changed, order: now } = await this.deps.lifecycle.run(em.fork(), order.id, change);
      if (changed || !PAID_STATUSES.has(now.status)) return { outcome: 'cancelled', order: now };
      // Shipping started a moment before the refund landed at Toss.
      order.status = now.status;
    }
    if (PAID_STATUSES.has(order.status)) {
      return this.flagged(em, order, toss, `Toss reports the payment fully refunded while the order is ${order.status}.`);
    }
    return { outcome: 'cancelled', order: await loadOrderRecord(em, order.id) };
  }

  /** Settles the order's PENDING partial cancels that Toss's view shows; true if one was settled. */
  private async settlePending(em: EntityManager, orderDbId: number, toss: TossPayment): Promise<boolean> {
    let settled = false;
    for (const c of await this.deps.cancellations.pendingOf(em, orderDbId)) {
      if (await this.deps.cancellations.settle(em, c.id, toss)) settled = true;
    }
    return settled;
  }

  /** Records Toss's view and flags the order for an admin, with an event; the same view twice flags once. */
  private async flagged(em: EntityManager, order: Order, toss: TossPayment, reason: string): Promise<Settlement> {
    const paymentStatus = toss.status === 'CANCELED' ? PaymentStatus.CANCELED : PaymentStatus.PARTIAL_CANCELED;
    const flagged = await this.inTransaction(em, async (tx) => {
      await this.upsert(tx, order, toss);
      return this.deps.lifecycle.flag(tx, order.id, reason, paymentStatus);
    });
    if (flagged) this.deps.lifecycle.committed();
    return { outcome: 'flagged', order: await loadOrderRecord(em, order.id) };
  }

  /** Refunds (the rest of) a payment Toss approved for an order that is not paid here. Toss's idempotency key makes it once. */
  private async refundStray(em: EntityManager, order: Order, toss: TossPayment, options: { foreign?: boolean } = {}): Promise<Settlement> {
    let refunded: TossPayment;
    try {
      refunded = await this.deps.gateway
        .cancel({ paymentKey: toss.paymentKey, reason: STRAY_REFUND_REASON, idempotencyKey: strayRefundKey(toss.paymentKey) })
        .catch((err: unknown) => {
          if (err instanceof PaymentGatewayError && err.code === 'ALREADY_CANCELED_PAYMENT')
            return this.deps.gateway.getByPaymentKey(toss.paymentKey);
          throw err;
        });
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      // Toss is slow, busy with the same refund (409), or refused for now: the attempt stays READY and the reconciler retries under the same key.
      this.deps.logger.warn(
        { err, orderId: order.orderId },
        'could not refund an approval for an order that had ended; the reconciler retries',
      );
      return { outcome: 'refund-pending', order: await loadOrderRecord(em, order.id) };
    }
    this.deps.logger.warn(
      { orderId: order.orderId, orderStatus: order.status },
      'refunded a payment approved for an order that had ended unpaid',
    );
    await this.inTransaction(em, async (tx) => {
      // The order's row first: a confirm and a webhook (or the sweeper) refunding the same approval
      // take turns here, and the read below then sees what the one before committed.
      await lockOrder(tx, { id: order.id });
      const row = await tx.findOne(Payment, { order: order.id });
      // Already recorded as refunded (another instance got there first): no second event.
      if (row?.paymentKey === refunded.paymentKey && row.status === PaymentStatus.CANCELED) return;
      // Another payment than the order's own: refunded, told, but not recorded over the order's payment.
      if (options.foreign && row?.paymentKey !== refunded.paymentKey && (await this.alreadyTold(tx, order, refunded))) return;
      if (!options.foreign) await this.upsert(tx, order, refunded);
      // A payment change with no order change: the customer still hears of the refund.
      this.deps.lifecycle.recordEvent(tx, order, {
        kind: OrderEventKind.REFUNDED,
        paymentStatus: PaymentStatus.CANCELED,
        from: order.status,
        to: order.status,
        reason: options.foreign ? foreignReason(refunded) : 'approved after the order had ended; refunded',
      });
      await tx.flush();
    });
    this.deps.lifecycle.committed();
    return { outcome: 'refunded', order: await loadOrderRecord(em, order.id) };
  }

  /** Whether the customer was already told of this foreign payment's refund. */
  private async alreadyTold(tx: EntityManager, order: Order, refunded: TossPayment): Promise<boolean> {
    return (await tx.count(OrderStatusChange, { order: order.id, kind: OrderEventKind.REFUNDED, reason: foreignReason(refunded) })) > 0;
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

/** One stray refund per payment, whichever instance or path makes it. */
const strayRefundKey = (paymentKey: string) => `refund-${paymentKey}`;

const foreignReason = (toss: TossPayment) => `another payment (${toss.paymentKey}) was approved for this order; refunded`.slice(0, 255);

/** What a settlement amounts to for an order as it already is (when Toss's answer changed nothing). */
function settledAs(order: OrderRecord): Settlement {
  const changed = false;
  if (PAID_STATUSES.has(order.status)) return { outcome: 'completed', order, changed };
  if (order.status === OrderStatus.CANCELLED) return { outcome: 'cancelled', order, changed };
  if (order.status === OrderStatus.PAYMENT_FAILED) {
    const { failureCode, failureMessage } = order;
    return { outcome: 'failed', order, code: failureCode ?? order.status, message: failureMessage ?? 'The payment failed.', changed };
  }
  return { outcome: 'pending', order, changed };
}

function partialCancelReason(toss: TossPayment): string {
  const refunded = toss.totalAmount - toss.balanceAmount;
  return `Toss reports a partial refund: ${refunded} of ${toss.totalAmount} KRW refunded, ${toss.balanceAmount} KRW still charged.`;
}
