import type { EntityManager } from '@mikro-orm/knex';
import { Order, OrderStatus, Payment, PaymentStatus } from '../../entities';
import type { Logger } from '../../logger';
import { badInput, conflict, paymentFailed, serviceUnavailable } from '../../schema/errors';
import { loadOrderRecord, type OrderRecord } from '../orders/order-records';
import { PaymentGatewayError, type PaymentGateway, type TossPayment } from './payment-gateway';
import { retryOnDeadlock } from '../shared/deadlock';
import type { PaymentSettlement } from './payment-settlement';

/** Idempotency key of an order's refund, so retries from any instance are one refund at Toss. */
export const cancelKey = (orderId: string) => `cancel-${orderId}`;

const BATCH = 50;

/**
 * Refunds of paid orders. A refund first claims the order (a conditional write that shipping
 * cannot pass, and that only one refund wins), then asks Toss, then settles from Toss's answer.
 * The claim is given back when Toss refuses; when Toss cannot say, or the instance died, it stays
 * (nothing ships meanwhile) until `releaseStaleClaims` settles the order from what Toss says, once no
 * call can still be running, or a retry re-takes it once stale.
 */
export class PaymentRefunds {
  constructor(
    private readonly deps: {
      gateway: PaymentGateway;
      settlement: PaymentSettlement;
      logger: Logger;
      /** A claim older than this belongs to a refund that died: longer than any Toss call can take. */
      claimTtlMs: number;
    },
  ) {}

  /** Refunds a paid, not yet shipping order in full through Toss and cancels it (its stock returns). */
  async refundPaid(em: EntityManager, order: Pick<Order, 'id' | 'orderId'>, reason: string | null): Promise<OrderRecord> {
    const { id: orderDbId, orderId } = order;
    const claim = await this.claim(em, orderDbId);
    if (!claim) {
      const now = await loadOrderRecord(em, orderDbId);
      if (now.status === OrderStatus.ORDER_COMPLETED) throw conflict('A refund of this order is already under way.', 'orderId');
      throw badInput('orderId', `This order cannot be cancelled: it is ${now.status}.`);
    }
    const payment = await em.fork().findOne(Payment, { order: orderDbId });
    if (!payment || (payment.status !== PaymentStatus.DONE && payment.status !== PaymentStatus.PARTIAL_CANCELED)) {
      await this.release(em, orderDbId, claim);
      throw badInput('orderId', 'This order has no completed payment to refund.');
    }
    let refunded: TossPayment;
    try {
      refunded = await this.deps.gateway.cancel({
        paymentKey: payment.paymentKey,
        reason: reason ?? '고객 요청 (requested by the customer)',
        idempotencyKey: cancelKey(orderId),
      });
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      const known = err.reconcile ? await this.deps.gateway.getByPaymentKey(payment.paymentKey).catch(() => null) : null;
      if (known?.status === 'CANCELED') {
        refunded = known;
      } else if (err.kind !== 'rejected') {
        // Toss cannot say, and its payment shows no full refund yet: the refund may still land. The claim stays, so
        // nothing ships meanwhile; once no call can still be running, the reconciler settles the order from Toss's
        // view (refunded: cancelled; still charged: the claim is given back). Never both shipped and refunded.
        await em.fork().nativeUpdate(Payment, { id: payment.id }, { refundCheckAt: new Date() });
        throw serviceUnavailable(
          'The refund could not be confirmed with Toss: the order is still paid for now, and cannot ship until the refund is settled automatically shortly (never twice).',
        );
      } else {
        // Toss refused: the order stays paid and shippable.
        await this.release(em, orderDbId, claim);
        throw paymentFailed(`The refund was refused, so the order is still paid: ${err.tossMessage ?? err.code}`, {
          code: err.code,
          ...err.toClientExtensions(),
          orderId,
        });
      }
    }
    // Money moved: from here on the claim stays until the order is settled (a failure now is settled by the reconciler).
    return (await this.deps.settlement.apply(em, orderDbId, refunded)).order;
  }

