import type { EntityManager } from '@mikro-orm/knex';
import { Order, OrderStatus, Payment, PaymentStatus } from '../../entities';
import type { Logger } from '../../logger';
import { NO_METRICS, type BusinessMetrics } from '../shared/business-metrics';
import { PaymentGatewayError, type PaymentGateway, type TossPayment } from './payment-gateway';
import type { PaymentRefunds } from './payment-refunds';
import type { PartialRefunds } from './partial-refunds';
import { confirmKey } from './payment.service';
import type { PaymentSettlement } from './payment-settlement';

const BATCH = 50;

/**
 * Settles what only Toss can tell, on every instance at once:
 * - every confirm attempt whose outcome is not settled (a READY payment: the call timed out, the
 *   reply was lost, the instance died, or the order ended meanwhile) is looked up at Toss by its
 *   paymentKey and settled from Toss's word. An approval for an order that has ended unpaid
 *   (failed, expired, cancelled) is refunded, exactly once (Toss's idempotency key);
 * - refund claims left by a refund that died, and refunds Toss could not confirm, are looked
 *   up again and settled (PaymentRefunds).
 * Each settlement is a conditional change, and Toss's idempotency keys make repeats harmless.
 */
export class PaymentReconciler {
  constructor(
    private readonly deps: {
      em: () => EntityManager;
      gateway: PaymentGateway;
      settlement: PaymentSettlement;
      refunds: PaymentRefunds;
      partialRefunds: PartialRefunds;
      logger: Logger;
      /** Each confirm attempt settled here is reported as a `reconciled` payment outcome. */
      metrics?: BusinessMetrics;
      /** Attempts younger than this are left to the request that made them. */
      reconcileAfterMs: number;
    },
  ) {}

  /** One pass; returns how many payments and claims it settled. */
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
        if (await this.reconcile(em.fork(), payment, payment.order.getEntity(), now)) {
          settled++;
          (this.deps.metrics ?? NO_METRICS).paymentOutcome('reconciled');
        }
      } catch (err) {
        this.deps.logger.warn(
          { err, orderId: payment.order.getEntity().orderId },
          'could not reconcile a payment; retrying on the next pass',
        );
      }
    }
    // Partial cancels first: a stale one holds its order's claim, which it settles or releases itself.
    const partial = await this.deps.partialRefunds.settleStale(em.fork(), now);
    const claims = partial + (await this.deps.refunds.releaseStaleClaims(em.fork(), now));
    return settled + claims + (await this.deps.refunds.recheckUncertainRefunds(em.fork(), now));
  }

  private async reconcile(em: EntityManager, payment: Payment, order: Order, now: Date): Promise<boolean> {
    const { gateway, settlement } = this.deps;
    const toss = await this.lookUp(payment.paymentKey);
    if (!toss || toss.orderId !== order.orderId) {
      // Toss has no payment under this key for this order, so nothing was charged. Once the order
      // is over, or Toss's window surely is, nothing can come of the attempt: that is Toss's word.
      if (order.status !== OrderStatus.PAYMENT_PENDING || order.expiresAt.getTime() <= now.getTime()) {
        const failed = await settlement.fail(em, order, 'NOT_FOUND_PAYMENT', 'Toss has no record of this payment being confirmed.', {
          refusedByToss: true,
        });
        return failed.changed !== false;
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
        return (await settlement.apply(em, order.id, confirmed)).changed !== false;
      } catch (err) {
        if (!(err instanceof PaymentGatewayError) || err.kind !== 'rejected' || err.reconcile) throw err;
        const failed = await settlement.fail(em, order, err.code ?? 'PAYMENT_REFUSED', err.tossMessage ?? 'Toss refused the payment.', {
          refusedByToss: true,
        });
        return failed.changed !== false;
      }
    }
    // IN_PROGRESS for an order that ended: never confirmed now; Toss expires it, and a later pass records that.
    const result = await settlement.apply(em, order.id, toss);
    // Counted once over all instances: only where this pass's own change took effect (another
    // instance's reconciler, the webhook or the request may have settled it a moment before).
    return result.outcome !== 'pending' && result.outcome !== 'refund-pending' && result.changed !== false;
  }

  /** Toss's view of one payment; null when Toss has none under that key. */
  private async lookUp(paymentKey: string): Promise<TossPayment | null> {
    try {
      return await this.deps.gateway.getByPaymentKey(paymentKey);
    } catch (err) {
      if (err instanceof PaymentGatewayError && err.notFound) return null;
      throw err;
    }
  }
}
