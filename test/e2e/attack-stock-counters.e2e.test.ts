import { Product } from '../../src/entities';
import type { StockLoader } from '../../src/services/stock/stock-guard';
import { CancelOrderDocument, UpdateProductDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { deleteRedisKeys, itProductionProfile, startTestApp, sweeperWithoutGrace, type TestApp } from '../helpers/test-app';

/**
 * Attacks on the StockGuard's counters (seed generations, abandoned holds): real checkouts, cancels and
 * restocks interleaved at the points the change guards. The rules checked: never oversold; once every
 * interleaving has settled the counter equals MySQL's stock or is missing; a counter never refuses stock
 * MySQL has.
 */
let t: TestApp;
let seller: TestAccount, alice: TestAccount, bob: TestAccount;
beforeAll(async () => {
  // The app's own sweeper stays out of the way; tests run one with no grace period themselves.
  t = await startTestApp({
    ORDER_SWEEP_INTERVAL_MS: '3600000',
    ORDER_MAX_PENDING_PER_CUSTOMER: '1000000',
    ORDER_CREATE_PER_MINUTE: '1000000',
  });
  [seller, alice, bob] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER'), signUpAs(t.client, 'CUSTOMER')]);
});
afterAll(() => t?.close());
afterEach(() => jest.restoreAllMocks());

const mysqlStock = async (id: string) => (await t.app.orm.em.fork().findOneOrFail(Product, Number(id))).stock;
const counter = async (id: string) => (await t.app.stock.counters([Number(id)])).get(Number(id)) ?? null;
const cancel = (orderId: string, token: string) => t.client.ok(CancelOrderDocument, { orderId }, { token });
const restock = (id: string, stock: number, client = t.client) =>
  client.ok(UpdateProductDocument, { id, input: { stock } }, { token: seller.token });

/** Settled: the counter is MySQL's stock, or missing (rebuilt from MySQL on the next reserve). */
async function expectCounterFollowsMysql(id: string): Promise<void> {
  const [mysql, value] = [await mysqlStock(id), await counter(id)];
  expect({ mysql, counter: value }).toEqual({ mysql, counter: value === null ? null : mysql });
}

/**
 * Runs `during` once, right after the guard's next MySQL read for a missing counter and before that
 * seed is written: the window seed generations guard. The loader is the guard's own (private) one.
 */
const restoreLoader: Array<() => void> = [];
afterEach(() => restoreLoader.splice(0).forEach((restore) => restore()));
function duringNextSeedRead(during: () => Promise<void>): { ran: () => boolean } {
  const guard = t.app.stock as unknown as { loadStock: StockLoader };
  const load = guard.loadStock;
  let ran = false;
  restoreLoader.push(() => (guard.loadStock = load));
  guard.loadStock = async (ids) => {
    guard.loadStock = load;
    const read = await load(ids);
    await during();
    ran = true;
    return read;
  };
  return { ran: () => ran };
}

/** Runs `before` just before the next checkout's reserve (after its cart and first look). */
function beforeTheNextReserve(before: () => Promise<void>): void {
  const stock = t.app.stock;
  const reserve = stock.reserve.bind(stock);
  jest.spyOn(stock, 'reserve').mockImplementationOnce(async (orderId, lines) => {
    await before();
    return reserve(orderId, lines);
  });
}

/** Runs `during` right after the next checkout's hold is made, before its order's transaction starts. */
function afterTheNextHold(during: (orderId: string) => Promise<void>): void {
  const stock = t.app.stock;
  const reserve = stock.reserve.bind(stock);
  jest.spyOn(stock, 'reserve').mockImplementationOnce(async (orderId, lines) => {
    const held = await reserve(orderId, lines);
    await during(orderId);
    return held;
  });
}

/** The sweeper with no grace, once `orderId`'s hold is stale (made more than 0 ms ago): as if its transaction outlived the grace period. */
async function sweepOnceStale(orderId: string): Promise<number> {
  const stock = t.app.stock;
  while (!(await stock.staleReservations(0, 1000)).includes(orderId)) await new Promise((r) => setTimeout(r, 1));
  return sweeperWithoutGrace(t.app).settleStaleReservations();
}

describe('a seed read from MySQL before units come back to the missing counter', () => {
  // The cart and the checkout's first look refuse more than MySQL has, so each test sets the scene
  // (MySQL low, the counter missing) after those, just before the checkout's reserve runs.
  it('a seller restock during the read: the seed is void and the restocked units sell', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 6 });
    beforeTheNextReserve(async () => {
      await restock(product.id, 2);
      await t.app.stock.forget([Number(product.id)]);
    });
    // Read 2 before the restock to 6; written, that seed would refuse 5 of the 6 units MySQL has.
    const seed = duringNextSeedRead(() => restock(product.id, 6).then(() => undefined));
    const order = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 5 }]);
    expect(seed.ran()).toBe(true);
    expect(await mysqlStock(product.id)).toBe(1);
    await expectCounterFollowsMysql(product.id);
    await cancel(order.orderId, alice.token);
    await expectCounterFollowsMysql(product.id);
  });

  it('a restock through a second instance during the read: the seed is void there too', async () => {
    const peer = await t.startPeer();
    try {
      const product = await createProduct(t.client, seller.token, { stock: 4 });
      beforeTheNextReserve(async () => {
        await restock(product.id, 1, peer.client);
        await t.app.stock.forget([Number(product.id)]);
      });
      const seed = duringNextSeedRead(() => restock(product.id, 4, peer.client).then(() => undefined));
      const order = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 4 }]);
      expect(seed.ran()).toBe(true);
      expect(await mysqlStock(product.id)).toBe(0);
      await expectCounterFollowsMysql(product.id);
      await cancel(order.orderId, alice.token);
      await expectCounterFollowsMysql(product.id);
    } finally {
      await peer.close();
    }
  });

  it('a cancel during the read gives its units back once: the seed is void and they sell', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 4 });
    let seed = { ran: () => false };
    beforeTheNextReserve(async () => {
      // Alice takes 3 (MySQL 1), then the counter goes missing (drift, a flush) while her hold is there.
      const first = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 3 }]);
      await t.app.stock.forget([Number(product.id)]);
      // Bob's reserve reads 1, then Alice's units come back (MySQL 4, her hold released to a missing counter).
      seed = duringNextSeedRead(() => cancel(first.orderId, alice.token).then(() => undefined));
    });
    const second = await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 3 }]);
    expect(seed.ran()).toBe(true);
    expect(await mysqlStock(product.id)).toBe(1);
    await expectCounterFollowsMysql(product.id);
    await cancel(second.orderId, bob.token);
    expect(await mysqlStock(product.id)).toBe(4);
    await expectCounterFollowsMysql(product.id);
  });

  it('an expiry during the read (the sweeper ends the unpaid order): the seed is void', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 3 });
    let seed = { ran: () => false };
    beforeTheNextReserve(async () => {
      await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 2 }]);
      await t.app.stock.forget([Number(product.id)]);
      // Every unpaid order is overdue as of a day from now (Alice's among them).
      seed = duringNextSeedRead(async () => {
        expect(await sweeperWithoutGrace(t.app).expireOverdue(new Date(Date.now() + 86_400_000))).toBeGreaterThanOrEqual(1);
      });
    });
    const second = await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 3 }]);
    expect(seed.ran()).toBe(true);
    expect(await mysqlStock(product.id)).toBe(0);
    await expectCounterFollowsMysql(product.id);
    await cancel(second.orderId, bob.token);
    await expectCounterFollowsMysql(product.id);
  });
});

