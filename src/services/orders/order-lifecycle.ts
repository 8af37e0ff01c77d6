import type { EntityManager } from '@mikro-orm/knex';
import { beforeCommit } from '../../db/before-commit';
import { sqlOf, sqlTransaction, type Sql } from '../../db/sql';
import { Order, OrderEventKind, OrderStatus, OrderStatusChange, Payment, PaymentStatus } from '../../entities';
import type { Logger } from '../../logger';
import { retryOnDeadlock } from '../shared/deadlock';
import type { StockGuard } from '../stock/stock-guard';
import { flagOrder, giveBackStock, heldUnits, insertEvent, moveStatus, paymentStatusIn, type Patch } from './order-change-sql';
import { loadOrderRecord, selectOrderRecord, type OrderRecord } from './order-records';

/** Where an order may go next; anything else is refused. */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  [OrderStatus.PAYMENT_PENDING]: [OrderStatus.ORDER_COMPLETED, OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED],
  [OrderStatus.ORDER_COMPLETED]: [OrderStatus.SHIPPING, OrderStatus.CANCELLED],
  [OrderStatus.SHIPPING]: [OrderStatus.DELIVERED],
  [OrderStatus.DELIVERED]: [],
  [OrderStatus.CANCELLED]: [],
  [OrderStatus.PAYMENT_FAILED]: [],
};

export const canMove = (from: OrderStatus, to: OrderStatus) => NEXT[from].includes(to);

/**
 * A status change. `unclaimed`: only while no refund holds the order (shipping must not start
 * while Toss is refunding it).
 */
export type Change = {
  from: OrderStatus;
  to: OrderStatus;
  patch?: Patch;
  reason?: string | null;
  unclaimed?: boolean;
  /** What the event says beyond the status change (a shipment's SHIPPED or DELIVERED); the kind follows the change otherwise. */
  event?: EventDetail;
};

/** A shipment an event is about: its seller alone hears of it among the order's sellers. */
export type ShipmentEvent = { id: number; sellerId: number; carrier: string | null; trackingNumber: string | null };
export type EventDetail = { kind?: OrderEventKind; shipment?: ShipmentEvent | null };

/**
 * Every order status change goes through here: a conditional update (so among racing callers,
 * on any instance, exactly one wins), a history row, and, when an unpaid order ends, its stock
 * back in MySQL in the same transaction and then in the StockGuard, exactly once.
 */
export class OrderLifecycle {
  constructor(
    private readonly deps: {
      stock: StockGuard;
      logger: Logger;
      /** Called after a change commits, so its event is published without waiting for the next relay pass. */
      onEvent?: () => void;
    },
  ) {}

  /** Tells the outbox relay that events were committed. */
  committed(): void {
    this.deps.onEvent?.();
  }

  /**
   * Applies `change` inside the caller's transaction. Returns false (and changes nothing) when
   * the order is no longer in `change.from`: someone else moved it first.
   */
  async apply(tx: EntityManager, orderDbId: number, change: Change): Promise<boolean> {
    if (releasesStock(change) && !tx.isInTransaction())
      throw new Error("a change that releases stock runs inside the caller's transaction");
    // What the caller queued in its unit of work is written in its transaction once the order row is
    // ours (as before, after the conditional update) and before the stock give-back, which comes last.
    const moved = await this.change(sqlOf(tx), orderDbId, change, () => tx.flush());
    if (!moved) return false;
    // The StockGuard's side waits for the caller's last statement: it runs right before COMMIT.
    if (moved.returned) beforeCommit(tx, () => this.returnToGuard(moved.order.orderId, moved.returned!));
    return true;
  }

  /**
   * Writes an order event (history, outbox and notification in one row) in the caller's
   * transaction; flushed with it. Status changes write theirs through `apply`.
   */
  recordEvent(
    tx: EntityManager,
    order: Pick<Order, 'id' | 'orderId' | 'customer'>,
    event: {
      kind: OrderEventKind;
      paymentStatus: PaymentStatus | null;
      from: OrderStatus;
      to: OrderStatus;
      reason?: string | null;
      shipment?: ShipmentEvent | null;
    },
  ): void {
    const shipment = event.shipment ?? null;
    tx.create(OrderStatusChange, {
      order: order.id,
      customer: order.customer.id,
      orderCode: order.orderId,
      kind: event.kind,
      paymentStatus: event.paymentStatus,
      fromStatus: event.from,
      toStatus: event.to,
      reason: event.reason ?? null,
      shipment: shipment?.id ?? null,
      carrier: shipment?.carrier ?? null,
      trackingNumber: shipment?.trackingNumber ?? null,
      seller: shipment?.sellerId ?? null,
    });
  }

