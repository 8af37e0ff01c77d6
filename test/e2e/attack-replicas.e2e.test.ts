import net from 'node:net';
import { CancelOrderDocument, LoginDocument, LogoutDocument, MyProductsDocument, UpdateProductDocument } from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { startMariaDbReplicaPair, type MariaDbReplicaPair } from '../helpers/mariadb-replica';
import { dropDatabase, startTestApp, TEST_MYSQL_URL, type TestApp } from '../helpers/test-app';
import { connectWs, runOverWs } from '../helpers/ws-client';
import { loadConfig } from '../../src/config';

/**
 * Attacks on the MySQL read-replica routing (issue #19, README "Scaling out → MySQL read
 * replicas"), against a real MariaDB primary and GTID replica (helpers/mariadb-replica.ts). A row
 * changed on the replica only shows which server answered. Production profile only.
 */

type Readyz = { status: string; replicas: Array<{ replica: string; state: string; lagSeconds: number | null }> };

let pair: MariaDbReplicaPair;
let t: TestApp;
let seller: TestAccount;

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
  seller = await signUpAs(t.client, 'SELLER');
  await pair.waitForReplica();
}, 120_000);

afterAll(async () => {
  await t?.close();
  await pair?.stop();
});

const tableOf = (app: TestApp, name: string) => `\`${app.dbName}\`.\`${name}\``;
const table = (name: string) => tableOf(t, name);
const onReplicaOnly = (sql: string, params: unknown[]) => pair.query('replica', sql, params);

async function readyz(url = t.url): Promise<{ text: string; body: Readyz }> {
  const text = await (await fetch(`${url}/readyz`)).text();
  return { text, body: JSON.parse(text) as Readyz };
}