describe('a counter rebuilt from MySQL while an order holding its units has not committed yet', () => {
  it('the sweeper abandons the hold, another checkout rebuilds the counter, then the order commits: the counter follows MySQL', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 5 });
    afterTheNextHold(async (orderId) => {
      // Alice's transaction outlives the grace period: the sweeper finds her hold and no order.
      expect(await sweepOnceStale(orderId)).toBeGreaterThanOrEqual(1);
      expect(await t.app.stock.reservation(orderId)).toBeNull();
      // Bob buys meanwhile: his reserve rebuilds the counter from MySQL (5: Alice's units not taken yet).
      await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 1 }]);
    });
    const late = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 2 }]);
    expect(await mysqlStock(product.id)).toBe(2);
    // Everything has settled: Alice's order committed, Bob's is pending, no checkout is running.
    await expectCounterFollowsMysql(product.id);
    await cancel(late.orderId, alice.token);
    expect(await mysqlStock(product.id)).toBe(4);
    await expectCounterFollowsMysql(product.id);
  });

  itProductionProfile('a flush of Redis, a rebuild by another checkout, then the order commits: the counter follows MySQL', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 5 });
    afterTheNextHold(async () => {
      // FLUSHALL, limited to this app's keys (other test files share the Redis server).
      await deleteRedisKeys(t.redisPrefix);
      await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 1 }]);
    });
    const late = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 2 }]);
    expect(await mysqlStock(product.id)).toBe(2);
    await expectCounterFollowsMysql(product.id);
    await cancel(late.orderId, alice.token);
    await expectCounterFollowsMysql(product.id);
  });

  it('a too-high counter left by that rebuild never oversells, and is gone once a checkout has been refused', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 3 });
    afterTheNextHold(async (orderId) => {
      await sweepOnceStale(orderId);
      await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 1 }]);
    });
    await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 2 }]);
    expect(await mysqlStock(product.id)).toBe(0);
    // Whatever the counter says, MySQL has nothing left: the checkout is refused and nothing is sold.
    await expect(orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 1 }])).rejects.toThrow(/OUT_OF_STOCK|stock/i);
    expect(await mysqlStock(product.id)).toBe(0);
    expect([null, 0]).toContain(await counter(product.id));
  });
});

