import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf } from '../../db/sql';
import { OrderEventKind, ShipmentStatus } from '../../entities';
import type { Logger } from '../../logger';
import { badInput, notFound } from '../../schema/errors';
import type { OrderLifecycle } from '../orders/order-lifecycle';
import type { SettlementLedger } from '../settlement/settlement-ledger';
import { retryOnDeadlock } from '../shared/deadlock';
import { lockOrder } from './order-lock';

const BATCH = 100;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * 구매확정: the sale of a delivered line becomes final, by the customer's word or automatically
 * PURCHASE_CONFIRM_DAYS after delivery. A confirmed line can no longer be cancelled or refunded.
 * Each confirmation runs under the order's row lock with its event, so the customer's press and the
 * sweeper (on any instance) confirm each line once. A confirmed line enters its seller's settlement
 * ledger in the same transaction (SettlementLedger.recordConfirmed).
 */
export class PurchaseConfirmation {
  constructor(private readonly deps: { lifecycle: OrderLifecycle; ledger: SettlementLedger; logger: Logger; confirmAfterDays: number }) {}

  /** The customer confirms every delivered line of their order not confirmed yet. */
  async confirm(em: EntityManager, customerId: number, orderId: string): Promise<void> {
    const confirmed = await this.confirmLines(em, { orderId }, { customerId, reason: 'confirmed by the customer' });
    if (confirmed === 0) throw badInput('orderId', 'Nothing to confirm: no delivered line of this order is waiting for confirmation.');
  }

  /** Confirms the lines delivered at least PURCHASE_CONFIRM_DAYS before `now`; returns how many orders it confirmed lines of. */
  async confirmDue(em: EntityManager, now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.deps.confirmAfterDays * DAY_MS);
    const rows = await sqlOf(em).rows<{ order_id: unknown }>(
      `select distinct s.order_id from shipment s join order_item i on i.shipment_id = s.id
        where s.status = ? and s.delivered_at <= ? and i.confirmed_at is null limit ${BATCH}`,
      [ShipmentStatus.DELIVERED, before],
    );
    let orders = 0;
    for (const { order_id } of rows) {
      try {
        const reason = `confirmed automatically ${this.deps.confirmAfterDays} days after delivery`;
        if ((await this.confirmLines(em, { id: Number(order_id) }, { deliveredBefore: before, reason })) > 0) orders++;
      } catch (err) {
        this.deps.logger.warn({ err, orderDbId: order_id }, 'could not confirm a delivered order; retrying on the next pass');
      }
    }
    return orders;
  }

  /** Confirms, under the order's lock, its delivered unconfirmed lines (delivered before `deliveredBefore` if given), with one event. */
  private async confirmLines(
    em: EntityManager,
    where: { orderId: string } | { id: number },
    options: { customerId?: number; deliveredBefore?: Date; reason: string },
  ): Promise<number> {
    const confirmed = await retryOnDeadlock(() =>
      em.fork().transactional(async (tx) => {
        const order = await lockOrder(tx, where);
        if (options.customerId !== undefined && order.customer.id !== options.customerId) throw notFound('Order');
        const cutoff = options.deliveredBefore ? ' and delivered_at <= ?' : '';
        const { affectedRows } = await sqlOf(tx).run(
          `update order_item set confirmed_at = ?
            where order_id = ? and confirmed_at is null
              and shipment_id in (select id from shipment where order_id = ? and status = ?${cutoff})`,
          [new Date(), order.id, order.id, ShipmentStatus.DELIVERED, ...(options.deliveredBefore ? [options.deliveredBefore] : [])],
        );
        if (affectedRows === 0) return 0;
        // 정산: the lines just confirmed enter their sellers' ledgers with this commit, or not at all.
        await this.deps.ledger.recordConfirmed(tx, order.id);
        this.deps.lifecycle.recordEvent(tx, order, {
          kind: OrderEventKind.PURCHASE_CONFIRMED,
          paymentStatus: await this.deps.lifecycle.paymentStatusOf(tx, order.id, null),
          from: order.status,
          to: order.status,
          reason: options.reason,
        });
        await tx.flush();
        return affectedRows;
      }),
    );
    if (confirmed > 0) this.deps.lifecycle.committed();
    return confirmed;
  }
}
