import { print } from 'graphql';
import Redis, { Cluster } from 'ioredis';
import { createLogger } from '../../src/logger';
import { connectRedis, scanKeys, type RedisClient } from '../../src/services/shared/redis-client';
import type { StockLoader } from '../../src/services/stock/stock-guard';
import { RedisStockGuard } from '../../src/services/stock/redis-stock-guard';
import { RedisEventBus } from '../../src/services/events/redis-event-bus';
import { SocketSlots } from '../../src/services/shared/socket-slots';
import {
  LoginDocument,
  LogoutDocument,
  OrderEventsDocument,
  ProductDocument,
  ProductsDocument,
  type OrderEventsSubscription,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import * as race from '../helpers/checkout-race';
import { codeOf, GraphQLClient } from '../helpers/graphql-client';
import type { MariaDbReplicaPair } from '../helpers/mariadb-replica';
import type { TestRedisCluster } from '../helpers/redis-cluster';
import { startScaledOut, type ScaledOut } from '../helpers/scaled-out';
import { isolatedNames, type TestApp } from '../helpers/test-app';
import { collect, connectWs, runOverWs, type WsConnection } from '../helpers/ws-client';

/**
 * Every Redis use on a Redis Cluster (3 masters, 3 replicas on loopback): the StockGuard's scripts and
 * the other adapters without CROSSSLOT, and two app instances sharing the cluster as they share one Redis.
 * The instances' database is a MariaDB primary with a GTID replica (helpers/mariadb-replica.ts) serving
 * their browsing reads: the whole scaled-out setup of README "Scaling out".
 */
const ACCOUNT_REQUESTS_PER_MINUTE = 40;
let cluster: TestRedisCluster;
let pair: MariaDbReplicaPair;
let t: TestApp;
let peer: ScaledOut['peer'];
let seller: TestAccount;
let setup: ScaledOut | undefined;
const sockets: WsConnection[] = [];
const clients: RedisClient[] = [];

beforeAll(async () => {
  setup = await startScaledOut({
    DATABASE_REPLICA_CHECK_INTERVAL_MS: '100',
    TRUST_PROXY: '1',
    RATE_LIMIT_ACCOUNT_PER_MINUTE: String(ACCOUNT_REQUESTS_PER_MINUTE),
    WS_MAX_SOCKETS_PER_ACCOUNT: '2',
    LOGIN_MAX_FAILURES: '3',
  });
  ({ cluster, pair, t, peer, seller } = setup);
}, 120_000);
afterAll(async () => {
  await Promise.all(sockets.splice(0).map((c) => c.client.dispose()));
  for (const c of clients) c.disconnect();
  await setup?.close();
});

/** A Cluster client of the app's own settings (as the app makes it). */
async function clusterClient(): Promise<RedisClient> {
  const client = await connectRedis({ cluster: t.app.config.redisCluster! }, createLogger('silent'));
  clients.push(client);
  return client;
}

describe('the app on the cluster', () => {
  it('runs on ioredis Cluster clients, and says so', () => {
    expect(t.app.redis).toBeInstanceOf(Cluster);
    expect(peer.app.redis).toBeInstanceOf(Cluster);
    expect(t.app.config.redisUrl).toBeUndefined();
  });
});

describe('StockGuard scripts on the cluster', () => {
  const stock = new Map<number, number>();
  const loader: StockLoader = (ids, write) => write(new Map(ids.filter((id) => stock.has(id)).map((id) => [id, stock.get(id)!])));
  let redis: RedisClient;
  let guard: RedisStockGuard;
  let prefix: string;

  beforeAll(async () => {
    redis = await clusterClient();
    prefix = isolatedNames().redisPrefix;
    guard = new RedisStockGuard(redis, prefix, loader);
    for (let id = 1; id <= 12; id++) stock.set(id, 10);
  });

  it('keeps every key of the guard in the one slot of {stock}, whatever the product or order', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => ({ productId: i + 1, quantity: 1 }));
    expect(await guard.reserve('slot-check', lines)).toEqual({ ok: true });
    const keys: string[] = [];
    for await (const batch of scanKeys(redis, `${prefix}*`)) keys.push(...batch);
    // Counters, the reservation record and its index, the epoch.
    expect(keys.length).toBe(12 + 3);
    const slots = await Promise.all(keys.map((key) => redis.cluster('KEYSLOT', key)));
    expect(new Set(slots).size).toBe(1);
    // Without the hash tag, these keys would be spread over the cluster.
    const untagged = await Promise.all(keys.map((key) => redis.cluster('KEYSLOT', key.replace('{stock}', 'stock'))));
    expect(new Set(untagged).size).toBeGreaterThan(1);
  });

  it('reserve, release, settle, adjust, forget, the stale list and the reads: no CROSSSLOT', async () => {
    const lines = [
      { productId: 1, quantity: 2 },
      { productId: 5, quantity: 3 },
      { productId: 9, quantity: 1 },
    ];
    expect(await guard.reserve('o-1', lines)).toEqual({ ok: true });
    expect(await guard.reserve('o-1', lines)).toEqual({ ok: true });
    expect(await guard.reservation('o-1')).toEqual(lines);
    expect(await guard.counters([1, 5, 9])).toEqual(
      new Map([
        [1, 7],
        [5, 6],
        [9, 8],
      ]),
    );
    expect(await guard.reserve('o-2', [{ productId: 5, quantity: 7 }])).toEqual({ ok: false, productId: 5, available: 6 });
    expect(await guard.staleReservations(-60_000, 10)).toEqual(expect.arrayContaining(['o-1', 'slot-check']));
    expect(await guard.release('o-1')).toEqual(lines);
    expect(await guard.release('o-1')).toBeNull();
    expect(await guard.counters([1, 5, 9])).toEqual(
      new Map([
        [1, 9],
        [5, 9],
        [9, 9],
      ]),
    );
    expect(await guard.reserve('o-3', [{ productId: 5, quantity: 9 }])).toEqual({ ok: true });
    expect(await guard.settle('o-3')).toBe(true);
    expect(await guard.settle('o-3')).toBe(false);
    await guard.adjust(5, 4);
    expect((await guard.counters([5])).get(5)).toBe(4);
    await guard.forget([1, 5, 9]);
    expect(await guard.counters([1, 5, 9])).toEqual(
      new Map([
        [1, null],
        [5, null],
        [9, null],
      ]),
    );
    // Rebuilt from the loader on the next reserve.
    stock.set(5, 2);
    expect(await guard.reserve('o-4', [{ productId: 5, quantity: 3 }])).toEqual({ ok: false, productId: 5, available: 2 });
  });

  it('drops every counter once the epoch names another master (as after a failover), and rebuilds them from the loader', async () => {
    stock.set(11, 10);
    await guard.forget([11]);
    expect(await guard.reserve('e-1', [{ productId: 11, quantity: 1 }])).toEqual({ ok: true });
    // A release the old master acknowledged but never replicated: the promoted replica's counter is short.
    await redis.set(`${prefix}{stock}:p:11`, '0');
    await redis.set(`${prefix}{stock}:epoch`, 'a-master-that-failed');
    // MySQL (the loader) says 10 are left; the short counter would refuse this.
    expect(await guard.reserve('e-2', [{ productId: 11, quantity: 5 }])).toEqual({ ok: true });
    expect((await guard.counters([11])).get(11)).toBe(5);
    const master = await cluster.masterFor(`${prefix}{stock}:epoch`);
    const direct = new Redis(master.port, '127.0.0.1');
    try {
      expect(await redis.get(`${prefix}{stock}:epoch`)).toBe(await direct.cluster('MYID'));
    } finally {
      direct.disconnect();
    }
    // Reservation records survive: release gives the units back to the rebuilt counter.
    expect(await guard.release('e-2')).toEqual([{ productId: 11, quantity: 5 }]);
    expect((await guard.counters([11])).get(11)).toBe(10);
  });
});

