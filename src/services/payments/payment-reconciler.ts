import type { EntityManager } from '@mikro-orm/knex';
import { Order, OrderStatus, Payment, PaymentStatus } from '../../entities';
import type { Logger } from '../../logger';
import { PaymentGatewayError, type PaymentGateway } from './payment-gateway';
import { confirmKey } from './payment.service';
import type { PaymentSettlement } from './payment-settlement';

const BATCH = 50;

/**
 * Settles confirms whose outcome is unknown: a payment row still READY (the call timed out,
 * the reply was lost, or the instance died between Toss's approval and its own commit) is
 * looked up at Toss by orderId and settled from what Toss says. An approval for an order that
 * has meanwhile expired or been cancelled is refunded. Safe on every instance at once: each
 * settlement is a conditional change, and Toss's idempotency keys make repeats harmless.
 */
export class PaymentReconciler {
  constructor(
    private readonly deps: {
      em: () => EntityManager;
      gateway: PaymentGateway;
      settlement: PaymentSettlement;
      logger: Logger;
      /** Attempts younger than this are left to the request that made them. */
      reconcileAfterMs: number;
    },
  ) {}

  /** One pass; returns how many payments it settled. */
  async runOnce(now = new Date()): Promise<number> {
    const em = this.deps.em();
    const stale = await em.find(
      Payment,
      { status: PaymentStatus.READY, updatedAt: { $lte: new Date(now.getTime() - this.deps.reconcileAfterMs) } },
      { populate: ['order'], orderBy: { updatedAt: 'asc' }, limit: BATCH },
    );
    let settled = 0;
    for (const payment of stale) {
      try {
        if (await this.reconcile(em.fork(), payment, payment.order.getEntity(), now)) settled++;
      } catch (err) {
        this.deps.logger.warn(
          { err, orderId: payment.order.getEntity().orderId },
          'could not reconcile a payment; retrying on the next pass',
        );
      }
    }
    return settled;
  }

  private async reconcile(em: EntityManager, payment: Payment, order: Order, now: Date): Promise<boolean> {
    const { gateway, settlement } = this.deps;
    const toss = await gateway.getByOrderId(order.orderId);
    if (!toss || toss.paymentKey !== payment.paymentKey) {
      // Toss never saw our confirm. Once the order is over, or Toss's window surely is, nothing can come of it.
      if (order.status !== OrderStatus.PAYMENT_PENDING || order.expiresAt.getTime() <= now.getTime()) {
        await settlement.fail(em, order, 'NOT_FOUND_PAYMENT', 'Toss has no record of this payment being confirmed.');
        return true;
      }
      return false;
    }
    if (toss.status === 'IN_PROGRESS' && order.status === OrderStatus.PAYMENT_PENDING) {
      // Authorized but our confirm never reached Toss: send it again under the same key (it cannot charge twice).
      try {
        const confirmed = await gateway.confirm({
          paymentKey: payment.paymentKey,
          orderId: order.orderId,
          amount: order.totalAmount,
          idempotencyKey: confirmKey(order.orderId),
        });
        await settlement.apply(em, order.id, confirmed);
      } catch (err) {
        if (!(err instanceof PaymentGatewayError) || err.kind !== 'rejected' || err.reconcile) throw err;
        await settlement.fail(em, order, err.code ?? 'PAYMENT_REFUSED', err.tossMessage ?? 'Toss refused the payment.');
      }
      return true;
    }
    const result = await settlement.apply(em, order.id, toss);
    return result.outcome !== 'pending';
  }
}