  /** The order's payment status as recorded now (`fallback` when it has no payment row). */
  async paymentStatusOf(tx: EntityManager, orderDbId: number, fallback: PaymentStatus | null): Promise<PaymentStatus | null> {
    const payment = await tx.findOne(Payment, { order: orderDbId }, { fields: ['status'], disableIdentityMap: true });
    return payment?.status ?? fallback;
  }

  /**
   * Flags the order for an admin (Toss reports what its status cannot show), in the caller's
   * transaction, with an event. The same reason twice flags once, so replays change nothing.
   */
  async flag(tx: EntityManager, orderDbId: number, reason: string, paymentStatus: PaymentStatus): Promise<boolean> {
    const text = reason.slice(0, 255);
    const sql = sqlOf(tx);
    if (!(await flagOrder(sql, orderDbId, text))) return false;
    const order = await this.orderIn(sql, orderDbId);
    await insertEvent(sql, {
      orderDbId,
      customerId: order.customerId,
      orderCode: order.orderId,
      kind: OrderEventKind.FLAGGED,
      paymentStatus,
      from: order.status,
      to: order.status,
      reason: text,
      shipment: null,
    });
    // The caller's queued rows (Toss's view of the payment) go in after the order row, as before.
    await tx.flush();
    this.deps.logger.warn({ orderId: order.orderId, reason: text }, 'order flagged for an admin');
    return true;
  }

  /**
   * Runs `change` in its own transaction, the StockGuard's side of a release last before COMMIT.
   * Returns the order as it now is, and whether this call made the change.
   */
  async run(em: EntityManager, orderDbId: number, change: Change): Promise<{ changed: boolean; order: OrderRecord }> {
    let returned: Array<{ productId: number }> = [];
    const moved = await retryOnDeadlock(() =>
      sqlTransaction(em, async (sql) => {
        const done = await this.change(sql, orderDbId, change);
        if (done?.returned) {
          returned = done.returned;
          await this.returnToGuard(done.order.orderId, done.returned);
        }
        return done;
      }),
    ).catch(async (err: unknown) => {
      // The COMMIT failed after the counters took the units back (MySQL did not): they are dropped
      // and rebuilt from MySQL, rather than left too high.
      if (returned.length) await this.deps.stock.forget(returned.map((line) => line.productId)).catch(() => undefined);
      throw err;
    });
    if (!moved) return { changed: false, order: await loadOrderRecord(em, orderDbId) };
    this.committed();
    // As committed: the order's row was locked from the change's update to its commit.
    return { changed: true, order: moved.order };
  }

  /**
   * The StockGuard's side of a give-back, in the change's transaction after MySQL's (the product
   * rows still locked, so a counter being rebuilt waits for the COMMIT: README "Stock"): the hold is
   * released (exactly once, by its reservation record), or, with no record left, `units` are added to
   * the counters that exist.
   */
  private async returnToGuard(orderId: string, units: ReadonlyArray<{ productId: number; units: number }>): Promise<void> {
    try {
      const released = await this.deps.stock.release(orderId);
      if (released === null) {
        // No hold to release: the order was paid (its hold was settled) or the record was lost in
        // a flush, and in both cases the counter (if it exists) still lacks these units, as MySQL
        // did until this change. Give them back by the same amounts.
        // Units already refunded by partial cancels were given back then.
        for (const line of units) await this.deps.stock.adjust(line.productId, line.units);
      } else {
        // The hold gave back what it held when made; units refunded line by line since (a paid order
        // whose hold could not be settled) went back then, so they are taken out again: the counter
        // moves by what MySQL got back, `units`.
        const held = new Map(units.map((line) => [line.productId, line.units]));
        for (const line of released) {
          const twice = line.quantity - (held.get(line.productId) ?? 0);
          if (twice !== 0) await this.deps.stock.adjust(line.productId, -twice);
        }
      }
    } catch (err) {
      // A hold still recorded is released by the sweeper once it sees the order ended; counters that
      // may lack the units are dropped (rebuilt from MySQL after this COMMIT).
      this.deps.logger.warn({ err, orderId }, 'could not return stock to the StockGuard; the sweeper will retry');
      await this.deps.stock.forget(units.map((line) => line.productId)).catch(() => undefined);
    }
  }