/** Polls /readyz until `test` holds for the first replica (`timeoutMs`, 30 s by default). */
async function untilReplica(test: (r: Readyz['replicas'][number]) => boolean, url = t.url, timeoutMs = 30_000): Promise<Readyz> {
  for (let i = 0; i < timeoutMs / 100; i++) {
    const { body } = await readyz(url);
    if (body.replicas[0] && test(body.replicas[0])) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the replica never reached the expected state: ${(await readyz(url)).text}`);
}

const PRODUCT_NAME = 'query ProductName($id: ID!) { product(id: $id) { id name } }';

it('a product its seller hid is not served to anonymous readers once the change is older than the lag bound (the response cache must not keep a replica answer past it)', async () => {
  // Lag bound 2 s; anonymous product answers kept 10 s (products' maxAge).
  const strict = await startTestApp(
    {
      DATABASE_REPLICA_URLS: pair.replicaUrl,
      DATABASE_REPLICA_MAX_LAG_SECONDS: '2',
      DATABASE_REPLICA_CHECK_INTERVAL_MS: '100',
      RESPONSE_CACHE_TTL_SECONDS: '10',
    },
    { mysqlUrl: pair.primaryUrl },
  );
  try {
    const [owner, other] = await Promise.all([signUpAs(strict.client, 'SELLER'), signUpAs(strict.client, 'CUSTOMER')]);
    const product = await createProduct(strict.client, owner.token, { name: 'soon hidden' });
    await pair.waitForReplica();
    await pair.delayReplication(120);
    await untilReplica((r) => r.state === 'ok', strict.url);
    await strict.client.ok(UpdateProductDocument, { id: product.id, input: { status: 'HIDDEN' } }, { token: owner.token });
    // At once the replica is still within the bound and has not applied the hiding. The anonymous
    // answer the response cache makes and keeps is made from the primary (the fix: a kept replica
    // answer could outlive the lag bound), so it is hidden already. (Before the fix this asserted the
    // replica's older page here; with kept answers made on the primary that is moot.)
    const early = await strict.client.raw<{ product: { name: string } | null }>(PRODUCT_NAME, { id: product.id });
    expect(early.data?.product).toBeNull();
    // A logged-in reader who has not written is not cached: it still reads the replica's older page.
    const uncached = await strict.client.raw<{ product: { name: string } | null }>(
      PRODUCT_NAME,
      { id: product.id },
      { token: other.token },
    );
    expect(uncached.data?.product?.name).toBe('soon hidden');
    // Now the hiding is older than the lag bound: the instance itself reports the replica too far behind to read.
    const body = await untilReplica((r) => r.state === 'lagging', strict.url);
    expect(body.replicas[0].lagSeconds).toBeGreaterThan(2);
    // Another logged-in reader reads the primary: hidden.
    const fresh = await strict.client.raw<{ product: unknown }>(PRODUCT_NAME, { id: product.id }, { token: other.token });
    expect(fresh.data?.product).toBeNull();
    // An anonymous reader must not see it either (README: others' writes reach a reader within the lag bound).
    // (It may be the kept answer, with an Age: that answer was made from the primary.)
    const late = await strict.client.raw<{ product: unknown }>(PRODUCT_NAME, { id: product.id });
    expect(late.data?.product).toBeNull();
  } finally {
    await pair.delayReplication(0);
    await pair.waitForReplica(30);
    await strict.close();
  }
  await untilReplica((r) => r.state === 'ok');
});

it('one operation reads one server (README: never a mix): a root field not found on the replica does not send the rest to the primary', async () => {
  const admin = await signUpAs(t.client, 'ADMIN');
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token, { name: 'mixed primary name', stock: 5 });
  const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
  await pair.waitForReplica();
  // The replica's point of the data: the product renamed, the order not there under that id.
  await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['mixed replica name', Number(product.id)]);
  await onReplicaOnly(`update ${table('customer_order')} set order_id = ? where order_id = ?`, [`${order.orderId}-x`, order.orderId]);
  try {
    const result = await t.client.raw<{ order: { orderId: string } | null; product: { name: string } | null }>(
      'query Mixed($orderId: String!, $id: ID!) { order(orderId: $orderId) { orderId } product(id: $id) { name } }',
      { orderId: order.orderId, id: product.id },
      { token: admin.token },
    );
    const fromReplica = result.data?.product?.name === 'mixed replica name';
    const orderFromPrimary = result.data?.order?.orderId === order.orderId;
    // Either both answers come from the replica (no such order there) or both from the primary.
    expect({ productFromReplica: fromReplica, orderFromPrimary }).not.toEqual({ productFromReplica: true, orderFromPrimary: true });
  } finally {
    await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['mixed primary name', Number(product.id)]);
    await onReplicaOnly(`update ${table('customer_order')} set order_id = ? where order_id = ?`, [order.orderId, `${order.orderId}-x`]);
  }
});

it('bad DATABASE_REPLICA_* settings are refused naming the setting: a replica URL without a host', () => {
  const env = { DATABASE_URL: 'mysql://app:pw@db:3306/marketplace', AUTH_TOKEN_SECRET: 'aB3$kL9@mN2#pQ7!rS5%tU8^vW1&xY4*zZ0' };
  // Sanity: the same settings with a host are taken.
  expect(() => loadConfig({ ...env, DATABASE_REPLICA_URLS: 'mysql://replica-1' })).not.toThrow();
  // `mysql://` names no server: the driver would quietly connect to localhost:3306 instead.
  expect(() => loadConfig({ ...env, DATABASE_REPLICA_URLS: 'mysql://' })).toThrow(/DATABASE_REPLICA_URLS/);
  expect(() => loadConfig({ ...env, DATABASE_REPLICA_URLS: 'mysql://replica-1,mysql:///marketplace' })).toThrow(/DATABASE_REPLICA_URLS/);
});

it('the session check never reads a replica: a revoked token stays refused while the replica still holds it as active', async () => {
  const customer = await signUpAs(t.client, 'CUSTOMER');
  await t.client.ok(LogoutDocument, {}, { token: customer.token });
  await pair.waitForReplica();
  const revoked = await pair.query<{ id: string }>('replica', `select id from ${table('auth_session')} where revoked_at is not null`);
  await onReplicaOnly(`update ${table('auth_session')} set revoked_at = null where revoked_at is not null`, []);
  try {
    // `orders` is a browsing query (replica-routed) that needs a session.
    const result = await t.client.raw('query { orders(first: 5) { edges { node { orderId } } } }', {}, { token: customer.token });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // A WebSocket is refused too.
    const conn = connectWs(t.url, customer.token);
    expect((await conn.closed).code).toBe(4403);
  } finally {
    for (const { id } of revoked)
      await onReplicaOnly(`update ${table('auth_session')} set revoked_at = now() where id = ? and revoked_at is null`, [id]);
  }
});

