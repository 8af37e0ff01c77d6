import type mysql from 'mysql2/promise';
import type { TossSandbox } from '../../toss-sandbox';
import { MERCHANT_REASON } from './toss';

const PAID = new Set(['ORDER_COMPLETED', 'SHIPPING', 'DELIVERED']);

type OrderRow = { id: number; order_id: string; status: string; total_amount: number; flagged_at: Date | null };
type ItemRow = {
  id: number;
  order_id: number;
  unit_price: number;
  quantity: number;
  cancelled_quantity: number;
  shipment_id: number | null;
  confirmed_at: Date | null;
};
type CancellationRow = {
  id: number;
  order_id: number;
  lines: unknown;
  amount: number;
  status: string;
  transaction_key: string | null;
  settled_at: Date | null;
};
type LedgerRow = { id: number; order_item_id: number; quantity: number; gross: number; commission: number; net: number };

/**
 * Issue #16's invariants of partial refunds and the settlement ledger, from MySQL and the Toss
 * sandbox's own records, for the given orders (after every settlement has run). Returns what is
 * broken, one line each. Orders flagged for an admin (a refund made in Toss's console, not ours)
 * are left out of the money checks: Toss's balance is then the console's doing.
 *
 * - Toss's balanceAmount = the amount of the order's units still sold (0 once the order is
 *   cancelled or its payment failed), and the sum of Toss's cancels = the amount of the units refunded.
 * - Each DONE cancellation is one cancel at Toss (by its transactionKey, with its amount), its lines
 *   add up to the lines' cancelledQuantity, and besides them we made at most one (full) refund.
 * - No unit both shipped and cancelled: a shipped line's units were cancelled before it shipped
 *   (every DONE cancellation of it settled before its shipment), and never all of them.
 * - The ledger: every purchase-confirmed line has exactly one entry, gross = commission + net and
 *   gross = unitPrice * (units still sold); no entry for a line that is not confirmed.
 */
