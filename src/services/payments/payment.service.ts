import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { Order, OrderStatus, Payment, PaymentStatus } from '../../entities';
import { Role } from '../../entities/role';
import type { Logger } from '../../logger';
import { badInput, notFound, paymentFailed, serviceUnavailable } from '../../schema/errors';
import { retryOnDeadlock } from '../shared/deadlock';
import { loadOrderRecord, PAID_STATUSES, type OrderRecord } from '../orders/order-records';
import { isValidPaymentKey, PaymentGatewayError, type PaymentGateway } from './payment-gateway';
import { toPaymentRecord, type PaymentRecord } from './payment-records';
import { AttemptInFlight, type PaymentSettlement, type Settlement } from './payment-settlement';

export type ConfirmInput = { paymentKey: string; orderId: string; amount: number };

/** recordAttempt found the order no longer pending. */
class OrderMoved extends Error {}

/** A confirm with another paymentKey or amount while an attempt exists changes nothing. */
function refuseOtherAttempt(existing: Payment, paymentKey: string, amount: number): void {
  if (existing.paymentKey !== paymentKey) throw attemptInFlight('paymentKey');
  if (existing.amount !== amount) throw attemptInFlight('amount');
}

function attemptInFlight(field: 'paymentKey' | 'amount') {
  return badInput(
    field,
    `Another confirm of this order (with a different ${field}) was already sent to Toss; only the same paymentKey and amount may be confirmed now.`,
  );
}

/** Idempotency keys are derived from the order, so retries from any instance reuse them. */
export const confirmKey = (orderId: string) => `confirm-${orderId}`;

/** confirmPayment and reading payments (refunds: PaymentRefunds). Card data never passes through here. */
export class PaymentService {
  constructor(
    private readonly deps: {
      gateway: PaymentGateway | null;
      settlement: PaymentSettlement | null;
      logger: Logger;
    },
  ) {}

  /**
   * Confirms the payment the customer just authorized in Toss's window. The amount is checked
   * against the stored order before Toss is called; the attempt is recorded before the call,
   * so a crash is recovered by the reconciler; an unknown outcome is settled by lookup.
   */
  async confirm(em: EntityManager, identity: Identity, input: ConfirmInput): Promise<OrderRecord> {
    const paymentKey = input.paymentKey.trim();
    // Checked before anything is written: a key Toss's paths cannot carry would leave an attempt no lookup can settle.
    if (!isValidPaymentKey(paymentKey)) throw badInput('paymentKey', 'must be 1 to 200 characters, and not . or ..');
    const order = await em.findOne(Order, { orderId: input.orderId, customer: identity.accountId });
    if (!order) throw notFound('Order');
    const { gateway, settlement } = this.requireConfigured();

    const existing = await em.findOne(Payment, { order: order.id });
    if (PAID_STATUSES.has(order.status)) {
      // The same confirm again (a retry, or a second tab): it already went through.
      if (existing?.paymentKey === paymentKey) return loadOrderRecord(em, order.id);
      throw badInput('paymentKey', 'This order is already paid with another payment.');
    }
    if (order.status !== OrderStatus.PAYMENT_PENDING) {
      throw paymentFailed(`This order can no longer be paid: it is ${order.status}.`, {
        code: order.failureCode ?? order.status,
        orderId: order.orderId,
      });
    }
    // An earlier attempt may still be approved at Toss: nothing but the same confirm again may touch the order.
    if (existing) refuseOtherAttempt(existing, paymentKey, input.amount);
    if (input.amount !== order.totalAmount) {
      // A tampered or stale amount: the order fails without Toss being asked, unless an attempt appeared meanwhile.
      try {
        const failed = await settlement.fail(
          em,
          order,
          'AMOUNT_MISMATCH',
          `The amount ${input.amount} does not match the order's ${order.totalAmount}.`,
          { unlessAttempted: true },
        );
        throw this.failure(failed);
      } catch (err) {
        if (err instanceof AttemptInFlight) throw attemptInFlight('amount');
        throw err;
      }
    }
    try {
      await this.recordAttempt(em, order, paymentKey, input.amount);
    } catch (err) {
      // Paid, failed or cancelled a moment ago: answer as for an order found in that state.
      if (err instanceof OrderMoved) return this.confirm(em.fork(), identity, input);
      throw err;
    }

    let settled: Settlement;
    try {
      const toss = await gateway.confirm({
        paymentKey,
        orderId: order.orderId,
        amount: order.totalAmount,
        idempotencyKey: confirmKey(order.orderId),
      });
      settled = await settlement.apply(em, order.id, toss);
    } catch (err) {
      if (!(err instanceof PaymentGatewayError)) throw err;
      if (err.kind === 'rejected' && !err.reconcile) {
        settled = await settlement.fail(em, order, err.code ?? 'PAYMENT_REFUSED', err.tossMessage ?? 'Toss refused the payment.', {
          refusedByToss: true,
        });
      } else {
        settled = await this.settleByLookup(em, order, paymentKey, err);
      }
    }
    if (settled.outcome === 'completed') return settled.order;
    if (settled.outcome === 'pending') {
      throw serviceUnavailable(
        'The payment is being confirmed and its outcome is not known yet. Ask again shortly: it will not be charged twice.',
      );
    }
    throw this.failure(settled);
  }