it('read-your-writes over a WebSocket: after a mutation on a socket, the same socket’s browsing queries read the primary', async () => {
  const admin = await signUpAs(t.client, 'ADMIN');
  const product = await createProduct(t.client, seller.token, { name: 'ws primary name' });
  await pair.waitForReplica();
  await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['ws replica name', Number(product.id)]);
  const conn = connectWs(t.url, admin.token);
  try {
    await conn.opened;
    // Not fenced yet (signing up fences nothing): the replica answers.
    const before = await runOverWs<{ product: { name: string } }>(conn, PRODUCT_NAME, { id: product.id });
    expect(before.data?.product.name).toBe('ws replica name');
    const made = await runOverWs(conn, 'mutation { createCategory(input: { name: "ws fence" }) { id } }');
    expect(made.errors).toBeUndefined();
    const after = await runOverWs<{ product: { name: string } }>(conn, PRODUCT_NAME, { id: product.id });
    expect(after.data?.product.name).toBe('ws primary name');
    // And over HTTP (another transport, same account).
    const http = await t.client.raw<{ product: { name: string } }>(PRODUCT_NAME, { id: product.id }, { token: admin.token });
    expect(http.data?.product.name).toBe('ws primary name');
  } finally {
    await conn.client.dispose();
    await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['ws primary name', Number(product.id)]);
  }
});

it('a cancel (stock and money) decides on the primary: the replica saying the order ships changes nothing', async () => {
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token, { name: 'cancel on primary', stock: 4 });
  const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 2 }]);
  await pair.waitForReplica();
  await onReplicaOnly(`update ${table('customer_order')} set status = 'SHIPPING' where order_id = ?`, [order.orderId]);
  try {
    const cancelled = await t.client.ok(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token });
    expect(cancelled.cancelOrder.status).toBe('CANCELLED');
    const [row] = await pair.query<{ stock: number }>('primary', `select stock from ${table('product')} where id = ?`, [
      Number(product.id),
    ]);
    expect(Number(row.stock)).toBe(4);
  } finally {
    await onReplicaOnly(`update ${table('customer_order')} set status = 'CANCELLED' where order_id = ?`, [order.orderId]);
  }
});

it('/readyz never shows a replica password (a replica user with a password of its own)', async () => {
  const password = 'Attack-Pw-4711';
  await pair.query('primary', `create user if not exists 'attack_ro'@'127.0.0.1' identified by '${password}'`);
  await pair.query('primary', `grant select, slave monitor on *.* to 'attack_ro'@'127.0.0.1'`);
  await pair.waitForReplica();
  const replicaUrl = pair.replicaUrl.replace('mysql://root@', `mysql://attack_ro:${password}@`);
  const app = await startTestApp(
    { DATABASE_REPLICA_URLS: replicaUrl, DATABASE_REPLICA_CHECK_INTERVAL_MS: '100' },
    { mysqlUrl: pair.primaryUrl },
  );
  try {
    const { text } = await readyz(app.url);
    const body = await untilReplica((r) => r.state === 'ok', app.url);
    expect(body.replicas[0].replica).toContain('attack_ro:***@');
    expect(text).not.toContain(password);
    expect((await readyz(app.url)).text).not.toContain(password);
  } finally {
    await app.close();
  }
});

