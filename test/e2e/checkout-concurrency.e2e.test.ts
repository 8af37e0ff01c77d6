import { Order, OrderStatus, OrderStatusChange } from '../../src/entities';
import { AddToCartDocument, CreateOrderDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { spawnAppProcess, type AppProcess } from '../helpers/app-process';
import * as race from '../helpers/checkout-race';
import { codeOf, type GraphQLClient } from '../helpers/graphql-client';
import { deleteRedisKeys, startTestApp, type TestApp } from '../helpers/test-app';

/**
 * Stock is never oversold with several app instances: two separate server processes share one
 * MariaDB and one Redis, and many customers order the same product at once through both.
 */
let t: TestApp;
let a: AppProcess, b: AppProcess;
let seller: TestAccount;

beforeAll(async () => {
  t = await startTestApp();
  [a, b] = await Promise.all([spawnAppProcess(t.peerEnv), spawnAppProcess(t.peerEnv)]);
  seller = await signUpAs(t.client, 'SELLER');
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await t?.close();
});

const instances = (): GraphQLClient[] => [a.client, b.client];
const customersWithCart = (n: number, lines: Array<{ productId: string; quantity: number }>) =>
  race.customersWithCart(instances(), n, lines);
const orderAtOnce = (customers: TestAccount[]) => race.orderAtOnce(instances(), customers);
const mysqlStock = (productId: string) => race.mysqlStock(t.app, productId);
const unitsOrdered = (productId: string) => race.unitsOrdered(t.app, productId);
const counter = (productId: string) => race.stockCounter(t.app, productId);

it('300 customers ordering a product with stock 50 at once over two instances: exactly 50 orders, 250 OUT_OF_STOCK, and Redis and MySQL agree', async () => {
  const product = await createProduct(t.client, seller.token, { name: '한정판 김치', stock: 50 });
  const customers = await customersWithCart(300, [{ productId: product.id, quantity: 1 }]);
  const { ok, outOfStock, other } = await orderAtOnce(customers);
  expect(other).toEqual([]);
  expect(ok).toHaveLength(50);
  expect(outOfStock).toHaveLength(250);
  expect(outOfStock[0].errors![0].extensions).toMatchObject({ productId: product.id, productName: '한정판 김치' });
  expect(await mysqlStock(product.id)).toBe(0);
  expect(await counter(product.id)).toBe(0);
  expect(await unitsOrdered(product.id)).toBe(50);
  // Each held unit belongs to exactly one order's reservation record.
  const held = await Promise.all(ok.map((r) => t.app.stock.reservation(r.data!.createOrder.orderId)));
  expect(held.map((lines) => lines?.reduce((s, l) => s + l.quantity, 0))).toEqual(Array(50).fill(1));
}, 120_000);

it('two-line orders where one line runs out: no partial reservation survives', async () => {
  const plenty = await createProduct(t.client, seller.token, { name: '넉넉한 쌀', stock: 1000 });
  const scarce = await createProduct(t.client, seller.token, { name: '귀한 송이', stock: 30 });
  const customers = await customersWithCart(100, [
    { productId: plenty.id, quantity: 2 },
    { productId: scarce.id, quantity: 1 },
  ]);
  const { ok, outOfStock, other } = await orderAtOnce(customers);
  expect(other).toEqual([]);
  expect(ok).toHaveLength(30);
  expect(outOfStock).toHaveLength(70);
  expect(outOfStock.every((r) => r.errors![0].extensions!.productId === scarce.id)).toBe(true);
  expect([await mysqlStock(plenty.id), await counter(plenty.id)]).toEqual([1000 - 60, 1000 - 60]);
  expect([await mysqlStock(scarce.id), await counter(scarce.id)]).toEqual([0, 0]);
  expect(await unitsOrdered(plenty.id)).toBe(60);
}, 120_000);

it('Redis flushed in the middle of a burst: counters rebuild from MySQL and nothing is oversold', async () => {
  const product = await createProduct(t.client, seller.token, { name: '재입고 한정', stock: 40 });
  const customers = await customersWithCart(160, [{ productId: product.id, quantity: 1 }]);
  const first = orderAtOnce(customers.slice(0, 80));
  // The flush lands while the first wave is in flight; the second wave starts on empty counters.
  await new Promise((r) => setTimeout(r, 30));
  await deleteRedisKeys(`${t.redisPrefix}{stock}`);
  const firstWave = await first;
  const secondWave = await orderAtOnce(customers.slice(80));
  expect([...firstWave.other, ...secondWave.other]).toEqual([]);
  expect(firstWave.ok.length + secondWave.ok.length).toBe(40);
  expect(await mysqlStock(product.id)).toBe(0);
  expect(await unitsOrdered(product.id)).toBe(40);
  // Whatever the counter held after the flush, the next order finds it (re)built from MySQL.
  const late = await signUpAs(a.client, 'CUSTOMER');
  expect(codeOf(await a.client.request(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: late.token }))).toBe(
    'OUT_OF_STOCK',
  );
  expect([0, null]).toContain(await counter(product.id));
}, 120_000);

describe('expiry with two sweepers (two more processes with a 2-second payment window)', () => {
  let fastA: AppProcess, fastB: AppProcess;
  beforeAll(async () => {
    const env = { ...t.peerEnv, ORDER_PAYMENT_WINDOW_SECONDS: '2', ORDER_SWEEP_INTERVAL_MS: '100', STOCK_RESERVATION_GRACE_SECONDS: '1' };
    [fastA, fastB] = await Promise.all([spawnAppProcess(env), spawnAppProcess(env)]);
  }, 120_000);
  afterAll(() => Promise.all([fastA?.stop(), fastB?.stop()]));

  it('returns the stock of expired orders exactly once', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 12 });
    const customers = await race.pool(Array.from({ length: 12 }), 12, async (_, i) => {
      const client = i % 2 ? fastB.client : fastA.client;
      const c = await signUpAs(client, 'CUSTOMER');
      await client.ok(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: c.token });
      return { c, client };
    });
    const orders = await Promise.all(customers.map(({ c, client }) => client.ok(CreateOrderDocument, {}, { token: c.token })));
    expect(await mysqlStock(product.id)).toBe(0);
    const orderIds = orders.map((o) => o.createOrder.orderId);

    const em = () => t.app.orm.em.fork();
    for (let i = 0; ; i++) {
      const pending = await em().count(Order, { orderId: { $in: orderIds }, status: OrderStatus.PAYMENT_PENDING });
      if (pending === 0) break;
      if (i > 300) throw new Error(`${pending} orders did not expire`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await em().count(Order, { orderId: { $in: orderIds }, status: OrderStatus.PAYMENT_FAILED, failureCode: 'EXPIRED' })).toBe(12);
    // One expiry per order in the history, whichever instance won it.
    expect(await em().count(OrderStatusChange, { order: { orderId: { $in: orderIds } }, toStatus: OrderStatus.PAYMENT_FAILED })).toBe(12);
    // Let a few more sweeps run on both instances: nothing more comes back.
    await new Promise((r) => setTimeout(r, 500));
    expect(await mysqlStock(product.id)).toBe(12);
    expect(await counter(product.id)).toBe(12);
    for (const orderId of orderIds) expect(await t.app.stock.reservation(orderId)).toBeNull();
  }, 120_000);
});
