import type { EntityManager } from '@mikro-orm/knex';
import { Order, OrderStatus } from '../../entities';
import type { Logger } from '../../logger';
import type { PurchaseConfirmation } from '../shipping/purchase-confirmation';
import type { StockGuard } from '../stock/stock-guard';
import type { OrderLifecycle } from './order-lifecycle';
import { PAID_STATUSES } from './order-records';

const BATCH = 100;

/**
 * Periodic upkeep that runs on every instance at once. Each step is safe to race: an expiry is
 * a conditional status change (one instance wins and releases the stock), and a reservation
 * is released or settled by deleting its record atomically.
 */
export class OrderSweeper {
  constructor(
    private readonly deps: {
      em: () => EntityManager;
      lifecycle: OrderLifecycle;
      stock: StockGuard;
      logger: Logger;
      /** Reservations younger than this are left alone: their order's transaction may still be running. */
      reservationGraceMs: number;
      /** 구매확정 of delivered lines once PURCHASE_CONFIRM_DAYS have passed. */
      confirmations: PurchaseConfirmation;
    },
  ) {}

  /** Unpaid orders past their payment window become PAYMENT_FAILED (EXPIRED) and give their stock back. Returns how many this call expired. */
  async expireOverdue(now = new Date()): Promise<number> {
    const em = this.deps.em();
    const overdue = await em.find(
      Order,
      { status: OrderStatus.PAYMENT_PENDING, expiresAt: { $lte: now } },
      { fields: ['id'], orderBy: { expiresAt: 'asc' }, limit: BATCH },
    );
    let expired = 0;
    for (const { id } of overdue) {
      const { changed } = await this.deps.lifecycle.run(em.fork(), id, {
        from: OrderStatus.PAYMENT_PENDING,
        to: OrderStatus.PAYMENT_FAILED,
        patch: { failureCode: 'EXPIRED', failureMessage: 'The payment window passed before the order was paid.' },
        reason: 'expired',
      });
      if (changed) expired++;
    }
    return expired;
  }

  /**
   * Reconciles StockGuard reservations with MySQL: a reservation whose order never committed,
   * or has ended unpaid, is released; one whose order is paid is settled. Pending ones stay.
   */
  async settleStaleReservations(): Promise<number> {
    const orderIds = await this.deps.stock.staleReservations(this.deps.reservationGraceMs, BATCH);
    if (orderIds.length === 0) return 0;
    const orders = await this.deps.em().find(Order, { orderId: { $in: orderIds } }, { fields: ['orderId', 'status', 'updatedAt'] });
    const byId = new Map(orders.map((o) => [o.orderId, o]));
    const settledBefore = Date.now() - this.deps.reservationGraceMs;
    let fixed = 0;
    for (const orderId of orderIds) {
      const order = byId.get(orderId);
      const status = order?.status;
      if (status === OrderStatus.PAYMENT_PENDING) continue;
      // The instance that just ended this order is returning its units itself; leave it the grace period.
      if (order && order.updatedAt.getTime() > settledBefore) continue;
      const paid = status !== undefined && PAID_STATUSES.has(status);
      if (paid ? await this.deps.stock.settle(orderId) : (await this.deps.stock.release(orderId)) !== null) fixed++;
    }
    return fixed;
  }

  /** Delivered lines past PURCHASE_CONFIRM_DAYS are confirmed (as of `now`); returns how many orders had lines confirmed. */
  confirmDelivered(now = new Date()): Promise<number> {
    return this.deps.confirmations.confirmDue(this.deps.em(), now);
  }

  /** One pass of every upkeep step; errors are logged, never thrown (the next pass retries). */
  async runOnce(): Promise<void> {
    try {
      const expired = await this.expireOverdue();
      if (expired) this.deps.logger.info({ expired }, 'expired unpaid orders');
      const fixed = await this.settleStaleReservations();
      if (fixed) this.deps.logger.info({ fixed }, 'settled stale stock reservations');
      const confirmed = await this.confirmDelivered();
      if (confirmed) this.deps.logger.info({ orders: confirmed }, 'confirmed delivered purchases automatically');
    } catch (err) {
      this.deps.logger.warn({ err }, 'order upkeep failed; retrying on the next pass');
    }
  }
}