  /**
   * Claims left by refunds that died (older than the TTL): settled from Toss's view of the
   * payment. Refunded: the order is cancelled (or flagged); still charged: the claim is given back.
   */
  async releaseStaleClaims(em: EntityManager, now = new Date()): Promise<number> {
    const stale = await em.find(
      Order,
      { refundClaimedAt: { $lte: new Date(now.getTime() - this.deps.claimTtlMs) } },
      { fields: ['id', 'refundClaimedAt', 'status'], orderBy: { refundClaimedAt: 'asc' }, limit: BATCH },
    );
    let settled = 0;
    for (const order of stale) {
      try {
        const payment = await em.fork().findOne(Payment, { order: order.id });
        const toss = payment && (await this.settleIfRefunded(em, order.id, payment.paymentKey));
        // Not fully refunded at Toss: the order is still paid, and shippable again.
        if (toss?.status !== 'CANCELED') await this.release(em, order.id, order.refundClaimedAt!);
        settled++;
      } catch (err) {
        this.deps.logger.warn({ err, orderDbId: order.id }, 'could not settle a stale refund claim; retrying on the next pass');
      }
    }
    return settled;
  }

  /**
   * Refunds whose outcome Toss could not tell: looked up again once the call has surely ended.
   * A refund that landed is settled (the order cancelled, or flagged if it has shipped meanwhile).
   */
  async recheckUncertainRefunds(em: EntityManager, now = new Date()): Promise<number> {
    const due = await em.find(
      Payment,
      { refundCheckAt: { $lte: new Date(now.getTime() - this.deps.claimTtlMs) } },
      { orderBy: { refundCheckAt: 'asc' }, limit: BATCH },
    );
    let settled = 0;
    for (const payment of due) {
      try {
        await this.settleIfRefunded(em, payment.order.id, payment.paymentKey);
        await em.fork().nativeUpdate(Payment, { id: payment.id, refundCheckAt: payment.refundCheckAt }, { refundCheckAt: null });
        settled++;
      } catch (err) {
        this.deps.logger.warn({ err, paymentKey: payment.paymentKey }, 'could not re-check an uncertain refund; retrying on the next pass');
      }
    }
    return settled;
  }

  /** Looks the payment up at Toss and, if it was refunded (in full or in part), settles the order from that. */
  private async settleIfRefunded(em: EntityManager, orderDbId: number, paymentKey: string): Promise<TossPayment> {
    const toss = await this.deps.gateway.getByPaymentKey(paymentKey);
    if (toss.status === 'CANCELED' || toss.status === 'PARTIAL_CANCELED') await this.deps.settlement.apply(em, orderDbId, toss);
    return toss;
  }

  /** Takes the order's refund claim: only a paid order not yet shipping, and only one refund at a time. */
  private async claim(em: EntityManager, orderDbId: number): Promise<Date | null> {
    const at = new Date();
    const staleBefore = new Date(at.getTime() - this.deps.claimTtlMs);
    // One statement, retried if InnoDB picks it as a deadlock victim against a shipment's transaction on the same row.
    const taken = await retryOnDeadlock(() =>
      em.fork().nativeUpdate(
        Order,
        {
          id: orderDbId,
          status: OrderStatus.ORDER_COMPLETED,
          $or: [{ refundClaimedAt: null }, { refundClaimedAt: { $lt: staleBefore } }],
        },
        { refundClaimedAt: at },
      ),
    );
    return taken ? at : null;
  }

  /** Gives the claim back, if it is still this one. */
  private async release(em: EntityManager, orderDbId: number, claim: Date): Promise<void> {
    await retryOnDeadlock(() => em.fork().nativeUpdate(Order, { id: orderDbId, refundClaimedAt: claim }, { refundClaimedAt: null }));
  }
}
