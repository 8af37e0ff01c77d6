import mysql from 'mysql2/promise';
import { Product } from '../../src/entities';
import { beforeCommit } from '../../src/db/before-commit';
import {
  AddToCartDocument,
  CancelOrderDocument,
  ClearCartDocument,
  ConfirmPaymentDocument,
  CreateOrderDocument,
  UpdateProductDocument,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import * as race from '../helpers/checkout-race';
import { codeOf } from '../helpers/graphql-client';
import { cancelItems, cancelWhole, threeLineOrder } from '../helpers/partial-refunds';
import { authorizeOrder } from '../helpers/toss';
import { startShippingWorld, type ShippingWorld } from '../helpers/shipping';
import {
  deleteRedisKeys,
  EMBEDDED,
  itProductionProfile,
  startTestApp,
  sweeperWithoutGrace,
  TEST_MYSQL_URL,
  type TestApp,
} from '../helpers/test-app';

/**
 * Attacks on the StockGuard's counters after the change that moves every stock change's counter
 * inside its transaction (README "Stock"). Tests without itProductionProfile run on both profiles.
 * A failing test names the rule it breaks:
 * - SETTLED: once nothing is in flight, a counter equals MySQL's stock or is missing;
 * - NEVER-LOW: a counter is never below what MySQL can sell;
 * - NEVER-OVERSOLD; LIVENESS (no wave of SERVICE_UNAVAILABLE);
 * - ROLLBACK: a transaction that rolls back never moves the counter; one that commits always does.
 */
let w: ShippingWorld;
let t: TestApp;
let seller: TestAccount;
beforeAll(async () => {
  // A small transaction pool: a rebuild waiting on a locked row must not starve the holder.
  w = await startShippingWorld({
    DATABASE_POOL_SIZE: '2',
    ORDER_SWEEP_INTERVAL_MS: '3600000',
    ORDER_MAX_PENDING_PER_CUSTOMER: '1000000',
    ORDER_CREATE_PER_MINUTE: '1000000',
  });
  t = w.t;
  seller = await signUpAs(t.client, 'SELLER');
}, 120_000);
afterAll(async () => {
  await w?.close();
});
afterEach(() => jest.restoreAllMocks());

const mysqlStock = async (id: string, app = t) => (await app.app.orm.em.fork().findOneOrFail(Product, Number(id))).stock;
const counter = async (id: string, app = t) => (await app.app.stock.counters([Number(id)])).get(Number(id)) ?? null;

/** SETTLED: the counter is MySQL's stock, or missing. */
async function expectSettled(id: string, app = t): Promise<void> {
  const [stock, value] = [await mysqlStock(id, app), await counter(id, app)];
  expect({ rule: 'SETTLED', mysql: stock, counter: value }).toEqual({
    rule: 'SETTLED',
    mysql: stock,
    counter: value === null ? null : stock,
  });
}

/** Drops every counter the app has (a Redis flush of the app's keys, or the in-process map). */
async function flushCounters(productIds: string[], app = t): Promise<void> {
  if (EMBEDDED) await app.app.stock.forget(productIds.map(Number));
  else await deleteRedisKeys(`${app.redisPrefix}{stock}`);
}

describe('a checkout whose counter is rebuilt between its hold and its COMMIT (README "Stock": too high, never too low)', () => {
  it('the counter is never below MySQL; the unit it counts twice is refused by MySQL, which drops it, and then it follows MySQL', async () => {
    const alice = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { name: '홀드 후 재구축', stock: 10 });
    const stock = t.app.stock;
    const reserve = stock.reserve.bind(stock);
    const release = stock.release.bind(stock);
    jest.spyOn(stock, 'reserve').mockImplementationOnce(async (orderId, lines) => {
      const held = await reserve(orderId, lines);
      // The counter is dropped (a flush, a drift fix) and rebuilt by someone else's reserve before
      // this order's transaction has taken the unit in MySQL.
      await stock.forget([Number(product.id)]);
      expect(await reserve('probe-rebuild', [{ productId: Number(product.id), quantity: 1 }])).toEqual({ ok: true });
      await release('probe-rebuild');
      return held;
    });
    await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 1 }]);
    expect(await mysqlStock(product.id)).toBe(9);
    // The rebuild read MySQL before the order took its unit: the counter says 10 of MySQL's 9.
    const value = await counter(product.id);
    expect({ rule: 'NEVER-LOW', counterBelowMysql: value !== null && value < 9 }).toEqual({ rule: 'NEVER-LOW', counterBelowMysql: false });
    // Asking for what the counter says: MySQL refuses (OUT_OF_STOCK), nothing is oversold, and the counter is dropped.
    await t.client.ok(ClearCartDocument, {}, { token: alice.token });
    await t.client.ok(AddToCartDocument, { productId: product.id, quantity: 9 }, { token: alice.token });
    const bob = await signUpAs(t.client, 'CUSTOMER');
    await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 1 }]);
    if (value === 10) {
      const refused = await t.client.request(CreateOrderDocument, {}, { token: alice.token });
      expect(codeOf(refused)).toBe('OUT_OF_STOCK');
    }
    expect(await mysqlStock(product.id)).toBe(8);
    await expectSettled(product.id);
  });
});

