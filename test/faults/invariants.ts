import mysql from 'mysql2/promise';
import { sweeperWithoutGrace, TEST_MYSQL_URL, type TestApp } from '../helpers/test-app';

/** A connection to the scenario's database, for the invariant checks. */
export const dbOf = (t: TestApp) => mysql.createConnection(`${TEST_MYSQL_URL}/${t.dbName}`);

/** No half-written order: every order has its lines and its creation event. */
export async function noHalfWrittenOrders(db: mysql.Connection): Promise<number[]> {
  const [rows] = await db.query(
    `select o.id from customer_order o
      where not exists (select 1 from order_item i where i.order_id = o.id)
         or not exists (select 1 from order_status_change c where c.order_id = o.id and c.kind = 'CREATED')`,
  );
  return (rows as Array<{ id: number }>).map((r) => r.id);
}

/** For every product: stock + units held by live orders (unpaid, or paid and not cancelled since) = the seller's stock. */
export async function stockAccountedFor(
  db: mysql.Connection,
  initial: Map<number, number>,
): Promise<Record<number, { stock: number; held: number; initial: number }>> {
  const out: Record<number, { stock: number; held: number; initial: number }> = {};
  for (const [productId, start] of initial) {
    const [[p]] = (await db.query('select stock from product where id = ?', [productId])) as unknown as [[{ stock: number }]];
    const [[h]] = (await db.query(
      `select coalesce(sum(i.quantity - i.cancelled_quantity), 0) as held from order_item i join customer_order o on o.id = i.order_id
        where i.product_id = ? and o.status in ('PAYMENT_PENDING', 'ORDER_COMPLETED', 'SHIPPING', 'DELIVERED')`,
      [productId],
    )) as unknown as [[{ held: string }]];
    out[productId] = { stock: Number(p.stock), held: Number(h.held), initial: start };
  }
  return out;
}

/** The outbox drains: once a relay has run, no committed event is left unpublished. */
export async function unpublishedEvents(t: TestApp, db: mysql.Connection): Promise<number> {
  await t.app.relay.runOnce();
  const [[row]] = (await db.query('select count(*) as n from order_status_change where published_at is null')) as unknown as [
    [{ n: number }],
  ];
  return Number(row.n);
}

/** Settles every hold left by a crash or an outage (no grace period), then compares the counters with MySQL. */
export async function countersAgree(
  t: TestApp,
  db: mysql.Connection,
  productIds: number[],
): Promise<Array<{ productId: number; counter: number | null; stock: number }>> {
  const sweeper = sweeperWithoutGrace(t.app);
  await sweeper.settleStaleReservations();
  const counters = await t.app.stock.counters(productIds);
  const out = [];
  for (const productId of productIds) {
    const [[p]] = (await db.query('select stock from product where id = ?', [productId])) as unknown as [[{ stock: number }]];
    out.push({ productId, counter: counters.get(productId) ?? null, stock: Number(p.stock) });
  }
  return out.filter((c) => c.counter !== null && c.counter !== c.stock);
}
