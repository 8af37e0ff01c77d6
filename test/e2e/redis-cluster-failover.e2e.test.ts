import { print } from 'graphql';
import { Order } from '../../src/entities';
import Redis from 'ioredis';
import { CreateOrderDocument, LoginDocument, OrderEventsDocument, type OrderEventsSubscription } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import * as race from '../helpers/checkout-race';
import { codeOf, type GraphQLClient } from '../helpers/graphql-client';
import type { TestRedisCluster } from '../helpers/redis-cluster';
import { startScaledOut, type ScaledOut } from '../helpers/scaled-out';
import type { TestApp } from '../helpers/test-app';
import { collect, connectWs, runOverWs, type WsConnection } from '../helpers/ws-client';

/**
 * A Redis Cluster master killed under load: the master of the `{stock}` slot dies while customers
 * check out through two instances. During the failover a request succeeds or gets SERVICE_UNAVAILABLE
 * (never a wrong answer, never INTERNAL_SERVER_ERROR); afterwards checkout works again and nothing is oversold.
 */
const STOCK = 50;
let cluster: TestRedisCluster;
let t: TestApp;
let peer: ScaledOut['peer'];
let seller: TestAccount;
let setup: ScaledOut | undefined;
const sockets: WsConnection[] = [];

beforeAll(async () => {
  // The database is a replicated MariaDB pair, as in the scaled-out setup (README "Scaling out").
  setup = await startScaledOut({
    // Rate limits on, so their counters (in every slot) are in the failover too.
    RATE_LIMIT_ACCOUNT_PER_MINUTE: '1000',
    // Holds whose order was never written (the reply was lost with the master) go back to stock soon.
    STOCK_RESERVATION_GRACE_SECONDS: '1',
    ORDER_SWEEP_INTERVAL_MS: '200',
  });
  ({ cluster, t, peer, seller } = setup);
}, 120_000);
afterAll(async () => {
  await Promise.all(sockets.splice(0).map((c) => c.client.dispose()));
  await setup?.close();
});

const instances = (): GraphQLClient[] => [t.client, peer.client];
const stockKey = () => `${t.redisPrefix}{stock}:epoch`;

/** Polls `probe` until it holds (a failover and the sweeper take a few seconds). */
async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('the {stock} master killed mid-checkout: only successes, OUT_OF_STOCK or SERVICE_UNAVAILABLE; then checkout works and nothing is oversold', async () => {
  const product = await createProduct(t.client, seller.token, { name: '장애 중 한정', stock: STOCK });
  // Carts are filled while there is stock: 120 customers order during the failover, 20 after it.
  const everyone = await race.customersWithCart(instances(), 140, [{ productId: product.id, quantity: 1 }]);
  const [customers, late] = [everyone.slice(0, 120), everyone.slice(120)];
  const codes = new Map<string, number>();
  const loginCodes = new Map<string, number>();
  const queue = [...customers];
  let answered = 0;
  let killed: Promise<unknown> | null = null;
  // Four customers at a time keep ordering; one refused with SERVICE_UNAVAILABLE tries again later.
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      const deadline = Date.now() + 90_000;
      while (queue.length && Date.now() < deadline) {
        const customer = queue.shift()!;
        const result = await instances()[w % 2].request(CreateOrderDocument, {}, { token: customer.token });
        const code = result.data?.createOrder ? 'OK' : (codeOf(result) ?? `no code: ${JSON.stringify(result.errors)}`);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        // Logins too: their throttle counters live in every slot, the dead master's among them.
        const login = await instances()[(w + 1) % 2].request(LoginDocument, {
          input: { role: 'CUSTOMER', email: customer.email, password: 'password1234' },
        });
        const loginCode = login.data?.login ? 'OK' : (codeOf(login) ?? `no code: ${JSON.stringify(login.errors)}`);
        loginCodes.set(loginCode, (loginCodes.get(loginCode) ?? 0) + 1);
        if (code === 'SERVICE_UNAVAILABLE') {
          queue.push(customer);
          await new Promise((r) => setTimeout(r, 100));
        }
        // The master dies once a few orders went through.
        if (++answered === 12) killed = cluster.killMaster(stockKey());
      }
    }),
  );
  await killed;
  if (process.env.SHOW_FAILOVER_CODES) console.log(codes, loginCodes);
  expect(queue).toEqual([]);
  expect([...codes.keys()].sort()).toEqual(expect.arrayContaining(['OK', 'OUT_OF_STOCK']));
  expect([...codes.keys()].filter((c) => !['OK', 'OUT_OF_STOCK', 'SERVICE_UNAVAILABLE'].includes(c))).toEqual([]);
  expect([...loginCodes.keys()].filter((c) => !['OK', 'SERVICE_UNAVAILABLE'].includes(c))).toEqual([]);
  await cluster.waitHealthy(stockKey());

  // A hold whose order was never written (its reply timed out, say) is released by the sweeper; then
  // customers who arrive later buy whatever is left, and every unit is sold exactly once.
  const ordered = () => race.unitsOrdered(t.app, product.id);
  await eventually('holds without an order released', async () => {
    const held = await t.app.stock.staleReservations(0, 1000);
    return (await t.app.orm.em.fork().count(Order, { orderId: { $in: held } })) === held.length;
  });
  const wave = await race.orderAtOnce(instances(), late);
  expect(wave.other).toEqual([]);
  expect(await ordered()).toBe(STOCK);
  expect(await race.mysqlStock(t.app, product.id)).toBe(0);
  expect([0, null]).toContain(await race.stockCounter(t.app, product.id));
  expect(codes.get('OK')! + wave.ok.length).toBe(STOCK);
  // The counters were dropped and marked with the promoted replica's id (README, Scaling out: the epoch).
  const promoted = await cluster.masterFor(stockKey());
  const direct = new Redis(promoted.port, '127.0.0.1');
  try {
    expect(await t.app.redis!.get(stockKey())).toBe(await direct.cluster('MYID'));
  } finally {
    direct.disconnect();
  }
}, 180_000);