describe("NEVER-LOW: a change of stock whose counter's move fails while Redis is unreachable", () => {
  // KNOWN GAP (it.failing: fails today; Jest reports the day it passes): with Redis unreachable both for the
  // counter's move and for dropping it, nothing repairs a missed raise later (a cancel's hold has the sweeper;
  // a seller's edit and a refunded line do not). Needs a durable list of counters to drop once Redis answers.
  it.failing("a seller's restock: the counter is not left below MySQL, and the restocked units can be bought", async () => {
    const buyer = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { name: '재입고 장애', stock: 3 });
    await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 1 }]); // counter 2
    const stock = t.app.stock;
    // Redis is unreachable for the adjust and the drop that follows it.
    jest.spyOn(stock, 'adjust').mockRejectedValueOnce(new Error('connect ECONNREFUSED (simulated)'));
    jest.spyOn(stock, 'forget').mockRejectedValueOnce(new Error('connect ECONNREFUSED (simulated)'));
    await t.client.ok(UpdateProductDocument, { id: product.id, input: { stock: 10 } }, { token: seller.token });
    jest.restoreAllMocks();
    expect(await mysqlStock(product.id)).toBe(10);
    const value = await counter(product.id);
    expect({ rule: 'NEVER-LOW', counterBelowMysql: value !== null && value < 10 }).toEqual({ rule: 'NEVER-LOW', counterBelowMysql: false });
    const order = await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 5 }]).catch((err: unknown) => err);
    expect({ rule: 'NEVER-LOW', order: order instanceof Error ? order.message : 'placed' }).toEqual({ rule: 'NEVER-LOW', order: 'placed' });
  });

  it("an unpaid order's cancel: the hold stays recorded and the sweeper gives the units back once", async () => {
    const buyer = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { name: '취소 장애', stock: 5 });
    const order = await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 2 }]);
    const stock = t.app.stock;
    jest.spyOn(stock, 'release').mockRejectedValueOnce(new Error('connect ECONNREFUSED (simulated)'));
    jest.spyOn(stock, 'forget').mockRejectedValueOnce(new Error('connect ECONNREFUSED (simulated)'));
    await t.client.ok(CancelOrderDocument, { orderId: order.orderId }, { token: buyer.token });
    jest.restoreAllMocks();
    expect(await mysqlStock(product.id)).toBe(5);
    expect(await sweeperWithoutGrace(t.app).settleStaleReservations()).toBeGreaterThanOrEqual(1);
    await expectSettled(product.id);
  });
});