describe('a counter rebuilt from MySQL after a stock change committed there, before the change reaches the counter', () => {
  // MySQL's change commits first and the StockGuard hears of it after (adjust, release): a rebuild in
  // between already reads the change, and must not get it a second time (too high, or too low for a cut).
  it('a seller restock: a checkout rebuilds the counter between the commit and the adjust', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 2 });
    await t.app.stock.forget([Number(product.id)]);
    const stock = t.app.stock;
    const adjust = stock.adjust.bind(stock);
    let bobs = '';
    jest.spyOn(stock, 'adjust').mockImplementationOnce(async (productId, delta) => {
      bobs = (await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 1 }])).orderId;
      return adjust(productId, delta);
    });
    await restock(product.id, 6);
    expect(await mysqlStock(product.id)).toBe(5);
    await expectCounterFollowsMysql(product.id);
    await cancel(bobs, bob.token);
    await expectCounterFollowsMysql(product.id);
  });

  it('a seller lowers stock: a checkout rebuilds the counter between the commit and the adjust; what MySQL has left still sells', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 6 });
    await t.app.stock.forget([Number(product.id)]);
    const stock = t.app.stock;
    const adjust = stock.adjust.bind(stock);
    let bobs = '';
    jest.spyOn(stock, 'adjust').mockImplementationOnce(async (productId, delta) => {
      // Reads 4 (the new stock) and holds 1; the adjust by -2 then comes on top of it.
      bobs = (await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 1 }])).orderId;
      return adjust(productId, delta);
    });
    await restock(product.id, 4);
    expect(await mysqlStock(product.id)).toBe(3);
    // MySQL has 3: a customer asking for them must not be refused by a counter that went too low.
    const alices = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 3 }]);
    expect(await mysqlStock(product.id)).toBe(0);
    await expectCounterFollowsMysql(product.id);
    await cancel(alices.orderId, alice.token);
    await cancel(bobs, bob.token);
    await expectCounterFollowsMysql(product.id);
  });

  it("an unpaid order's cancel: a checkout rebuilds the counter between the commit and the release", async () => {
    const product = await createProduct(t.client, seller.token, { stock: 4 });
    const alices = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 3 }]);
    await t.app.stock.forget([Number(product.id)]);
    const stock = t.app.stock;
    const release = stock.release.bind(stock);
    let bobs = '';
    jest.spyOn(stock, 'release').mockImplementationOnce(async (orderId) => {
      bobs = (await orderProducts(t.client, bob.token, [{ productId: product.id, quantity: 1 }])).orderId;
      return release(orderId);
    });
    await cancel(alices.orderId, alice.token);
    expect(await mysqlStock(product.id)).toBe(3);
    await expectCounterFollowsMysql(product.id);
    await cancel(bobs, bob.token);
    await expectCounterFollowsMysql(product.id);
  });
});

it("the sweeper releases an ended order's hold before the instance that ended it does: its units come back once", async () => {
  const product = await createProduct(t.client, seller.token, { stock: 4 });
  const order = await orderProducts(t.client, alice.token, [{ productId: product.id, quantity: 3 }]);
  const stock = t.app.stock;
  const release = stock.release.bind(stock);
  let swept = -1;
  jest.spyOn(stock, 'release').mockImplementationOnce(async (orderId) => {
    // The cancel has committed; its own release is slower than the grace period, and the sweeper passes first.
    while (!(await stock.staleReservations(0, 1000)).includes(orderId)) await new Promise((r) => setTimeout(r, 1));
    swept = await sweeperWithoutGrace(t.app).settleStaleReservations();
    return release(orderId);
  });
  await cancel(order.orderId, alice.token);
  expect(swept).toBeGreaterThanOrEqual(1);
  expect(await mysqlStock(product.id)).toBe(4);
  await expectCounterFollowsMysql(product.id);
});