it("a replica of another primary is refused (bad DATABASE_REPLICA_URLS): it never serves that server's rows as this database's", async () => {
  // This file's database, with a product, on the pair's primary and (replicated) its replica.
  const product = await createProduct(t.client, seller.token, { name: 'a row of another primary' });
  await pair.waitForReplica();
  // An instance whose DATABASE_URL is another server (the machine's own), with a database of the
  // same name, and whose DATABASE_REPLICA_URLS names the pair's replica by mistake: that replica
  // is healthy, but replicates a server this instance never writes to.
  const wrong = await startTestApp(
    { DATABASE_URL: `${TEST_MYSQL_URL}/${t.dbName}`, DATABASE_REPLICA_URLS: pair.replicaUrl, DATABASE_REPLICA_CHECK_INTERVAL_MS: '100' },
    { mysqlUrl: TEST_MYSQL_URL },
  );
  try {
    const listed = await wrong.client.raw<{ products: { edges: Array<{ node: { id: string; name: string } }> } }>(
      'query { products(first: 20) { edges { node { id name } } } }',
    );
    // This instance's own database (on the machine's server) holds no product at all.
    expect(listed.data?.products.edges.map((e) => e.node.name)).not.toContain('a row of another primary');
    const page = await wrong.client.raw<{ product: unknown }>(PRODUCT_NAME, { id: product.id });
    expect(page.data?.product).toBeNull();
    expect((await readyz(wrong.url)).body.replicas[0].state).not.toBe('ok');
  } finally {
    await wrong.close();
    await dropDatabase(t.dbName, TEST_MYSQL_URL);
  }
});

it('read-your-writes survives logging out and in again (a new token): a seller sees their edit in myProducts at once', async () => {
  const owner = await signUpAs(t.client, 'SELLER');
  const product = await createProduct(t.client, owner.token, { name: 'before relogin' });
  await pair.waitForReplica();
  await pair.delayReplication(120);
  await untilReplica((r) => r.state === 'ok');
  try {
    await t.client.ok(UpdateProductDocument, { id: product.id, input: { name: 'after relogin' } }, { token: owner.token });
    await t.client.ok(LogoutDocument, {}, { token: owner.token });
    const login = await t.client.ok(LoginDocument, { input: { email: owner.email, password: 'password1234', role: 'SELLER' } });
    const mine = await t.client.ok(MyProductsDocument, { first: 20 }, { token: login.login.token });
    expect(mine.myProducts.edges.find((e) => e.node.id === product.id)?.node.name).toBe('after relogin');
    // An anonymous reader still gets the replica's older page (others' writes: within the lag bound).
    const anonymous = await t.client.raw<{ product: { name: string } }>(PRODUCT_NAME, { id: product.id });
    expect(anonymous.data?.product.name).toBe('before relogin');
  } finally {
    await pair.delayReplication(0);
    await pair.waitForReplica(30);
  }
  await untilReplica((r) => r.state === 'ok');
});

it('a document holding a query and a mutation: running the mutation fences its caller; HTTP batches are refused', async () => {
  const admin = await signUpAs(t.client, 'ADMIN');
  const product = await createProduct(t.client, seller.token, { name: 'doc primary name' });
  await pair.waitForReplica();
  await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['doc replica name', Number(product.id)]);
  try {
    const doc = 'query Q($id: ID!) { product(id: $id) { name } } mutation M { createCategory(input: { name: "doc fence" }) { id } }';
    const body = (operationName: string, variables: Record<string, unknown>) => JSON.stringify({ query: doc, operationName, variables });
    const post = async (payload: string) =>
      (await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
        body: payload,
      })) as Response;
    const first = (await (await post(body('Q', { id: product.id }))).json()) as { data: { product: { name: string } } };
    expect(first.data.product.name).toBe('doc replica name');
    // A batch (a mutation then a query) is not taken at all.
    const batch = await post(`[${body('M', {})},${body('Q', { id: product.id })}]`);
    expect(batch.status).toBeGreaterThanOrEqual(400);
    const made = (await (await post(body('M', {}))).json()) as { errors?: unknown };
    expect(made.errors).toBeUndefined();
    const after = (await (await post(body('Q', { id: product.id }))).json()) as { data: { product: { name: string } } };
    expect(after.data.product.name).toBe('doc primary name');
  } finally {
    await onReplicaOnly(`update ${table('product')} set name = ? where id = ?`, ['doc primary name', Number(product.id)]);
  }
});