describe("a rebuild during a seller's counter move (both profiles)", () => {
  it("the rebuilding checkout goes through and the counter ends at MySQL's stock", async () => {
    const buyer = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { name: '양쪽 프로필', stock: 10 });
    await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 1 }]);
    await t.client.ok(ClearCartDocument, {}, { token: buyer.token });
    await t.client.ok(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: buyer.token });
    const stock = t.app.stock;
    const adjust = stock.adjust.bind(stock);
    let checkout: Promise<unknown> = Promise.resolve();
    jest.spyOn(stock, 'adjust').mockImplementationOnce(async (productId, delta) => {
      await stock.forget([Number(product.id)]);
      checkout = t.client.request(CreateOrderDocument, {}, { token: buyer.token });
      checkout.catch(() => undefined);
      // Let the checkout reach its rebuild (it waits for this transaction, or goes first).
      for (let i = 0; i < 20 && (await counter(product.id)) === null; i++) await new Promise((r) => setTimeout(r, 10));
      return adjust(productId, delta);
    });
    await t.client.ok(UpdateProductDocument, { id: product.id, input: { stock: 4 } }, { token: seller.token });
    const result = (await checkout) as Parameters<typeof codeOf>[0];
    expect({ rule: 'LIVENESS', code: codeOf(result) ?? 'placed' }).toEqual({ rule: 'LIVENESS', code: 'placed' });
    expect(await mysqlStock(product.id)).toBe(3);
    await expectSettled(product.id);
  });
});

/** `buyer`'s cart holds one unit of `productId`. */
async function cartOfOne(buyer: TestAccount, productId: string): Promise<void> {
  await t.client.ok(ClearCartDocument, {}, { token: buyer.token });
  await t.client.ok(AddToCartDocument, { productId, quantity: 1 }, { token: buyer.token });
}

/**
 * Drops the counter and starts `buyer`'s checkout on `client` (which rebuilds it), then lets it reach
 * its rebuild (blocked on the product's row, or done) for up to ~200 ms. Returns the checkout's result.
 */
async function rebuildDuring(productId: string, buyer: TestAccount, client = t.client): Promise<{ checkout: Promise<unknown> }> {
  await t.app.stock.forget([Number(productId)]);
  const checkout = client.request(CreateOrderDocument, {}, { token: buyer.token });
  checkout.catch(() => undefined);
  for (let i = 0; i < 20 && (await counter(productId)) === null; i++) await new Promise((r) => setTimeout(r, 10));
  return { checkout };
}

const placed = (result: unknown) => codeOf(result as Parameters<typeof codeOf>[0]) ?? 'placed';