describe('other adapters on the cluster', () => {
  it('socket slots: take, refresh (keys in many slots at once) and release', async () => {
    const redis = await clusterClient();
    const slots = new SocketSlots({ max: 1, ttlMs: 60_000, keyPrefix: isolatedNames().redisPrefix }, redis);
    const keys = Array.from({ length: 20 }, (_, i) => `account:${i}`);
    for (const key of keys) expect(await slots.take(key, 'h1')).toBe(true);
    expect(await slots.take('account:3', 'h2')).toBe(false);
    await slots.refresh(keys.map((key) => ({ key, holder: 'h1' })));
    await slots.release('account:3', 'h1');
    expect(await slots.take('account:3', 'h2')).toBe(true);
  });

  it('the event bus reaches a subscriber on another client, in publishing order', async () => {
    const prefix = isolatedNames().redisPrefix;
    const a = new RedisEventBus(await clusterClient(), prefix);
    const b = new RedisEventBus(await clusterClient(), prefix);
    const got: unknown[] = [];
    await b.subscribe('auth.session-revoked', (p) => got.push(p));
    const sent = Array.from({ length: 50 }, (_, i) => ({ sessionId: `s-${i}` }));
    await Promise.all(sent.map((p) => a.publish('auth.session-revoked', p)));
    for (let i = 0; got.length < sent.length && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(sent);
    await Promise.all([a.close(), b.close()]);
  });
});

const instances = () => [t.client, peer.client];

describe('two instances on the cluster', () => {
  it('the checkout race: 200 customers, stock 40, through both instances: 40 orders, nothing oversold, every unit accounted for', async () => {
    const product = await createProduct(t.client, seller.token, { name: '클러스터 한정', stock: 40 });
    const customers = await race.customersWithCart(instances(), 200, [{ productId: product.id, quantity: 1 }]);
    const { ok, outOfStock, other } = await race.orderAtOnce(instances(), customers);
    expect(other).toEqual([]);
    expect(ok).toHaveLength(40);
    expect(outOfStock).toHaveLength(160);
    expect(await race.mysqlStock(t.app, product.id)).toBe(0);
    expect(await race.stockCounter(t.app, product.id)).toBe(0);
    expect(await race.unitsOrdered(t.app, product.id)).toBe(40);
    const held = await Promise.all(ok.map((r) => t.app.stock.reservation(r.data!.createOrder.orderId)));
    expect(held.map((lines) => lines?.reduce((s, l) => s + l.quantity, 0))).toEqual(Array(40).fill(1));
  }, 120_000);

  it('an order made on one instance reaches a subscription on the other', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 5 });
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const conn = connectWs(peer.url, customer.token);
    sockets.push(conn);
    await conn.opened;
    const events = collect<OrderEventsSubscription['orderEvents']>(conn, print(OrderEventsDocument), 'orderEvents');
    // The subscription is live once an operation on the same socket has answered.
    await runOverWs(conn, '{ me { id } }');
    const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    const [event] = await events.waitFor(1);
    expect(event).toMatchObject({ orderId: order.orderId, kind: 'CREATED' });
    events.stop();
  });

  it('logging out on one instance closes the socket open on the other', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const conn = connectWs(peer.url, customer.token);
    sockets.push(conn);
    await conn.opened;
    expect(await t.client.ok(LogoutDocument, undefined, { token: customer.token })).toEqual({ logout: true });
    expect((await conn.closed).code).toBe(4401);
  });

  it('sockets per account are counted across instances', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const here = connectWs(t.url, customer.token);
    const there = connectWs(peer.url, customer.token);
    sockets.push(here, there);
    await Promise.all([here.opened, there.opened]);
    const third = connectWs(t.url, customer.token);
    sockets.push(third);
    expect((await third.closed).code).toBe(4429);
  });

  it('rate limits are shared: an account gets its requests per minute over both instances together', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < ACCOUNT_REQUESTS_PER_MINUTE + 2; i++) {
      codes.push(codeOf(await instances()[i % 2].raw('{ me { id } }', {}, { token: customer.token })));
    }
    expect(codes.filter((c) => c === undefined)).toHaveLength(ACCOUNT_REQUESTS_PER_MINUTE);
    expect(codes.slice(ACCOUNT_REQUESTS_PER_MINUTE)).toEqual(['TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
  });

  it('login lockout is shared: failures on one instance lock the account on the other', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const login = (client: GraphQLClient, password: string) =>
      client.request(
        LoginDocument,
        { input: { role: 'CUSTOMER', email: customer.email, password } },
        { headers: { 'x-forwarded-for': '198.51.100.7' } },
      );
    for (let i = 0; i < 3; i++) expect(codeOf(await login(instances()[i % 2], 'wrong password!'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await login(peer.client, 'password1234'))).toBe('TOO_MANY_REQUESTS');
    expect(codeOf(await login(t.client, 'password1234'))).toBe('TOO_MANY_REQUESTS');
  });

  it('a persisted query registered on one instance is known on the other', async () => {
    const query = `{ products(first: 1) { totalCount } } # ${Date.now()}`;
    const hash = (await import('node:crypto')).createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    const post = (url: string, body: object) =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<{ data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }>,
      );
    expect((await post(peer.url, { extensions })).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(t.url, { query, extensions })).errors).toBeUndefined();
    const answer = await post(peer.url, { extensions });
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ products: { totalCount: expect.any(Number) } });
  });
});