  /** An order's payment, for its customer or an admin; null when no payment was attempted. */
  async find(em: EntityManager, identity: Identity, orderId: string): Promise<PaymentRecord | null> {
    const scope = identity.role === Role.ADMIN ? {} : { customer: identity.accountId };
    const order = await em.findOne(Order, { orderId, ...scope }, { fields: ['id'] });
    if (!order) throw notFound('Order');
    const payment = await em.findOne(Payment, { order: order.id });
    return payment && toPaymentRecord(payment);
  }

  private async settleByLookup(em: EntityManager, order: Order, paymentKey: string, cause: PaymentGatewayError): Promise<Settlement> {
    const found = await this.deps.gateway!.getByOrderId(order.orderId).catch((err: unknown) => {
      this.deps.logger.warn({ err, orderId: order.orderId }, 'payment lookup failed after an unknown confirm outcome');
      return null;
    });
    this.deps.logger.warn(
      { orderId: order.orderId, cause: cause.message, found: found?.status ?? null },
      'confirm outcome unknown; settled by lookup',
    );
    if (found && found.paymentKey === paymentKey && found.status !== 'IN_PROGRESS' && found.status !== 'READY') {
      return this.deps.settlement!.apply(em, order.id, found);
    }
    // Toss cannot say yet: the order stays pending and the reconciler settles it.
    return { outcome: 'pending', order: await loadOrderRecord(em, order.id) };
  }

  /**
   * Records the attempt before Toss is asked, so a crash or a lost answer leaves a READY row for
   * the reconciler. The order row is locked first and must still be pending: a failure of the
   * order (a tampered amount, expiry) and an attempt are ordered, never interleaved.
   */
  private async recordAttempt(em: EntityManager, order: Order, paymentKey: string, amount: number): Promise<void> {
    try {
      await retryOnDeadlock(() =>
        em.fork().transactional(async (tx) => {
          const pending = await tx.nativeUpdate(Order, { id: order.id, status: OrderStatus.PAYMENT_PENDING }, { updatedAt: new Date() });
          if (!pending) throw new OrderMoved();
          const existing = await tx.findOne(Payment, { order: order.id });
          if (existing) return refuseOtherAttempt(existing, paymentKey, amount);
          await tx.insert(Payment, {
            order: order.id,
            paymentKey,
            amount: order.totalAmount,
            status: PaymentStatus.READY,
            createdAt: new Date(),
            updatedAt: new Date(),
          });
        }),
      );
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      const existing = await em.fork().findOne(Payment, { order: order.id });
      if (existing) return refuseOtherAttempt(existing, paymentKey, amount);
      // The paymentKey is recorded for another order: it cannot pay this one.
      throw badInput('paymentKey', 'This paymentKey belongs to another order.');
    }
  }

  private failure(settled: Settlement) {
    const orderId = settled.order.orderId;
    if (settled.outcome === 'failed')
      return paymentFailed(`The payment failed: ${settled.message}`, {
        code: settled.code,
        tossCode: settled.code,
        tossMessage: settled.message,
        orderId,
      });
    if (settled.outcome === 'refunded' || settled.outcome === 'refund-pending')
      return paymentFailed(
        settled.outcome === 'refunded'
          ? 'The order ended before the payment was confirmed, so the payment was refunded.'
          : 'The order ended before the payment was confirmed; the payment is being refunded.',
        { code: 'ORDER_ENDED', orderId },
      );
    return paymentFailed(`The payment did not complete; the order is ${settled.order.status}.`, { code: settled.order.status, orderId });
  }

  private requireConfigured(): { gateway: PaymentGateway; settlement: PaymentSettlement } {
    if (!this.deps.gateway || !this.deps.settlement)
      throw serviceUnavailable('Payments are not configured on this server (TOSS_SECRET_KEY is not set).');
    return { gateway: this.deps.gateway, settlement: this.deps.settlement };
  }
}
