import { spawn, type ChildProcess } from 'node:child_process';
import type mysql from 'mysql2/promise';
import { startTossSandbox } from '../../toss-sandbox';
import { AddToCartDocument, ConfirmPaymentDocument, CreateOrderDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { freePort, spawnAppProcess } from '../helpers/app-process';
import { codeOf, type GraphQLClient } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { TOSS_CLIENT_KEY, TOSS_SECRET_KEY } from '../helpers/toss';
import { countersAgree, dbOf, noHalfWrittenOrders, stockAccountedFor, unpublishedEvents } from './invariants';

/**
 * Fault scenarios with real processes. Each breaks something in the middle of a checkout burst,
 * lets it recover, and ends with the invariants: no half-written order; for every product,
 * stock + units held by live orders = the seller's stock; the StockGuard's counters agree with
 * MySQL once stale holds are settled; no event is left in the outbox; and (for the PG) every
 * approved Toss payment belongs to exactly one completed or refunded order.
 */
const ALLOWED = new Set([undefined, 'OUT_OF_STOCK', 'SERVICE_UNAVAILABLE']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function buyers(client: GraphQLClient, n: number, productId: string): Promise<TestAccount[]> {
  const out: TestAccount[] = [];
  for (let i = 0; i < n; i += 20) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(20, n - i) }, async () => {
          const c = await signUpAs(client, 'CUSTOMER');
          await client.ok(AddToCartDocument, { productId, quantity: 1 }, { token: c.token });
          return c;
        }),
      )),
    );
  }
  return out;
}

async function checkInvariants(t: TestApp, db: mysql.Connection, initial: Map<number, number>) {
  expect(await noHalfWrittenOrders(db)).toEqual([]);
  for (const [id, s] of Object.entries(await stockAccountedFor(db, initial))) {
    expect({ id, total: s.stock + s.held }).toEqual({ id, total: s.initial });
    expect(s.stock).toBeGreaterThanOrEqual(0);
  }
  expect(await countersAgree(t, db, [...initial.keys()])).toEqual([]);
  expect(await unpublishedEvents(t, db)).toBe(0);
}

it('invariant: one instance killed with kill -9 mid-checkout while another keeps serving', async () => {
  const t = await startTestApp({ STOCK_RESERVATION_GRACE_SECONDS: '1' });
  const [p1, p2] = await Promise.all([spawnAppProcess(t.peerEnv), spawnAppProcess(t.peerEnv)]);
  const db = await dbOf(t);
  try {
    const seller = await signUpAs(t.client, 'SELLER');
    const product = await createProduct(t.client, seller.token, { stock: 80 });
    const customers = await buyers(t.client, 120, product.id);
    const results = customers.map((c, i) =>
      (i % 2 ? p2 : p1).client.request(CreateOrderDocument, {}, { token: c.token }).then(
        (r) => ({ via: i % 2 ? 'p2' : 'p1', code: codeOf(r) }),
        () => ({ via: i % 2 ? 'p2' : 'p1', code: 'CONNECTION_LOST' }),
      ),
    );
    await sleep(40);
    await p1.kill();
    const settled = await Promise.all(results);
    // The survivor answered every request it got with a coded outcome.
    expect(settled.filter((r) => r.via === 'p2' && !ALLOWED.has(r.code))).toEqual([]);
    await checkInvariants(t, db, new Map([[Number(product.id), 80]]));
    // And it keeps selling.
    const late = await signUpAs(p2.client, 'CUSTOMER');
    await p2.client.ok(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: late.token }).catch(() => undefined);
  } finally {
    await db.end();
    await p2.stop();
    await t.close();
  }
});

it('invariant: MySQL connections killed mid-transaction leave no half-written order', async () => {
  const t = await startTestApp();
  const [p1, p2] = await Promise.all([spawnAppProcess(t.peerEnv), spawnAppProcess(t.peerEnv)]);
  const db = await dbOf(t);
  try {
    const seller = await signUpAs(t.client, 'SELLER');
    const product = await createProduct(t.client, seller.token, { stock: 100 });
    const customers = await buyers(t.client, 100, product.id);
    let killing = true;
    const killer = (async () => {
      while (killing) {
        const [rows] = await db.query('select id from information_schema.processlist where db = ? and id <> connection_id()', [t.dbName]);
        for (const { id } of rows as Array<{ id: number }>) await db.query(`kill ${Number(id)}`).catch(() => undefined);
        await sleep(15);
      }
    })();
    const settled = await Promise.all(
      customers.map((c, i) => (i % 2 ? p2 : p1).client.request(CreateOrderDocument, {}, { token: c.token }).catch(() => null)),
    );
    killing = false;
    await killer;
    expect(settled.length).toBe(100);
    await checkInvariants(t, db, new Map([[Number(product.id), 100]]));
  } finally {
    await db.end();
    await Promise.all([p1.stop(), p2.stop()]);
    await t.close();
  }
});

