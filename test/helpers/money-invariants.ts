import type mysql from 'mysql2/promise';
import type { Payment as TossPayment, TossSandbox } from '../../toss-sandbox';

const PAID = new Set(['ORDER_COMPLETED', 'SHIPPING', 'DELIVERED']);

type OrderRow = {
  id: number;
  order_id: string;
  status: string;
  total_amount: number;
  flagged_at: Date | null;
  refund_claimed_at: Date | null;
};
type PaymentRow = { order_id: number; payment_key: string; status: string; balance_amount: number };
type EventRow = { order_id: number; kind: string; from_status: string | null; to_status: string };

/**
 * Issue #13's invariants of money, from MySQL and from the Toss sandbox's own records, for the
 * given orders (after every settlement has run). Returns what is broken, one line each.
 */
export async function checkMoneyInvariants(db: mysql.Connection, toss: TossSandbox, orderIds: string[]): Promise<string[]> {
  if (orderIds.length === 0) return [];
  const problems: string[] = [];
  const [orderRows] = await db.query(
    'select id, order_id, status, total_amount, flagged_at, refund_claimed_at from customer_order where order_id in (?)',
    [orderIds],
  );
  const orders = orderRows as OrderRow[];
  const dbIds = orders.map((o) => o.id);
  const [paymentRows] = await db.query('select order_id, payment_key, status, balance_amount from payment where order_id in (?)', [dbIds]);
  const [eventRows] = await db.query(
    'select order_id, kind, from_status, to_status from order_status_change where order_id in (?) order by id',
    [dbIds],
  );
  const paymentOf = new Map((paymentRows as PaymentRow[]).map((p) => [p.order_id, p]));
  const tossOf = new Map<string, TossPayment[]>();
  for (const p of toss.payments()) if (orderIds.includes(p.orderId)) tossOf.set(p.orderId, [...(tossOf.get(p.orderId) ?? []), p]);

  for (const order of orders) {
    const say = (what: string) => problems.push(`${order.order_id} (${order.status}${order.flagged_at ? ', flagged' : ''}): ${what}`);
    const row = paymentOf.get(order.id);
    const atToss = tossOf.get(order.order_id) ?? [];
    const flagged = order.flagged_at !== null;
    if (order.refund_claimed_at) say('a refund claim was left behind');

    const approved = atToss.filter((p) => p.approvedAt !== null);
    if (approved.length > 1) say(`${approved.length} payments approved at Toss for one order`);
    for (const p of atToss) {
      const ours = row?.payment_key === p.paymentKey;
      switch (p.status) {
        case 'DONE':
          if (!PAID.has(order.status)) say(`Toss holds ${p.paymentKey} as DONE (charged) but the order is not paid`);
          else if (!ours || row.status !== 'DONE')
            say(`Toss's DONE ${p.paymentKey} is recorded as ${ours ? row.status : 'another payment'}`);
          if (p.totalAmount !== order.total_amount) say(`Toss charged ${p.totalAmount}, the order is ${order.total_amount}`);
          break;
        case 'PARTIAL_CANCELED':
          // Our partial cancels (issue #16) or a console refund (flagged); the balance is checked in partial-invariants.ts.
          if (!PAID.has(order.status)) say(`Toss holds ${p.paymentKey} as PARTIAL_CANCELED but the order is not paid`);
          if (!ours || row.status !== 'PARTIAL_CANCELED' || row.balance_amount !== p.balanceAmount)
            say(
              `Toss's PARTIAL_CANCELED (balance ${p.balanceAmount}) is recorded as ${ours ? `${row.status} ${row.balance_amount}` : 'nothing'}`,
            );
          break;
        case 'CANCELED':
          if (PAID.has(order.status) && !flagged) say(`Toss refunded ${p.paymentKey} but the order is paid and not flagged`);
          if (ours && row.status !== 'CANCELED') say(`Toss's CANCELED is recorded as ${row.status}`);
          break;
        default:
          if (ours && ['DONE', 'PARTIAL_CANCELED', 'CANCELED'].includes(row.status))
            say(`recorded ${row.status} but Toss says ${p.status}`);
      }
    }
    if (PAID.has(order.status)) {
      const charge = atToss.find((p) => p.paymentKey === row?.payment_key);
      if (!charge || charge.approvedAt === null) say('paid here, but Toss approved no payment for it');
    }
    const charged = row?.status === 'DONE' || row?.status === 'PARTIAL_CANCELED';
    if ((order.status === 'SHIPPING' || order.status === 'DELIVERED') && !charged && !flagged) {
      say(`shipping with the payment ${row?.status ?? 'missing'}`);
    }
    if (row?.status === 'ABORTED' && atToss.some((p) => p.paymentKey === row.payment_key && p.approvedAt !== null)) {
      say('recorded ABORTED, but Toss approved it');
    }

    // The history replays to the status.
    let current: string | null = null;
    for (const e of (eventRows as EventRow[]).filter((e) => e.order_id === order.id)) {
      if (current === null) {
        if (e.kind !== 'CREATED' || e.to_status !== 'PAYMENT_PENDING') say(`history starts with ${e.kind}`);
      } else if (e.from_status !== current) say(`history: ${e.kind} from ${e.from_status} while the order was ${current}`);
      current = e.to_status;
    }
    if (current !== order.status) say(`history replays to ${current}`);
  }
  return problems;
}