it('an instance starting while its replica hangs (accepts, never answers) starts, answers from the primary, and reports the replica down', async () => {
  const product = await createProduct(t.client, seller.token, { name: 'answered while hung' });
  await pair.waitForReplica();
  pair.pauseReplica();
  let late: TestApp | undefined;
  try {
    late = await startTestApp(
      { DATABASE_URL: `${pair.primaryUrl}/${t.dbName}`, DATABASE_REPLICA_URLS: pair.replicaUrl, MIGRATE_ON_START: 'false' },
      { mysqlUrl: pair.primaryUrl },
    );
    const page = await late.client.raw<{ product: { name: string } | null }>(PRODUCT_NAME, { id: product.id });
    expect(page.errors).toBeUndefined();
    expect(page.data?.product?.name).toBe('answered while hung');
    expect((await readyz(late.url)).body.replicas[0].state).toBe('down');
  } finally {
    pair.resumeReplica();
    // Its close() drops its own (never created) database name, not this file's.
    await late?.close();
  }
  await untilReplica((r) => r.state === 'ok');
});

/**
 * Delays replication (nothing new reaches the replica) and waits until the instance at `url` still
 * reports the replica ok: the moment a write can land before the lag shows. That window is the lag
 * bound; a loaded host can miss it (the lag shows first), and then replication catches up and the
 * delay starts again, five times at most.
 */
async function delayedWhileOk(url: string): Promise<void> {
  for (let tries = 1; ; tries++) {
    await pair.delayReplication(120);
    const seenOk = await untilReplica((r) => r.state === 'ok', url, 5_000).then(
      () => true,
      () => false,
    );
    if (seenOk) return;
    if (tries === 5) throw new Error('the replica was never ok right after replication was delayed (five tries)');
    await pair.delayReplication(0);
    await pair.waitForReplica(30);
  }
}

it('read-your-writes: the write fence outlasts the health checks even when another replica is unreachable (its 2 s status timeout delays every check)', async () => {
  // A second "replica" that accepts connections and never answers: each round of checks waits for it.
  const sockets = new Set<net.Socket>();
  const blackhole = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  const port = (blackhole.address() as net.AddressInfo).port;
  // Lag bound 1 s, checked every 100 ms: a 3.1 s fence.
  const strict = await startTestApp(
    {
      DATABASE_REPLICA_URLS: `${pair.replicaUrl},mysql://root@127.0.0.1:${port}`,
      DATABASE_REPLICA_MAX_LAG_SECONDS: '1',
      DATABASE_REPLICA_CHECK_INTERVAL_MS: '100',
    },
    { mysqlUrl: pair.primaryUrl },
  );
  const stale: string[] = [];
  try {
    const owner = await signUpAs(strict.client, 'SELLER');
    const product = await createProduct(strict.client, owner.token, { name: 'v0' });
    await pair.waitForReplica();
    // Whether a read falls in the gap depends on where the edit lands between two checks: a few tries.
    for (let attempt = 1; attempt <= 2 && stale.length === 0; attempt++) {
      await delayedWhileOk(strict.url);
      const name = `v${attempt}`;
      await strict.client.ok(UpdateProductDocument, { id: product.id, input: { name } }, { token: owner.token });
      // The owner reads their product until the instance skips the replica (lagging): every read must show the edit.
      for (let i = 0; i < 400; i++) {
        const seen = await strict.client.raw<{ product: { name: string } }>(PRODUCT_NAME, { id: product.id }, { token: owner.token });
        if (seen.data?.product.name !== name) stale.push(`attempt ${attempt}: ${seen.data?.product.name}`);
        if ((await readyz(strict.url)).body.replicas[0].state === 'lagging') break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await pair.delayReplication(0);
      await pair.waitForReplica(30);
    }
    expect(stale).toEqual([]);
  } finally {
    await pair.delayReplication(0);
    await strict.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
  }
  await untilReplica((r) => r.state === 'ok');
}, 120_000);
