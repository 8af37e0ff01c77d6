import type { Sql } from '../../db/sql';
import type { Order, OrderEventKind, OrderStatus, PaymentStatus } from '../../entities';
import { GIVE_BACK_STOCK_SQL, giveBackStockParams } from '../stock/product-stock';

/**
 * The statements of an order status change, as plain SQL (see db/sql.ts): every change of every
 * caller runs them, and MikroORM's unit of work cost about five times their CPU (issue #18). They
 * run on the `Sql` of the caller's transaction, portable between MySQL and the embedded SQLite.
 */

export type Patch = Partial<Pick<Order, 'failureCode' | 'failureMessage' | 'cancelReason' | 'paidAt' | 'cancelledAt' | 'refundClaimedAt'>>;

const PATCH_COLUMNS: Readonly<Record<keyof Patch, string>> = {
  failureCode: 'failure_code',
  failureMessage: 'failure_message',
  cancelReason: 'cancel_reason',
  paidAt: 'paid_at',
  cancelledAt: 'cancelled_at',
  refundClaimedAt: 'refund_claimed_at',
};

/**
 * The conditional update: the order moves only while it is still in `from` (and, when
 * `unclaimed`, no refund holds it), so among racing callers on any instance exactly one wins.
 */
export async function moveStatus(
  sql: Sql,
  orderDbId: number,
  move: { from: OrderStatus; to: OrderStatus; patch?: Patch; unclaimed?: boolean },
): Promise<boolean> {
  const columns = ['status = ?', 'updated_at = ?'];
  const values: unknown[] = [move.to, new Date()];
  for (const [key, value] of Object.entries(move.patch ?? {})) {
    // An absent field is left alone, as MikroORM's update did.
    if (value === undefined) continue;
    columns.push(`${PATCH_COLUMNS[key as keyof Patch]} = ?`);
    values.push(value);
  }
  const claim = move.unclaimed ? ' and refund_claimed_at is null' : '';
  const { affectedRows } = await sql.run(`update customer_order set ${columns.join(', ')} where id = ? and status = ?${claim}`, [
    ...values,
    orderDbId,
    move.from,
  ]);
  return affectedRows > 0;
}

/** Flags the order with `reason` unless it is flagged with that reason already; true if it was flagged now. */
export async function flagOrder(sql: Sql, orderDbId: number, reason: string): Promise<boolean> {
  const now = new Date();
  const { affectedRows } = await sql.run(
    'update customer_order set flagged_at = ?, flag_reason = ?, updated_at = ? where id = ? and (flag_reason is null or flag_reason <> ?)',
    [now, reason, now, orderDbId, reason],
  );
  return affectedRows > 0;
}

/** An order event: history, outbox and notification in one row (see OrderStatusChange). */
export type EventRow = {
  orderDbId: number;
  customerId: number;
  orderCode: string;
  kind: OrderEventKind;
  paymentStatus: PaymentStatus | null;
  from: OrderStatus;
  to: OrderStatus;
  reason: string | null;
  shipment: { id: number; sellerId: number; carrier: string | null; trackingNumber: string | null } | null;
};

/** Inserts the event; `at` is now, as the entity's default, and it is unpublished and unread. */
export async function insertEvent(sql: Sql, e: EventRow): Promise<void> {
  await sql.run(
    `insert into order_status_change (order_id, customer_id, order_code, kind, payment_status, from_status, to_status, reason,
       shipment_id, carrier, tracking_number, seller_id, at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      e.orderDbId,
      e.customerId,
      e.orderCode,
      e.kind,
      e.paymentStatus,
      e.from,
      e.to,
      e.reason,
      e.shipment?.id ?? null,
      e.shipment?.carrier ?? null,
      e.shipment?.trackingNumber ?? null,
      e.shipment?.sellerId ?? null,
      new Date(),
    ],
  );
}

/** The order's payment status as recorded now; null when it has no payment row. */
export async function paymentStatusIn(sql: Sql, orderDbId: number): Promise<PaymentStatus | null> {
  const [row] = await sql.rows<{ status: PaymentStatus }>('select status from payment where order_id = ?', [orderDbId]);
  return row?.status ?? null;
}

/** The units of each product the order still holds (units refunded by partial cancels went back with them), in product id order. */
export async function heldUnits(sql: Sql, orderDbId: number): Promise<Array<{ productId: number; units: number }>> {
  const rows = await sql.rows<{ product_id: unknown; quantity: unknown; cancelled_quantity: unknown }>(
    'select product_id, quantity, cancelled_quantity from order_item where order_id = ? order by product_id',
    [orderDbId],
  );
  return rows
    .map((r) => ({ productId: Number(r.product_id), units: Number(r.quantity) - Number(r.cancelled_quantity ?? 0) }))
    .filter((line) => line.units > 0);
}

/**
 * Gives the held units back to the products, one product at a time in id order like createOrder
 * (no lock-order deadlock between the two). The caller runs this last before COMMIT: the hot
 * product rows stay locked only until then. A product sold out by its stock is ON_SALE again.
 */
export async function giveBackStock(sql: Sql, lines: ReadonlyArray<{ productId: number; units: number }>): Promise<void> {
  for (const line of lines) await sql.run(GIVE_BACK_STOCK_SQL, giveBackStockParams(line.productId, line.units));
}