describe('a rebuild during the counter move of other changes', () => {
  it("a partially refunded line: the rebuilding checkout goes through and the counter ends at MySQL's stock", async () => {
    const order = await threeLineOrder(w);
    const buyer = await signUpAs(t.client, 'CUSTOMER');
    await cartOfOne(buyer, order.a2.productId);
    const stock = t.app.stock;
    const adjust = stock.adjust.bind(stock);
    let checkout: Promise<unknown> = Promise.resolve();
    jest.spyOn(stock, 'adjust').mockImplementationOnce(async (productId, delta) => {
      ({ checkout } = await rebuildDuring(order.a2.productId, buyer));
      return adjust(productId, delta);
    });
    const res = await cancelItems(t.client, w.customer.token, order.orderId, [{ itemId: order.a2.id, quantity: 1 }]);
    expect(res.errors).toBeUndefined();
    expect({ rule: 'LIVENESS', checkout: placed(await checkout) }).toEqual({ rule: 'LIVENESS', checkout: 'placed' });
    expect(await mysqlStock(order.a2.productId)).toBe(50 - 3 + 1 - 1);
    await expectSettled(order.a2.productId);
  });

  it("a cancel on one instance while another instance's checkout rebuilds the counter: its units come back once", async () => {
    const peer = await t.startPeer();
    try {
      const [alice, bob] = await Promise.all([signUpAs(t.client, 'CUSTOMER'), signUpAs(t.client, 'CUSTOMER')]);
      const product = await createProduct(t.client, seller.token, { name: '두 인스턴스', stock: 10 });
      const order = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 3 }]);
      await cartOfOne(bob, product.id);
      const stock = t.app.stock;
      const release = stock.release.bind(stock);
      let checkout: Promise<unknown> = Promise.resolve();
      jest.spyOn(stock, 'release').mockImplementationOnce(async (orderId) => {
        ({ checkout } = await rebuildDuring(product.id, bob, peer.client));
        return release(orderId);
      });
      await t.client.ok(CancelOrderDocument, { orderId: order.orderId }, { token: alice.token });
      expect({ rule: 'LIVENESS', checkout: placed(await checkout) }).toEqual({ rule: 'LIVENESS', checkout: 'placed' });
      expect(await mysqlStock(product.id)).toBe(9);
      await expectSettled(product.id);
    } finally {
      await peer.close();
    }
  });

  it('the sweeper expiring an order while a checkout rebuilds the counter: the units come back once', async () => {
    const [alice, bob] = await Promise.all([signUpAs(t.client, 'CUSTOMER'), signUpAs(t.client, 'CUSTOMER')]);
    const product = await createProduct(t.client, seller.token, { name: '만료 경합', stock: 6 });
    const order = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 2 }]);
    await cartOfOne(bob, product.id);
    const stock = t.app.stock;
    const release = stock.release.bind(stock);
    let checkout: Promise<unknown> = Promise.resolve();
    jest.spyOn(stock, 'release').mockImplementationOnce(async (orderId) => {
      ({ checkout } = await rebuildDuring(product.id, bob));
      return release(orderId);
    });
    // A day later: the order is past its payment window.
    expect(await sweeperWithoutGrace(t.app).expireOverdue(new Date(Date.now() + 86_400_000))).toBeGreaterThanOrEqual(1);
    expect({ rule: 'LIVENESS', checkout: placed(await checkout) }).toEqual({ rule: 'LIVENESS', checkout: 'placed' });
    expect(await mysqlStock(product.id)).toBe(5);
    await expectSettled(product.id);
  });
});

describe("payment failure (the give-back queued with beforeCommit in the caller's transaction)", () => {
  it('a tampered confirm fails the order while a checkout rebuilds the counter: the units come back once', async () => {
    const [alice, bob] = await Promise.all([signUpAs(t.client, 'CUSTOMER'), signUpAs(t.client, 'CUSTOMER')]);
    const product = await createProduct(t.client, seller.token, { name: '결제 실패 경합', stock: 8, price: 15000 });
    const order = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 2 }]);
    const auth = authorizeOrder(w.toss, order);
    await cartOfOne(bob, product.id);
    const stock = t.app.stock;
    const release = stock.release.bind(stock);
    let checkout: Promise<unknown> = Promise.resolve();
    jest.spyOn(stock, 'release').mockImplementationOnce(async (orderId) => {
      ({ checkout } = await rebuildDuring(product.id, bob));
      return release(orderId);
    });
    const res = await t.client.request(ConfirmPaymentDocument, { input: { ...auth, amount: 100 } }, { token: alice.token });
    expect(codeOf(res)).toBe('PAYMENT_FAILED');
    expect({ rule: 'LIVENESS', checkout: placed(await checkout) }).toEqual({ rule: 'LIVENESS', checkout: 'placed' });
    expect(await mysqlStock(product.id)).toBe(7);
    await expectSettled(product.id);
  });
});