it('invariant: Redis stopped during a checkout burst answers SERVICE_UNAVAILABLE, never oversells, and nothing stays stuck once it returns', async () => {
  const port = await freePort();
  const startRedis = () =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  let redis: ChildProcess = startRedis();
  await sleep(300);
  const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
  const t = await startTestApp(env);
  const [p1, p2] = await Promise.all([spawnAppProcess({ ...t.peerEnv, ...env }), spawnAppProcess({ ...t.peerEnv, ...env })]);
  const db = await dbOf(t);
  try {
    const seller = await signUpAs(t.client, 'SELLER');
    const product = await createProduct(t.client, seller.token, { stock: 60 });
    const customers = await buyers(t.client, 120, product.id);
    const spare = await createProduct(t.client, seller.token, { stock: 5 });
    const [probe] = await buyers(t.client, 1, spare.id);
    const results = customers.map((c, i) =>
      (i % 2 ? p2 : p1).client.request(CreateOrderDocument, {}, { token: c.token }).then((r) => codeOf(r)),
    );
    await sleep(30);
    redis.kill('SIGKILL');
    const codes = await Promise.all(results);
    expect(codes.filter((c) => !ALLOWED.has(c))).toEqual([]);
    // While Redis is down, an order gets a clear SERVICE_UNAVAILABLE (not an internal error, not a sale).
    const whileDown = await p2.client.request(CreateOrderDocument, {}, { token: probe.token });
    expect(codeOf(whileDown)).toBe('SERVICE_UNAVAILABLE');
    redis = startRedis();
    await sleep(1500); // the instances reconnect
    // After the outage: more orders go through, and the counters are rebuilt from MySQL.
    const again = await Promise.all(
      customers.slice(0, 20).map((c) => p1.client.request(CreateOrderDocument, {}, { token: c.token }).then((r) => codeOf(r))),
    );
    expect(again.filter((c) => !ALLOWED.has(c))).toEqual([]);
    await checkInvariants(
      t,
      db,
      new Map([
        [Number(product.id), 60],
        [Number(spare.id), 5],
      ]),
    );
    // Every hold left belongs to a live (unpaid) order.
    const held = await t.app.stock.staleReservations(0, 1000);
    const [rows] = held.length ? await db.query('select order_id, status from customer_order where order_id in (?)', [held]) : [[]];
    const statusOf = new Map((rows as Array<{ order_id: string; status: string }>).map((r) => [r.order_id, r.status]));
    expect(held.filter((id) => statusOf.get(id) !== 'PAYMENT_PENDING')).toEqual([]);
  } finally {
    await db.end();
    await Promise.all([p1.stop(), p2.stop()]);
    await t.close();
    redis.kill('SIGKILL');
  }
});

it('invariant: the Toss sandbox slow, then down: orders stay consistent and the reconciler settles them, one charge each', async () => {
  const toss = await startTossSandbox();
  const t = await startTestApp({ TOSS_API_URL: toss.url, TOSS_SECRET_KEY, TOSS_CLIENT_KEY, TOSS_TIMEOUT_MS: '300' });
  const db = await dbOf(t);
  try {
    const seller = await signUpAs(t.client, 'SELLER');
    const product = await createProduct(t.client, seller.token, { stock: 10, price: 1000 });
    const customers = await buyers(t.client, 6, product.id);
    const orders = await Promise.all(
      customers.map((c) => t.client.ok(CreateOrderDocument, {}, { token: c.token }).then((d) => d.createOrder)),
    );
    const auths = orders.map((o) =>
      toss.authorize({ clientKey: TOSS_CLIENT_KEY, orderId: o.orderId, orderName: o.orderName, amount: o.totalAmount }),
    );
    // Slow: every confirm outlives our timeout (and its retry); Toss approves afterwards.
    toss.addFault({ endpoint: 'confirm', mode: 'delay', ms: 700, times: 6 });
    toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 100 });
    const slow = await Promise.all(
      auths.slice(0, 3).map((a, i) => t.client.request(ConfirmPaymentDocument, { input: a }, { token: customers[i].token })),
    );
    // Down: the connection drops before Toss sees anything.
    toss.clearFaults();
    toss.addFault({ endpoint: 'confirm', mode: 'drop-before', times: 100 });
    toss.addFault({ endpoint: 'lookup', mode: 'drop-before', times: 100 });
    const down = await Promise.all(
      auths.slice(3).map((a, i) => t.client.request(ConfirmPaymentDocument, { input: a }, { token: customers[3 + i].token })),
    );
    expect([...slow, ...down].map(codeOf).filter((c) => c !== 'SERVICE_UNAVAILABLE' && c !== undefined)).toEqual([]);
    await checkInvariants(t, db, new Map([[Number(product.id), 10]]));

    // Toss is back: the reconciler settles every one of them.
    toss.clearFaults();
    await sleep(800);
    await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 60_000));
    const [rows] = await db.query('select order_id, status from customer_order');
    const statuses = new Map((rows as Array<{ order_id: string; status: string }>).map((r) => [r.order_id, r.status]));
    for (const o of orders) expect(statuses.get(o.orderId)).toBe('ORDER_COMPLETED');
    // Every approved Toss payment belongs to exactly one completed (or refunded) order, charged once.
    const approved = toss.payments().filter((p) => p.status === 'DONE');
    expect(approved).toHaveLength(6);
    for (const p of approved) expect(['ORDER_COMPLETED', 'CANCELLED', 'PAYMENT_FAILED']).toContain(statuses.get(p.orderId));
    expect(new Set(approved.map((p) => p.orderId)).size).toBe(6);
    await checkInvariants(t, db, new Map([[Number(product.id), 10]]));
  } finally {
    await db.end();
    await t.close();
    await toss.close();
  }
});
