import type mysql from 'mysql2/promise';
import type { TossSandbox } from '../../toss-sandbox';
import { MERCHANT_REASON } from './toss';

type OrderRow = { id: number; order_id: string; status: string; flagged_at: Date | null };
type ItemRow = {
  id: number;
  order_id: number;
  seller_id: number;
  shipment_id: number | null;
  confirmed_at: Date | null;
  quantity: number;
  cancelled_quantity: number;
};
type ShipmentRow = { id: number; order_id: number; seller_id: number; status: string; carrier: string | null; delivered_at: Date | null };
type EventRow = { order_id: number; kind: string; shipment_id: number | null };

/**
 * Issue #15's invariants of shipments, from MySQL and the Toss sandbox, for the given orders
 * (after every settlement has run). Returns what is broken, one line each.
 *
 * A refund and a shipment of one order: only a refund the merchant made in Toss's console, which
 * may come at any time and leaves the order flagged for an admin. One of ours never meets a
 * shipment: its claim holds the order (even when Toss could not tell the outcome) until it settles.
 */
export async function checkShipmentInvariants(db: mysql.Connection, toss: TossSandbox, orderIds: string[]): Promise<string[]> {
  if (orderIds.length === 0) return [];
  const problems: string[] = [];
  const [orderRows] = await db.query('select id, order_id, status, flagged_at from customer_order where order_id in (?)', [orderIds]);
  const orders = orderRows as OrderRow[];
  const ids = orders.map((o) => o.id);
  const [[itemRows], [shipmentRows], [paymentRows], [eventRows], [partialRows]] = await Promise.all([
    db.query(
      'select id, order_id, seller_id, shipment_id, confirmed_at, quantity, cancelled_quantity from order_item where order_id in (?)',
      [ids],
    ),
    db.query('select id, order_id, seller_id, status, carrier, delivered_at from shipment where order_id in (?)', [ids]),
    db.query('select order_id, payment_key, status from payment where order_id in (?)', [ids]),
    db.query('select order_id, kind, shipment_id from order_status_change where order_id in (?) order by id', [ids]),
    db.query(`select transaction_key from order_cancellation where order_id in (?) and status = 'DONE'`, [ids]),
  ]);
  // Our partial cancels of unshipped units (issue #16) may meet shipments of other units; partial-invariants.ts checks them.
  const partialKeys = new Set((partialRows as Array<{ transaction_key: string | null }>).map((c) => c.transaction_key));
  const shipments = new Map((shipmentRows as ShipmentRow[]).map((s) => [s.id, s]));
  const payments = new Map((paymentRows as Array<{ order_id: number; payment_key: string; status: string }>).map((p) => [p.order_id, p]));

  for (const order of orders) {
    const say = (what: string) => problems.push(`${order.order_id} (${order.status}${order.flagged_at ? ', flagged' : ''}): ${what}`);
    const items = (itemRows as ItemRow[]).filter((i) => i.order_id === order.id);
    const own = [...shipments.values()].filter((s) => s.order_id === order.id);
    const events = (eventRows as EventRow[]).filter((e) => e.order_id === order.id);
    const payment = payments.get(order.id);
    const cancels = toss
      .payments()
      .filter((p) => p.orderId === order.order_id)
      .flatMap((p) => p.cancels ?? [])
      .filter((c) => !partialKeys.has(c.transactionKey));
    const oursRefunded = cancels.some((c) => c.cancelReason !== MERCHANT_REASON);

    // Shipped means paid, and never refunded by us.
    if (own.length && order.status !== 'SHIPPING' && order.status !== 'DELIVERED')
      say(`${own.length} shipment(s) on a ${order.status} order`);
    if (own.length && cancels.length) {
      const excused = order.flagged_at !== null && !oursRefunded;
      if (!excused) say(`shipped and refunded (${cancels.map((c) => c.cancelReason).join('; ')})`);
    }
    if (
      (order.status === 'SHIPPING' || order.status === 'DELIVERED') &&
      payment?.status !== 'DONE' &&
      payment?.status !== 'PARTIAL_CANCELED'
    ) {
      const excused = order.flagged_at !== null && !oursRefunded;
      if (!excused) say(`shipping with the payment ${payment?.status ?? 'missing'}`);
    }

    // Lines and their shipments.
    for (const s of own) {
      const lines = items.filter((i) => i.shipment_id === s.id);
      if (lines.length === 0) say(`shipment ${s.id} holds no line of this order`);
      if ((s.status === 'DELIVERED') !== (s.delivered_at !== null))
        say(`shipment ${s.id} is ${s.status} with deliveredAt ${s.delivered_at}`);
    }
    for (const item of items) {
      const s = item.shipment_id === null ? undefined : shipments.get(item.shipment_id);
      if (item.shipment_id !== null && s?.order_id !== order.id) say(`line ${item.id} is in shipment ${item.shipment_id} of another order`);
      if (s && s.seller_id !== item.seller_id) say(`line ${item.id} (seller ${item.seller_id}) shipped by seller ${s.seller_id}`);
      if (item.confirmed_at && s?.status !== 'DELIVERED') say(`line ${item.id} purchase-confirmed but ${s ? s.status : 'not shipped'}`);
    }
    // Lines whose every unit was cancelled (issue #16) never ship.
    const open = items.filter((i) => i.cancelled_quantity < i.quantity);
    const allDelivered =
      open.length > 0 && open.every((i) => i.shipment_id !== null && shipments.get(i.shipment_id)?.status === 'DELIVERED');
    if ((order.status === 'DELIVERED') !== allDelivered) say(`every line delivered: ${allDelivered}`);

    // One event per change: a seller's shipment is announced once and delivered at most once
    // (an admin's order-wide step delivers with one DELIVERED event of its own); a confirmation covers one or more lines.
    for (const s of own) {
      const count = (kind: string) => events.filter((e) => e.kind === kind && e.shipment_id === s.id).length;
      if (s.carrier !== null && count('SHIPPED') !== 1) say(`shipment ${s.id}: ${count('SHIPPED')} SHIPPED events`);
      if (count('DELIVERED') > (s.status === 'DELIVERED' ? 1 : 0))
        say(`shipment ${s.id} (${s.status}): ${count('DELIVERED')} DELIVERED events`);
    }
    const confirmedLines = items.filter((i) => i.confirmed_at).length;
    const confirmations = events.filter((e) => e.kind === 'PURCHASE_CONFIRMED').length;
    if (confirmations > confirmedLines || (confirmedLines > 0 && confirmations === 0))
      say(`${confirmedLines} line(s) confirmed, ${confirmations} PURCHASE_CONFIRMED event(s)`);
  }
  return problems;
}

/** What the run's shipments reached, for the test's closing line: shipments by who made them and their status, lines confirmed. */
export async function tallyShipments(db: mysql.Connection, orderIds: string[], count: (key: string) => void): Promise<void> {
  if (!orderIds.length) return;
  const [shipments] = await db.query(
    `select s.status, s.carrier is null as manual from shipment s join customer_order o on o.id = s.order_id where o.order_id in (?)`,
    [orderIds],
  );
  for (const s of shipments as Array<{ status: string; manual: number }>) count(`shipment:${s.manual ? 'admin' : 'seller'}:${s.status}`);
  const [confirmed] = await db.query(
    `select count(*) as n from order_item i join customer_order o on o.id = i.order_id
      where o.order_id in (?) and i.confirmed_at is not null`,
    [orderIds],
  );
  for (let n = Number((confirmed as Array<{ n: number }>)[0].n); n > 0; n--) count('line:PURCHASE_CONFIRMED');
}