describe('the replicated MariaDB beside the cluster', () => {
  const table = (name: string) => `\`${t.dbName}\`.\`${name}\``;
  const listedName = async (client: GraphQLClient, productId: string) =>
    (await client.ok(ProductsDocument, { first: 20 })).products.edges.find((e) => e.node.id === productId)?.node.name;
  type Readyz = { replicas: Array<{ state: string }> };
  const replicaState = async (url: string) => ((await (await fetch(`${url}/readyz`)).json()) as Readyz).replicas[0]?.state;
  async function untilReplica(state: string) {
    for (let i = 0; i < 300; i++) {
      if ((await replicaState(t.url)) === state && (await replicaState(peer.url)) === state) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the replica never reached state ${state} on both instances`);
  }

  it('serves the listing and the product page of both instances from the replica', async () => {
    const product = await createProduct(t.client, seller.token, { name: 'primary name' });
    await pair.waitForReplica();
    await untilReplica('ok');
    // A row changed on the replica only shows which server answered.
    await pair.query('replica', `update ${table('product')} set name = ? where id = ?`, ['replica-only name', Number(product.id)]);
    try {
      expect(await listedName(t.client, product.id)).toBe('replica-only name');
      expect(await listedName(peer.client, product.id)).toBe('replica-only name');
      expect((await peer.client.ok(ProductDocument, { id: product.id })).product?.name).toBe('replica-only name');
    } finally {
      await pair.query('replica', `update ${table('product')} set name = ? where id = ?`, ['primary name', Number(product.id)]);
    }
  });

  it('with the replica stopped, both instances read the primary, and the checkout race still sells exactly the stock', async () => {
    const product = await createProduct(t.client, seller.token, { name: 'primary only', stock: 10 });
    await pair.stopReplica();
    try {
      await untilReplica('down');
      expect(await listedName(t.client, product.id)).toBe('primary only');
      expect(await listedName(peer.client, product.id)).toBe('primary only');
      const customers = await race.customersWithCart(instances(), 30, [{ productId: product.id, quantity: 1 }]);
      const { ok, outOfStock, other } = await race.orderAtOnce(instances(), customers);
      expect(other).toEqual([]);
      expect(ok).toHaveLength(10);
      expect(outOfStock).toHaveLength(20);
      expect(await race.mysqlStock(t.app, product.id)).toBe(0);
      expect(await race.unitsOrdered(t.app, product.id)).toBe(10);
    } finally {
      await pair.startReplica();
    }
    // Back in rotation once it has caught up.
    await pair.waitForReplica(30);
    await untilReplica('ok');
  }, 120_000);
});
