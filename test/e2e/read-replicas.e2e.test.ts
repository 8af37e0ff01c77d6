import {
  AddToCartDocument,
  ClearCartDocument,
  CreateCategoryDocument,
  MyProductsDocument,
  OrderDocument,
  OrdersDocument,
  ProductDocument,
  ProductsDocument,
  UpdateProductDocument,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { codeOf } from '../helpers/graphql-client';
import { startMariaDbReplicaPair, type MariaDbReplicaPair } from '../helpers/mariadb-replica';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * MySQL read replicas against a real MariaDB primary and GTID replica started for this file
 * (helpers/mariadb-replica.ts). A row changed on the replica only shows which server answered.
 * Production profile only (jest.config.js): the embedded profile has no MySQL.
 */

type Readyz = { status: string; mysql: string; replicas: Array<{ replica: string; state: string; lagSeconds: number | null }> };

let pair: MariaDbReplicaPair;
let t: TestApp;
let peer: Awaited<ReturnType<TestApp['startPeer']>>;
let admin: TestAccount, seller: TestAccount, customer: TestAccount, otherCustomer: TestAccount;

// A wide lag bound: the tests that delay the replica stay within it (it still serves reads) while they check the fence.
const MAX_LAG_SECONDS = 15;

beforeAll(async () => {
  pair = await startMariaDbReplicaPair();
  t = await startTestApp(
    {
      DATABASE_REPLICA_URLS: pair.replicaUrl,
      DATABASE_REPLICA_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS),
      DATABASE_REPLICA_CHECK_INTERVAL_MS: '100',
      ADMIN_INVITE_CODE: TEST_INVITE_CODE,
    },
    { mysqlUrl: pair.primaryUrl },
  );
  peer = await t.startPeer();
  [admin, seller, customer, otherCustomer] = await Promise.all([
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'CUSTOMER'),
    signUpAs(t.client, 'CUSTOMER'),
  ]);
  await pair.waitForReplica();
}, 120_000);

afterAll(async () => {
  await peer?.close();
  await t?.close();
  await pair?.stop();
});

/** The test database's table on either server. */
const table = (name: string) => `\`${t.dbName}\`.\`${name}\``;
const onReplicaOnly = (sql: string, params: unknown[]) => pair.query('replica', sql, params);

async function readyz(url = t.url): Promise<{ status: number; body: Readyz }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readyz };
}