it('afterwards the counters follow MySQL again: a restock is sold in full, through both instances', async () => {
  const product = await createProduct(t.client, seller.token, { stock: 10 });
  const customers = await race.customersWithCart(instances(), 30, [{ productId: product.id, quantity: 1 }]);
  const { ok, outOfStock, other } = await race.orderAtOnce(instances(), customers);
  expect(other).toEqual([]);
  expect([ok.length, outOfStock.length]).toEqual([10, 20]);
  expect(await race.stockCounter(t.app, product.id)).toBe(0);
}, 60_000);

it("order events still reach the other instance after its subscriber's node dies (the subscription moves to another node)", async () => {
  // The killed master comes back as a replica, so every shard can lose a node again.
  for (const node of cluster.nodes.filter((n) => !n.alive)) await cluster.restart(node);
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token, { stock: 5 });
  const conn = connectWs(peer.url, customer.token);
  sockets.push(conn);
  await conn.opened;
  const events = collect<OrderEventsSubscription['orderEvents']>(conn, print(OrderEventsDocument), 'orderEvents');
  await runOverWs(conn, '{ me { id } }');

  // The node the peer's event bus subscribes on (ioredis picks one at random).
  const bus = peer.app.events as unknown as { subscriber: { subscriber: { getInstance(): Redis | null } } };
  const port = bus.subscriber.subscriber.getInstance()!.options.port;
  const node = cluster.nodes.find((n) => n.port === port)!;
  await new Promise<void>((resolve) => {
    node.process.once('exit', () => resolve());
    node.process.kill('SIGKILL');
  });
  await cluster.waitHealthy(stockKey());

  // Published after the subscription moved: ordering until an event arrives (one published while it
  // was moving is lost, as pub/sub is at most once; the client's `afterId` replays from MySQL).
  await eventually('an order event on the other instance', async () => {
    const result = await t.client.request(CreateOrderDocument, {}, { token: customer.token });
    if (codeOf(result) === 'BAD_USER_INPUT') await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    return (
      events.items.length > 0 ||
      (await events.waitFor(1, 1000).then(
        () => true,
        () => false,
      ))
    );
  });
  expect(events.items[0]).toMatchObject({ kind: 'CREATED' });
  events.stop();
}, 90_000);

it('/readyz reports Redis down while a slot range has no master, on every instance (last: it leaves a slot range with no node)', async () => {
  const readyz = async (url: string) => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: (await res.json()) as { redis: string } };
  };
  await eventually('/readyz ready', async () => (await readyz(t.url)).status === 200);
  // The {stock} slot's master and every replica of it: that slot range is left with no node.
  const master = await cluster.masterFor(stockKey());
  const admin = new Redis(master.port, '127.0.0.1', { lazyConnect: true });
  const topology = String(await admin.call('CLUSTER', 'NODES'));
  admin.disconnect();
  const lines = topology
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
  const masterId = lines.find((fields) => fields[2].includes('myself'))![0];
  const replicaPorts = lines.filter((fields) => fields[3] === masterId).map((fields) => Number(fields[1].split(':')[1].split('@')[0]));
  const doomed = cluster.nodes.filter((n) => n.alive && (n === master || replicaPorts.includes(n.port)));
  await Promise.all(
    doomed.map(
      (node) =>
        new Promise<void>((resolve) => {
          node.process.once('exit', () => resolve());
          node.process.kill('SIGKILL');
        }),
    ),
  );
  for (const url of [t.url, peer.url]) {
    await eventually(`/readyz of ${url} reporting Redis down`, async () => {
      const { status, body } = await readyz(url);
      return status === 503 && body.redis !== 'ok';
    });
  }
}, 90_000);