describe('SETTLED: a paid order whose hold could not be settled (Redis blip at payment)', () => {
  it('a partial refund then the full refund: the counter ends at MySQL stock (the refunded line is not given back twice)', async () => {
    const stock = t.app.stock;
    jest.spyOn(stock, 'settle').mockRejectedValueOnce(new Error('connect ECONNREFUSED (simulated)'));
    const order = await threeLineOrder(w);
    jest.restoreAllMocks();
    expect(await stock.reservation(order.orderId)).not.toBeNull(); // the hold is still recorded
    expect((await cancelItems(t.client, w.customer.token, order.orderId, [{ itemId: order.a2.id, quantity: 1 }])).errors).toBeUndefined();
    expect((await cancelWhole(t.client, w.customer.token, order.orderId)).errors).toBeUndefined();
    await w.toss.waitForWebhooks();
    await sweeperWithoutGrace(t.app).settleStaleReservations();
    expect(await mysqlStock(order.a2.productId)).toBe(50);
    await expectSettled(order.a2.productId);
  });
});

describe('NEVER-LOW: a transaction that fails after its before-commit step ran', () => {
  itProductionProfile(
    'a seller lowering stock whose COMMIT never happens (the connection dies): the counter is not left below MySQL',
    async () => {
      const admin = await mysql.createConnection(TEST_MYSQL_URL);
      try {
        const product = await createProduct(t.client, seller.token, { name: '커밋 실패', stock: 10 });
        const buyer = await signUpAs(t.client, 'CUSTOMER');
        await orderProducts(t.client, buyer.token, [{ productId: product.id, quantity: 1 }]); // counter 9
        const stock = t.app.stock;
        const adjust = stock.adjust.bind(stock);
        let killed = 0;
        jest.spyOn(stock, 'adjust').mockImplementationOnce(async (productId, delta) => {
          await adjust(productId, delta);
          // The seller's transaction (the only one open on this database) loses its connection before COMMIT.
          const [rows] = await admin.query(
            'select t.trx_mysql_thread_id as id from information_schema.innodb_trx t join information_schema.processlist p on p.id = t.trx_mysql_thread_id where p.db = ?',
            [t.dbName],
          );
          for (const row of rows as Array<{ id: number }>) {
            await admin.query(`kill ${Number(row.id)}`);
            killed++;
          }
        });
        const res = await t.client.request(UpdateProductDocument, { id: product.id, input: { stock: 3 } }, { token: seller.token });
        expect(killed).toBe(1);
        expect(res.errors).toBeDefined();
        expect(await mysqlStock(product.id)).toBe(9); // rolled back
        const value = await counter(product.id);
        expect({ rule: 'NEVER-LOW', mysql: 9, counterBelowMysql: value !== null && value < 9 }).toEqual({
          rule: 'NEVER-LOW',
          mysql: 9,
          counterBelowMysql: false,
        });
      } finally {
        await admin.end();
      }
    },
  );
});