it('many checkouts on little stock, with restocks, cancels and counters dropped meanwhile: never oversold, never too low', async () => {
  const customers = await Promise.all(Array.from({ length: 6 }, () => signUpAs(t.client, 'CUSTOMER')));
  const product = await createProduct(t.client, seller.token, { stock: 3 });
  const orders: Array<{ orderId: string; token: string }> = [];
  let refused = 0;
  const buy = async (c: TestAccount) => {
    try {
      const o = await orderProducts(t.client, c.token, [{ productId: product.id, quantity: 1 }]);
      orders.push({ orderId: o.orderId, token: c.token });
    } catch (err) {
      if (!/OUT_OF_STOCK|stock/i.test(String(err))) throw err;
      refused++;
    }
  };
  for (let round = 0; round < 3; round++) {
    const cancelOne = orders.shift();
    await Promise.all([
      ...customers.map(buy),
      restock(product.id, (await mysqlStock(product.id)) + 1),
      cancelOne ? cancel(cancelOne.orderId, cancelOne.token) : Promise.resolve(),
      t.app.stock.forget([Number(product.id)]),
    ]);
    expect(await mysqlStock(product.id)).toBeGreaterThanOrEqual(0);
  }
  expect(refused).toBeGreaterThan(0);
  await expectCounterFollowsMysql(product.id);
  // Not too low: whatever MySQL has left sells in one order.
  const left = await mysqlStock(product.id);
  if (left > 0) {
    const last = await orderProducts(t.client, customers[0].token, [{ productId: product.id, quantity: left }]);
    orders.push({ orderId: last.orderId, token: customers[0].token });
  }
  for (const o of orders) await cancel(o.orderId, o.token);
  await expectCounterFollowsMysql(product.id);
});

describe('two instances with their own sweepers on a tiny grace period', () => {
  let s: TestApp;
  let peer: Awaited<ReturnType<TestApp['startPeer']>>;
  beforeAll(async () => {
    s = await startTestApp({
      ORDER_SWEEP_INTERVAL_MS: '50',
      STOCK_RESERVATION_GRACE_SECONDS: '1',
      ORDER_MAX_PENDING_PER_CUSTOMER: '1000000',
      ORDER_CREATE_PER_MINUTE: '1000000',
    });
    peer = await s.startPeer();
  });
  afterAll(async () => {
    await peer?.close();
    await s?.close();
  });

  it('racing checkouts and cancels through both: never oversold; once the sweepers have passed, the counter follows MySQL and the rest sells', async () => {
    const owner = await signUpAs(s.client, 'SELLER');
    const buyers = await Promise.all(Array.from({ length: 8 }, () => signUpAs(s.client, 'CUSTOMER')));
    const product = await createProduct(s.client, owner.token, { stock: 4 });
    const stockOf = async () => (await s.app.orm.em.fork().findOneOrFail(Product, Number(product.id))).stock;
    const placed: Array<{ orderId: string; token: string }> = [];
    await Promise.all(
      buyers.map(async (b, i) => {
        const client = i % 2 ? peer.client : s.client;
        try {
          const o = await orderProducts(client, b.token, [{ productId: product.id, quantity: 1 }]);
          // Every other order is cancelled at once, on the other instance.
          if (i % 4 < 2) await (i % 2 ? s.client : peer.client).ok(CancelOrderDocument, { orderId: o.orderId }, { token: b.token });
          else placed.push({ orderId: o.orderId, token: b.token });
        } catch (err) {
          if (!/OUT_OF_STOCK|stock/i.test(String(err))) throw err;
        }
      }),
    );
    expect(await stockOf()).toBe(4 - placed.length);
    // Wait until the sweepers have nothing stale left but the pending orders' holds (polling, nothing timed).
    const pending = new Set(placed.map((o) => o.orderId));
    while (
      (await s.app.stock.staleReservations(1000, 1000)).some((id) => !pending.has(id)) ||
      (await s.app.stock.staleReservations(1000, 1000)).length < pending.size
    )
      await new Promise((r) => setTimeout(r, 50));
    const [mysql, value] = [await stockOf(), (await s.app.stock.counters([Number(product.id)])).get(Number(product.id)) ?? null];
    expect({ mysql, counter: value }).toEqual({ mysql, counter: value === null ? null : mysql });
    if (mysql > 0) await orderProducts(s.client, buyers[0].token, [{ productId: product.id, quantity: mysql }]);
    expect(await stockOf()).toBe(0);
  });
});