/** Polls /readyz until the replica is in `state` (30 s at most). */
async function untilReplica(state: string, url = t.url): Promise<Readyz> {
  for (let i = 0; i < 300; i++) {
    const { body } = await readyz(url);
    if (body.replicas[0]?.state === state) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the replica never reached state ${state}: ${JSON.stringify((await readyz(url)).body)}`);
}

const listedName = async (productId: string, client = t.client, token?: string) => {
  const data = await client.ok(ProductsDocument, { first: 20 }, { token });
  return data.products.edges.find((e) => e.node.id === productId)?.node.name;
};

/** Delays the replica (helpers/mariadb-replica.ts) and waits until `url`'s instance reads from it again. */
async function delayReplica(seconds: number, url = t.url) {
  await pair.delayReplication(seconds);
  await untilReplica('ok', url);
}

/** Sets each test's changes aside: the replica undelayed and caught up again. */
async function undelayReplica() {
  await pair.delayReplication(0);
  await pair.waitForReplica(30);
  await untilReplica('ok');
}

it('the product listing and product page (operations that only browse) are read from a healthy replica, on every instance, and /readyz reports it', async () => {
  const product = await createProduct(t.client, seller.token, { name: 'primary name' });
  await pair.waitForReplica();
  await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['replica-only name', Number(product.id)]);
  try {
    expect(await listedName(product.id)).toBe('replica-only name');
    expect((await t.client.ok(ProductDocument, { id: product.id })).product?.name).toBe('replica-only name');
    // The other instance too (each instance checks and picks replicas on its own).
    expect(await listedName(product.id, peer.client)).toBe('replica-only name');
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', mysql: 'ok', replicas: [{ state: 'ok' }] });
    expect(ready.body.replicas[0].replica).toContain(`/${t.dbName}`);
  } finally {
    await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['primary name', Number(product.id)]);
  }
});

it("a customer's new order shows on their very next request, on either instance, while others still read the replica", async () => {
  const product = await createProduct(t.client, seller.token, { name: 'fenced', stock: 10 });
  await pair.waitForReplica();
  await delayReplica(120);
  try {
    const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 3 }]);
    // The replica is still within the lag bound (it serves reads) but has not applied the order.
    expect((await t.client.ok(ProductDocument, { id: product.id })).product?.stock).toBe(10);
    expect((await readyz()).body.replicas[0].state).toBe('ok');
    // The customer's own reads are fenced to the primary, on this instance and on the other (through Redis).
    for (const client of [t.client, peer.client]) {
      const list = await client.ok(OrdersDocument, {}, { token: customer.token });
      expect(list.orders.edges.map((e) => e.node.orderId)).toContain(order.orderId);
      expect(list.orders.totalCount).toBe(list.orders.edges.length);
      const one = await client.ok(OrderDocument, { orderId: order.orderId }, { token: customer.token });
      expect(one.order?.items).toEqual([expect.objectContaining({ productId: product.id, quantity: 3 })]);
    }
    // The stock they took shows to them too (the product page, fenced), while an anonymous reader still sees the replica's.
    expect((await peer.client.ok(ProductDocument, { id: product.id }, { token: customer.token })).product?.stock).toBe(7);
    expect((await peer.client.ok(ProductDocument, { id: product.id })).product?.stock).toBe(10);
  } finally {
    await undelayReplica();
  }
});

it('reads inside a mutation see its own writes (its loaders read the primary)', async () => {
  const product = await createProduct(t.client, seller.token, { name: 'recategorised' });
  await pair.waitForReplica();
  await delayReplica(120);
  try {
    const category = (await t.client.ok(CreateCategoryDocument, { input: { name: 'new on the primary' } }, { token: admin.token }))
      .createCategory;
    const updated = await t.client.ok(
      UpdateProductDocument,
      { id: product.id, input: { categoryId: category.id } },
      { token: seller.token },
    );
    expect(updated.updateProduct.category).toEqual({ id: category.id, name: 'new on the primary' });
    // The seller's next request sees it too; an anonymous reader gets the replica's (stale) page.
    const mine = await t.client.ok(MyProductsDocument, { first: 20 }, { token: seller.token });
    expect(mine.myProducts.edges.map((e) => e.node.id)).toContain(product.id);
    expect((await t.client.ok(ProductDocument, { id: product.id }, { token: seller.token })).product?.category?.id).toBe(category.id);
    expect((await t.client.ok(ProductDocument, { id: product.id })).product?.category).toBeNull();
  } finally {
    await undelayReplica();
  }
});

it('checkout decides on the primary only: a wrong stock written on the replica changes nothing', async () => {
  const scarce = await createProduct(t.client, seller.token, { name: 'scarce', stock: 2 });
  const plenty = await createProduct(t.client, seller.token, { name: 'plenty', stock: 3 });
  await pair.waitForReplica();
  await onReplicaOnly(`update ${table('product')} set stock = 50 where id = ?`, [Number(scarce.id)]);
  await onReplicaOnly(`update ${table('product')} set stock = 0, status = 'SOLD_OUT' where id = ?`, [Number(plenty.id)]);
  try {
    // Browsing sees the replica's values...
    expect((await t.client.ok(ProductDocument, { id: scarce.id })).product?.stock).toBe(50);
    expect((await t.client.ok(ProductDocument, { id: plenty.id })).product?.stock).toBe(0);
    // ...checkout sees the primary's: 2 scarce units sell and a third does not; all 3 of the "sold out" one sell.
    await orderProducts(t.client, customer.token, [{ productId: scarce.id, quantity: 2 }]);
    await t.client.ok(ClearCartDocument, {}, { token: otherCustomer.token });
    const refused = await t.client.request(AddToCartDocument, { productId: scarce.id, quantity: 1 }, { token: otherCustomer.token });
    expect(codeOf(refused)).toBe('OUT_OF_STOCK');
    const bought = await orderProducts(t.client, otherCustomer.token, [{ productId: plenty.id, quantity: 3 }]);
    expect(bought.items).toEqual([expect.objectContaining({ productId: plenty.id, quantity: 3 })]);
  } finally {
    await onReplicaOnly(`update ${table('product')} set stock = 0, status = 'SOLD_OUT' where id in (?, ?)`, [
      Number(scarce.id),
      Number(plenty.id),
    ]);
  }
});

it('a replica whose replication is stopped is skipped: reads go to the primary and /readyz says so', async () => {
  const product = await createProduct(t.client, seller.token, { name: 'on the primary' });
  await pair.waitForReplica();
  await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['stale replica copy', Number(product.id)]);
  await pair.stopReplication();
  try {
    const body = await untilReplica('stopped');
    expect(body.status).toBe('ok');
    expect(await listedName(product.id)).toBe('on the primary');
    expect((await t.client.ok(ProductDocument, { id: product.id })).product?.name).toBe('on the primary');
  } finally {
    await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['on the primary', Number(product.id)]);
    await pair.startReplication();
  }
  await untilReplica('ok');
});

it('a replica that is down costs no request an error: reads fall back to the primary, /readyz reports it and the instance stays ready', async () => {
  const product = await createProduct(t.client, seller.token, { name: 'survives' });
  await pair.waitForReplica();
  await pair.stopReplica();
  try {
    // At once, before any check noticed: the read fails on the replica and is answered from the primary.
    const first = await t.client.request(ProductsDocument, { first: 20 });
    expect(first.errors).toBeUndefined();
    expect(first.data?.products.edges.map((e) => e.node.id)).toContain(product.id);
    const page = await t.client.request(ProductDocument, { id: product.id });
    expect(page.errors).toBeUndefined();
    expect(page.data?.product?.name).toBe('survives');
    const body = await untilReplica('down');
    expect(body).toMatchObject({ status: 'ok', mysql: 'ok', replicas: [{ state: 'down', lagSeconds: null }] });
    expect((await readyz()).status).toBe(200);
    expect(await listedName(product.id)).toBe('survives');
    // An instance starting meanwhile starts, ready, and reads from the primary.
    const late = await startTestApp({ DATABASE_REPLICA_URLS: pair.replicaUrl }, { mysqlUrl: pair.primaryUrl });
    try {
      expect(await readyz(late.url)).toMatchObject({ status: 200, body: { status: 'ok', replicas: [{ state: 'down' }] } });
      const lateSeller = await signUpAs(late.client, 'SELLER');
      const own = await createProduct(late.client, lateSeller.token, { name: 'while the replica is down' });
      expect(await listedName(own.id, late.client)).toBe('while the replica is down');
    } finally {
      await late.close();
    }
  } finally {
    await pair.startReplica();
  }
  await untilReplica('ok');
  await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['back on the replica', Number(product.id)]);
  try {
    expect(await listedName(product.id)).toBe('back on the replica');
  } finally {
    await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['survives', Number(product.id)]);
  }
});

it('a replica that hangs (accepts, never answers) is given up on: reads are answered from the primary and /readyz reports it down', async () => {
  const product = await createProduct(t.client, seller.token, { name: 'answered anyway' });
  await pair.waitForReplica();
  pair.pauseReplica();
  try {
    const page = await t.client.request(ProductsDocument, { first: 20 });
    expect(page.errors).toBeUndefined();
    expect(page.data?.products.edges.map((e) => e.node.id)).toContain(product.id);
    expect(await untilReplica('down')).toMatchObject({ status: 'ok', mysql: 'ok' });
    expect((await t.client.ok(ProductDocument, { id: product.id })).product?.name).toBe('answered anyway');
  } finally {
    pair.resumeReplica();
  }
  await untilReplica('ok');
});

it('with a short lag bound: an order list comes from the replica once the fence is over, and a replica further behind than the bound is skipped', async () => {
  // An instance with a 1 s bound, checked every 3 s (so a 6 s write fence), on the same pair, in its own database.
  const strict = await startTestApp(
    { DATABASE_REPLICA_URLS: pair.replicaUrl, DATABASE_REPLICA_MAX_LAG_SECONDS: '1', DATABASE_REPLICA_CHECK_INTERVAL_MS: '3000' },
    { mysqlUrl: pair.primaryUrl },
  );
  try {
    const [strictSeller, buyer] = await Promise.all([signUpAs(strict.client, 'SELLER'), signUpAs(strict.client, 'CUSTOMER')]);
    const product = await createProduct(strict.client, strictSeller.token, { name: 'current' });
    const order = await orderProducts(strict.client, buyer.token, [{ productId: product.id, quantity: 1 }]);
    await pair.waitForReplica();
    await pair.query('replica', `update \`${strict.dbName}\`.\`customer_order\` set order_name = ? where order_id = ?`, [
      'replica-only order name',
      order.orderId,
    ]);
    // Fenced right after ordering, the buyer reads the primary; once the fence is over, the replica.
    const names: string[] = [];
    for (let i = 0; i < 200 && names.at(-1) !== 'replica-only order name'; i++) {
      const list = await strict.client.ok(OrdersDocument, {}, { token: buyer.token });
      names.push(list.orders.edges[0].node.orderName);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(names[0]).toBe(order.orderName);
    expect(names.at(-1)).toBe('replica-only order name');

    await pair.query('replica', `update \`${strict.dbName}\`.\`product\` set name = ? where id = ?`, ['old copy', Number(product.id)]);
    await pair.query('replica', `update \`${strict.dbName}\`.\`product\` set name = ? where id = ?`, ['old copy', Number(product.id)]);
    expect(await listedName(product.id, strict.client)).toBe('old copy');
    await delayReplica(120, strict.url);
    // Something to lag behind on.
    await createProduct(strict.client, strictSeller.token, { name: 'newer' });
    const body = await untilReplica('lagging', strict.url);
    expect(body.replicas[0].lagSeconds).toBeGreaterThan(1);
    expect(await listedName(product.id, strict.client)).toBe('current');
    await pair.query('replica', `update \`${strict.dbName}\`.\`product\` set name = ? where id = ?`, ['current', Number(product.id)]);
    await pair.query('replica', `update \`${strict.dbName}\`.\`customer_order\` set order_name = ? where order_id = ?`, [
      order.orderName,
      order.orderId,
    ]);
  } finally {
    await undelayReplica();
    await strict.close();
  }
  await untilReplica('ok');
});