describe('ROLLBACK: before-commit steps', () => {
  it('a step queued in a transaction that rolls back never runs', async () => {
    let ran = 0;
    await expect(
      t.app.orm.em.fork().transactional(async (tx) => {
        beforeCommit(tx, async () => {
          ran++;
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(ran).toBe(0);
  });

  it('a step queued in a nested transaction runs once the outer transaction commits (a give-back must not be lost)', async () => {
    let ran = 0;
    await t.app.orm.em.fork().transactional(async (tx) => {
      await tx.transactional(async (inner) => {
        beforeCommit(inner, async () => {
          ran++;
        });
      });
    });
    expect({ rule: 'ROLLBACK (a committed change moves its counter)', ran }).toEqual({
      rule: 'ROLLBACK (a committed change moves its counter)',
      ran: 1,
    });
  });
});

it('a burst of checkouts with the counters flushed mid-way, restocks, on a pool of 2: no SERVICE_UNAVAILABLE, never oversold, settled counter follows MySQL', async () => {
  const initial = 20;
  const product = await createProduct(t.client, seller.token, { name: '폭주', stock: initial });
  const customers = await race.customersWithCart([t.client], 60, [{ productId: product.id, quantity: 1 }]);
  const first = race.orderAtOnce([t.client], customers.slice(0, 30));
  await new Promise((r) => setTimeout(r, 30));
  await flushCounters([product.id]);
  const firstWave = await first;
  const restock = (async () => {
    const now = await mysqlStock(product.id);
    await t.client.ok(UpdateProductDocument, { id: product.id, input: { stock: now + 5 } }, { token: seller.token });
  })();
  const second = race.orderAtOnce([t.client], customers.slice(30));
  await flushCounters([product.id]);
  const [secondWave] = await Promise.all([second, restock]);
  expect({ rule: 'LIVENESS', other: [...firstWave.other, ...secondWave.other] }).toEqual({ rule: 'LIVENESS', other: [] });
  const left = await mysqlStock(product.id);
  expect({ rule: 'NEVER-OVERSOLD', negative: left < 0 }).toEqual({ rule: 'NEVER-OVERSOLD', negative: false });
  await expectSettled(product.id);
}, 120_000);

/** Crossed two-product orders with cancels, restocks and counter flushes at once on `app`. */
async function crossedBurst(app: TestApp): Promise<void> {
  const seller = await signUpAs(app.client, 'SELLER');
  const [p, q] = await Promise.all([
    createProduct(app.client, seller.token, { name: '교차 P', stock: 15 }),
    createProduct(app.client, seller.token, { name: '교차 Q', stock: 15 }),
  ]);
  const forward = await race.customersWithCart([app.client], 12, [
    { productId: p.id, quantity: 1 },
    { productId: q.id, quantity: 1 },
  ]);
  const backward = await race.customersWithCart([app.client], 12, [
    { productId: q.id, quantity: 1 },
    { productId: p.id, quantity: 1 },
  ]);
  const customers = forward.flatMap((c, i) => [c, backward[i]]);
  const errors: unknown[] = [];
  let placedCount = 0;
  await Promise.all([
    ...customers.map(async (c, i) => {
      const res = await app.client.request(CreateOrderDocument, {}, { token: c.token });
      const code = codeOf(res);
      if (code && code !== 'OUT_OF_STOCK') errors.push(res.errors);
      if (!res.data?.createOrder) return;
      placedCount++;
      // Every third order is cancelled right away (its give-back races the others' takes and rebuilds).
      if (i % 3 === 0) {
        const cancel = await app.client.request(CancelOrderDocument, { orderId: res.data.createOrder.orderId }, { token: c.token });
        if (cancel.errors) errors.push(cancel.errors);
      }
    }),
    (async () => {
      for (let round = 0; round < 4; round++) {
        await flushCounters([p.id, q.id], app);
        const id = round % 2 ? p.id : q.id;
        const now = await mysqlStock(id, app);
        const res = await app.client.request(UpdateProductDocument, { id, input: { stock: now + 1 } }, { token: seller.token });
        if (res.errors) errors.push(res.errors);
      }
    })(),
  ]);
  expect({ rule: 'LIVENESS / NO-DEADLOCK', errors }).toEqual({ rule: 'LIVENESS / NO-DEADLOCK', errors: [] });
  expect(placedCount).toBeGreaterThan(0);
  for (const id of [p.id, q.id]) {
    expect({ rule: 'NEVER-OVERSOLD', negative: (await mysqlStock(id, app)) < 0 }).toEqual({ rule: 'NEVER-OVERSOLD', negative: false });
    await expectSettled(id, app);
  }
}

it(
  'two-product orders in both line orders, cancels, restocks and counter flushes at once on a pool of 2: no deadlock or lock-wait error, never oversold, settled',
  () => crossedBurst(t),
  120_000,
);

it('the same on a pool of ONE connection (a rebuild waiting for the pool must not block the holder)', async () => {
  const one = await startTestApp({
    DATABASE_POOL_SIZE: '1',
    ORDER_SWEEP_INTERVAL_MS: '3600000',
    ORDER_CREATE_PER_MINUTE: '1000000',
    ORDER_MAX_PENDING_PER_CUSTOMER: '1000000',
  });
  try {
    await crossedBurst(one);
  } finally {
    await one.close();
  }
}, 120_000);