export async function checkPartialRefundInvariants(db: mysql.Connection, toss: TossSandbox, orderIds: string[]): Promise<string[]> {
  if (orderIds.length === 0) return [];
  const problems: string[] = [];
  const [orderRows] = await db.query('select id, order_id, status, total_amount, flagged_at from customer_order where order_id in (?)', [
    orderIds,
  ]);
  const orders = orderRows as OrderRow[];
  const ids = orders.map((o) => o.id);
  const [[itemRows], [shipmentRows], [paymentRows], [cancellationRows], [ledgerRows]] = await Promise.all([
    db.query(
      'select id, order_id, unit_price, quantity, cancelled_quantity, shipment_id, confirmed_at from order_item where order_id in (?)',
      [ids],
    ),
    db.query('select id, shipped_at from shipment where order_id in (?)', [ids]),
    db.query('select order_id, payment_key from payment where order_id in (?)', [ids]),
    db.query('select id, order_id, `lines`, amount, status, transaction_key, settled_at from order_cancellation where order_id in (?)', [
      ids,
    ]),
    db.query('select id, order_item_id, quantity, gross, commission, net from seller_ledger_entry where order_id in (?)', [ids]),
  ]);
  const shippedAt = new Map((shipmentRows as Array<{ id: number; shipped_at: Date }>).map((s) => [s.id, s.shipped_at]));
  const keyOf = new Map((paymentRows as Array<{ order_id: number; payment_key: string }>).map((p) => [p.order_id, p.payment_key]));
  const ledger = ledgerRows as LedgerRow[];

  for (const order of orders) {
    const say = (what: string) => problems.push(`${order.order_id} (${order.status}${order.flagged_at ? ', flagged' : ''}): ${what}`);
    const items = (itemRows as ItemRow[]).filter((i) => i.order_id === order.id);
    const done = (cancellationRows as CancellationRow[]).filter((c) => c.order_id === order.id && c.status === 'DONE');
    const linesOf = (c: CancellationRow) =>
      (typeof c.lines === 'string' ? JSON.parse(c.lines) : c.lines) as Array<{ itemId: number; quantity: number; amount: number }>;
    const flagged = order.flagged_at !== null;
    const charge = toss
      .payments()
      .find((p) => p.orderId === order.order_id && p.paymentKey === keyOf.get(order.id) && p.approvedAt !== null);

    // Lines: cancelled units within the line; a shipped line keeps units to ship.
    for (const item of items) {
      if (item.cancelled_quantity < 0 || item.cancelled_quantity > item.quantity)
        say(`line ${item.id}: ${item.cancelled_quantity} of ${item.quantity} units cancelled`);
      const doneUnits = done.flatMap(linesOf).filter((l) => l.itemId === item.id);
      const units = doneUnits.reduce((n, l) => n + l.quantity, 0);
      // A cancelOrder of the whole order leaves the lines' counts as they were; the last partial cancel fills them.
      if (units !== item.cancelled_quantity)
        say(`line ${item.id}: cancelledQuantity ${item.cancelled_quantity}, DONE cancellations ${units}`);
      if (item.shipment_id !== null) {
        if (item.cancelled_quantity >= item.quantity) say(`line ${item.id} shipped with every unit cancelled`);
        const shipped = shippedAt.get(item.shipment_id);
        for (const c of done.filter((c) => linesOf(c).some((l) => l.itemId === item.id))) {
          if (!shipped || !c.settled_at || c.settled_at.getTime() > shipped.getTime())
            say(
              `line ${item.id} shipped at ${shipped?.toISOString()}, cancellation ${c.id} of it settled at ${c.settled_at?.toISOString()}`,
            );
        }
      }
    }

    // Toss's ledger against ours.
    if (charge) {
      const cancels = charge.cancels ?? [];
      const merchant = cancels.filter((c) => c.cancelReason === MERCHANT_REASON);
      const ours = cancels.filter((c) => c.cancelReason !== MERCHANT_REASON);
      for (const c of done) {
        const entry = ours.filter((e) => e.transactionKey === c.transaction_key);
        if (entry.length !== 1 || entry[0].cancelAmount !== c.amount)
          say(`cancellation ${c.id} (${c.amount}, ${c.transaction_key}) is ${entry.length} cancel(s) at Toss`);
        const lines = linesOf(c);
        const byLine = lines.reduce((n, l) => n + l.amount, 0);
        const priced = lines.reduce((n, l) => n + (items.find((i) => i.id === l.itemId)?.unit_price ?? NaN) * l.quantity, 0);
        if (byLine !== c.amount || priced !== c.amount)
          say(`cancellation ${c.id}: amount ${c.amount}, its lines ${byLine} (priced ${priced})`);
      }
      const full = ours.filter((e) => !done.some((c) => c.transaction_key === e.transactionKey));
      if (full.length > 1) say(`refunded ${full.length} times by us besides the partial cancels`);
      if (full.length === 1 && !flagged && merchant.length === 0 && full[0].cancelAmount !== charge.totalAmount - sumOf(done))
        say(`our full refund was ${full[0].cancelAmount}, the partial cancels left ${charge.totalAmount - sumOf(done)}`);

      if (!flagged && merchant.length === 0) {
        const stillSold = items.reduce((n, i) => n + i.unit_price * (i.quantity - i.cancelled_quantity), 0);
        const expected = PAID.has(order.status) ? stillSold : 0;
        if (charge.balanceAmount !== expected) say(`Toss's balance ${charge.balanceAmount}, the units still sold ${expected}`);
        const refunded = cancels.reduce((n, c) => n + c.cancelAmount, 0);
        // An order that is not paid has nothing sold: whatever Toss approved for it (its own payment, refunded when
        // cancelled, or an approval that came after it expired or failed, refunded as a stray) is refunded in full.
        const unitsRefunded = PAID.has(order.status)
          ? items.reduce((n, i) => n + i.unit_price * i.cancelled_quantity, 0)
          : charge.totalAmount;
        if (refunded !== unitsRefunded) say(`Toss refunded ${refunded}, the units refunded come to ${unitsRefunded}`);
      }
    } else if (done.length) say(`${done.length} DONE cancellation(s) without a payment approved at Toss`);

    // The settlement ledger.
    for (const item of items) {
      const entries = ledger.filter((e) => e.order_item_id === item.id);
      if (item.confirmed_at ? entries.length !== 1 : entries.length !== 0)
        say(`line ${item.id} (${item.confirmed_at ? 'confirmed' : 'not confirmed'}): ${entries.length} ledger entries`);
      const units = item.quantity - item.cancelled_quantity;
      for (const e of entries) {
        if (e.gross !== e.commission + e.net) say(`ledger entry ${e.id}: gross ${e.gross} != commission ${e.commission} + net ${e.net}`);
        if (e.gross !== item.unit_price * units || e.quantity !== units)
          say(`ledger entry ${e.id}: ${e.quantity} unit(s) gross ${e.gross}, the line sold ${units} x ${item.unit_price}`);
      }
    }
  }
  return problems;
}

const sumOf = (cs: Array<{ amount: number }>) => cs.reduce((n, c) => n + c.amount, 0);