  /**
   * The change's statements, on `sql` (its transaction): the conditional update, the order as it
   * now is, the event row, then (when the change releases stock) the give-back, the last
   * statements before COMMIT, so the hot product rows are held the shortest. `beforeStock` writes
   * a caller's pending rows. Returns the changed order, or null when someone moved it first.
   */
  private async change(
    sql: Sql,
    orderDbId: number,
    change: Change,
    beforeStock?: () => Promise<void>,
  ): Promise<{ order: OrderRecord; returned: Array<{ productId: number; units: number }> | null } | null> {
    if (!canMove(change.from, change.to)) throw new Error(`illegal order transition ${change.from} -> ${change.to}`);
    if (!(await moveStatus(sql, orderDbId, change))) return null;
    await beforeStock?.();
    const order = await this.orderIn(sql, orderDbId);
    const event = eventOf(change, change.patch?.failureCode ?? order.failureCode);
    // A delivery step says what the payment is now: partly refunded lines leave it PARTIAL_CANCELED, not DONE.
    const paymentStatus = isDeliveryStep(change) ? ((await paymentStatusIn(sql, orderDbId)) ?? event.paymentStatus) : event.paymentStatus;
    await insertEvent(sql, {
      orderDbId,
      customerId: order.customerId,
      orderCode: order.orderId,
      kind: change.event?.kind ?? event.kind,
      paymentStatus,
      from: change.from,
      to: change.to,
      reason: change.reason ?? null,
      shipment: change.event?.shipment ?? null,
    });
    if (!releasesStock(change)) return { order, returned: null };
    const returned = await heldUnits(sql, orderDbId);
    await giveBackStock(sql, returned);
    return { order, returned };
  }

  private async orderIn(sql: Sql, orderDbId: number): Promise<OrderRecord> {
    const order = await selectOrderRecord(sql, 'id = ?', [orderDbId]);
    if (!order) throw new Error(`order ${orderDbId} not found`);
    return order;
  }
}

/** The event a status change makes, and the payment's status at that point. */
export function eventOf(
  change: Pick<Change, 'from' | 'to'>,
  failureCode: string | null | undefined,
): { kind: OrderEventKind; paymentStatus: PaymentStatus | null } {
  switch (change.to) {
    case OrderStatus.ORDER_COMPLETED:
      return { kind: OrderEventKind.PAID, paymentStatus: PaymentStatus.DONE };
    case OrderStatus.SHIPPING:
      return { kind: OrderEventKind.SHIPPING, paymentStatus: PaymentStatus.DONE };
    case OrderStatus.DELIVERED:
      return { kind: OrderEventKind.DELIVERED, paymentStatus: PaymentStatus.DONE };
    case OrderStatus.CANCELLED:
      return change.from === OrderStatus.PAYMENT_PENDING
        ? { kind: OrderEventKind.CANCELLED, paymentStatus: null }
        : { kind: OrderEventKind.REFUNDED, paymentStatus: PaymentStatus.CANCELED };
    case OrderStatus.PAYMENT_FAILED:
      return failureCode === 'EXPIRED'
        ? { kind: OrderEventKind.EXPIRED, paymentStatus: null }
        : { kind: OrderEventKind.FAILED, paymentStatus: PaymentStatus.ABORTED };
    default:
      return { kind: OrderEventKind.CREATED, paymentStatus: null };
  }
}

const isDeliveryStep = (change: Pick<Change, 'to'>) => change.to === OrderStatus.SHIPPING || change.to === OrderStatus.DELIVERED;

/** An unpaid order that ends gives its units back; a paid one that is cancelled does too (after its refund). */
export function releasesStock(change: Change): boolean {
  return change.to === OrderStatus.CANCELLED || change.to === OrderStatus.PAYMENT_FAILED;
}
