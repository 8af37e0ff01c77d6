import { spawn } from 'node:child_process';
import Redis, { type Cluster } from 'ioredis';
import { AddToCartDocument, CreateOrderDocument, LoginDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { codeOf } from '../helpers/graphql-client';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import { createLogger } from '../../src/logger';
import { connectRedis, type RedisClient } from '../../src/services/shared/redis-client';
import { itProductionProfile, startTestApp, sweeperWithoutGrace, type TestApp } from '../helpers/test-app';

/**
 * Attacks on OutageAwareCluster (src/services/shared/redis-client.ts): a command queued in ioredis's
 * cluster offline queue while every node is down leaves the queue after REDIS_COMMAND_TIMEOUT_MS, and
 * the event bus's subscriber (duplicate()) is outage-aware too. Each test names the rule it checks.
 * The tests run in order on one cluster: a failover, then whole outages and comebacks.
 */
let cluster: TestRedisCluster;
let t: TestApp;
let seller: TestAccount;
/** What a subscriber made at startup (before any outage) receives: it must resubscribe after a whole outage. */
const heard: string[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  t = await startTestApp({ ...cluster.env, REDIS_COMMAND_TIMEOUT_MS: '500' });
  seller = await signUpAs(t.client, 'SELLER');
  await t.app.events.subscribe('auth.session-revoked', (payload) => heard.push(payload.sessionId));
}, 120_000);
afterAll(async () => {
  // The app stops first (its connections end, so nothing holds a lock DROP DATABASE would wait for).
  await t?.close();
  await cluster?.stop();
}, 90_000);

/** A client of its own on the test cluster (as the app makes it), disconnected after the file. */
const clients: RedisClient[] = [];
async function ownClient(commandTimeoutMs: number): Promise<RedisClient> {
  const nodes = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  const client = await connectRedis(
    { cluster: { nodes, username: undefined, password: undefined, tls: false, commandTimeoutMs } },
    createLogger('silent'),
  );
  clients.push(client);
  return client;
}
afterAll(() => {
  for (const c of clients) c.disconnect();
});

const stockKey = () => `${t.redisPrefix}{stock}:epoch`;
const redis = () => t.app.redis as Cluster;

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `promise`'s outcome, or 'still waiting' when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Starts every killed node again, on its port, directory and cluster config (the same command line); resolves once the cluster is healthy. */
async function restartAll(keepData = false): Promise<void> {
  for (const node of cluster.nodes) {
    if (node.alive) continue;
    const [command, ...args] = node.process.spawnargs;
    // With the data kept: the append-only file (turned on by persistEveryWrite) is loaded at start.
    const aof = args.indexOf('--appendonly');
    if (aof >= 0) args[aof + 1] = keepData ? 'yes' : 'no';
    node.process = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    node.alive = true;
    node.process.once('exit', () => (node.alive = false));
  }
  await cluster.waitHealthy(undefined, 60_000);
}

/** Every node writes each write to its append-only file (fsync always), so a SIGKILLed cluster restarts with its data, as a production one would. */
async function persistEveryWrite(): Promise<void> {
  await Promise.all(
    cluster.nodes.map(async (node) => {
      const r = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true });
      try {
        await r.connect();
        await r.config('SET', 'appendfsync', 'always');
        await r.config('SET', 'appendonly', 'yes');
        await eventually(`${node.address} wrote its append-only file`, async () => {
          const info = await r.info('persistence');
          return /aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info);
        });
      } finally {
        r.disconnect();
      }
    }),
  );
}

/**
 * The commands in the app client's offline queue that ioredis will send when the cluster is back:
 * those whose caller is still waiting (OutageAwareCluster drops the ones whose caller had its failure).
 */
function queuedCommands(): string[] {
  const client = redis() as unknown as {
    offlineQueue: { toArray(): Array<{ command: { name: string; args: unknown[] } }> };
    settled: WeakSet<object>;
  };
  return client.offlineQueue
    .toArray()
    .filter(({ command }) => !client.settled.has(command))
    .map(({ command }) => `${command.name} ${command.args.map(String).join(' ').slice(0, 60)}`);
}

/** Waits until the app's client is ready and answers again. */
async function appClientBack(): Promise<void> {
  await eventually('the app client answers again', async () => redis().status === 'ready' && (await redis().ping()) === 'PONG', 60_000);
}

function settleOutcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'answered',
    (err: Error) => `failed: ${err.message}`,
  );
}

describe('a failover (one master killed, the client stays ready)', () => {
  itProductionProfile(
    'no command sent through a failover is cut short by the queue timer; checkout works after it, nothing oversold',
    async () => {
      const customer = await signUpAs(t.client, 'CUSTOMER');
      const product = await createProduct(t.client, seller.token, { name: 'failover outage attack', stock: 3 });
      await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
      const key = `${t.redisPrefix}{stock}:atk-failover`;
      // A client as the app makes it, with the default REDIS_COMMAND_TIMEOUT_MS (2000): the app of this file has 500, and
      // ioredis's per-node command timer (set at the first send, kept over the retries) ends a retried command at 500 ms.
      const client = await ownClient(2000);
      const killed = await cluster.killMaster(stockKey());
      // Writes to the dead master's slot, one every 100 ms while its replica takes over.
      const sends: Array<Promise<string>> = [];
      for (let i = 0; i < 25; i++) {
        sends.push(settleOutcome(client.incr(key)));
        await new Promise((r) => setTimeout(r, 100));
      }
      const outcomes = await Promise.all(sends);
      // The queue timer's failure says "Redis Cluster not ready (...)"; the unreachable check says "unreachable".
      expect(outcomes.filter((o) => /not ready|unreachable/.test(o))).toEqual([]);
      await cluster.waitHealthy(stockKey());
      // Checkout after the failover: holds stock on the new master; nothing oversold.
      await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 2 }]);
      // The stock (3) is all sold: one more is refused (a business refusal, not SERVICE_UNAVAILABLE nor INTERNAL_SERVER_ERROR).
      const add = await t.client.request(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: customer.token });
      const refusal = codeOf(add) ?? codeOf(await t.client.request(CreateOrderDocument, {}, { token: customer.token }));
      expect(refusal).toBeDefined();
      expect(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']).not.toContain(refusal);
      await cluster.restart(killed);
    },
    90_000,
  );
});

describe('every node down, then back', () => {
  itProductionProfile(
    'a command in flight when every node dies is not executed later (rule: a command rejected is never executed once the cluster is back)',
    async () => {
      const list = `${t.redisPrefix}{atk}:inflight`;
      // A BLPOP the node holds (no reply yet): in flight when the whole cluster dies.
      const popped = settleOutcome(redis().blpop(list, 0));
      await new Promise((r) => setTimeout(r, 100));
      await cluster.killAll();
      // No wait for the cluster: the caller gets its failure while the cluster stays down.
      const outcome = await within(popped, 10_000);
      expect(outcome).toMatch(/^failed/);
      await restartAll();
      await appClientBack();
      // The caller was told the BLPOP failed; a value pushed now (by another client) must stay in the list.
      const other = await ownClient(2000);
      await other.rpush(list, 'must-stay');
      await new Promise((r) => setTimeout(r, 2000));
      const left = await other.lrange(list, 0, -1);
      await other.del(list);
      expect({ rule: 'a rejected command is never executed later', left }).toEqual({
        rule: 'a rejected command is never executed later',
        left: ['must-stay'],
      });
    },
    120_000,
  );

  /** The product the checkouts racing the outage bought, and how many of them succeeded. */
  let raced: { productId: number; stock: number; sold: number } | null = null;

  itProductionProfile(
    'requests in flight when every node dies all answer before 10 s, SERVICE_UNAVAILABLE or a right answer (never INTERNAL_SERVER_ERROR)',
    async () => {
      await appClientBack();
      // The cluster keeps its data through this outage (as a production one with persistence would).
      await persistEveryWrite();
      const product = await createProduct(t.client, seller.token, { name: 'outage in flight', stock: 100 });
      const customers = await Promise.all(Array.from({ length: 12 }, () => signUpAs(t.client, 'CUSTOMER')));
      for (const c of customers) await t.client.ok(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: c.token });
      // Checkouts and logins racing the kill.
      const checkouts = customers.map((c) =>
        t.client
          .request(CreateOrderDocument, {}, { token: c.token })
          .then(codeOf)
          .catch((err: Error) => `NO ANSWER: ${err.message}`),
      );
      const logins = customers.map((c) =>
        t.client
          .request(LoginDocument, { input: { role: 'CUSTOMER', email: c.email, password: 'password1234' } })
          .then(codeOf)
          .catch((err: Error) => `NO ANSWER: ${err.message}`),
      );
      await new Promise((r) => setTimeout(r, 30));
      await cluster.killAll();
      const codes = await within(Promise.all([...checkouts, ...logins]), 10_000);
      expect(codes).not.toBe('still waiting');
      const sold = (await Promise.all(checkouts)).filter((c) => c === undefined).length;
      raced = { productId: Number(product.id), stock: 100, sold };
      expect((codes as Array<string | undefined>).filter((c) => c !== undefined && c !== 'SERVICE_UNAVAILABLE')).toEqual([]);
    },
    90_000,
  );

  itProductionProfile(
    'no command of a request answered during the outage stays queued, to run once the cluster is back (rule: a rejected command is never executed later)',
    async () => {
      // Every request above has its answer; the queue timer (500 ms) has removed what it covers.
      await new Promise((r) => setTimeout(r, 1500));
      expect({ rule: 'a rejected command is never executed later', queued: queuedCommands() }).toEqual({
        rule: 'a rejected command is never executed later',
        queued: [],
      });
    },
  );

  itProductionProfile(
    "many commands sent while reconnecting all fail within 10 s and none stays queued (each one's timer is cleared when it settles)",
    async () => {
      const client = redis();
      await eventually('the client lost every node', async () => client.status !== 'ready', 20_000);
      const sends: Array<Promise<string>> = [];
      const sendWhileConnecting = () => {
        if (client.status !== 'connecting') return;
        for (let i = 0; i < 500; i++) sends.push(settleOutcome(client.get(`${t.redisPrefix}atk:leak:${i}`)));
      };
      client.on('connecting', sendWhileConnecting);
      try {
        await eventually('2000 commands sent during reconnect attempts', async () => sends.length >= 2000, 30_000);
      } finally {
        client.off('connecting', sendWhileConnecting);
      }
      const outcomes = await within(Promise.all(sends), 10_000);
      expect(outcomes).not.toBe('still waiting');
      expect((outcomes as string[]).filter((o) => o === 'answered')).toEqual([]);
      // None of these commands stays queued (what the in-flight requests left is the test above's).
      expect(queuedCommands().filter((c) => c.includes('atk:leak:'))).toEqual([]);
    },
    90_000,
  );

  itProductionProfile(
    'with every node down, a sweeper run settles instead of waiting for the cluster',
    async () => {
      const sweep = within(
        sweeperWithoutGrace(t.app)
          .runOnce()
          .then(
            () => 'done',
            () => 'failed',
          ),
        15_000,
      );
      expect(await sweep).not.toBe('still waiting');
    },
    30_000,
  );

  itProductionProfile(
    'when the cluster comes back, the same instance works again: /readyz 200, login, checkout, events reach a subscriber made before the outage',
    async () => {
      await restartAll(true);
      await appClientBack();
      await eventually('/readyz 200', async () => (await fetch(`${t.url}/readyz`)).status === 200, 30_000);
      const customer = await signUpAs(t.client, 'CUSTOMER');
      const login = await t.client.request(LoginDocument, { input: { role: 'CUSTOMER', email: customer.email, password: 'password1234' } });
      expect(codeOf(login)).toBeUndefined();
      const product = await createProduct(t.client, seller.token, { name: 'after the outage', stock: 2 });
      const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 2 }]);
      expect(order).toBeTruthy();
      await eventually(
        'an event published after the comeback reaches the subscriber made before the outage',
        async () => {
          await t.app.events.publish('auth.session-revoked', { sessionId: 'after-outage' });
          await new Promise((r) => setTimeout(r, 300));
          return heard.includes('after-outage');
        },
        20_000,
      );
    },
    120_000,
  );

  itProductionProfile(
    'a checkout that answered SERVICE_UNAVAILABLE at the outage holds no stock once the cluster is back (rule: a rejected command is never executed later)',
    async () => {
      expect(raced).not.toBeNull();
      const { productId, stock, sold } = raced!;
      // The queued commands have been sent by now (the cluster is back, the test above used it).
      const counter = (await t.app.stock.counters([productId])).get(productId) ?? 'no counter';
      await sweeperWithoutGrace(t.app).runOnce();
      const afterSweep = (await t.app.stock.counters([productId])).get(productId) ?? 'no counter';
      // No counter: rebuilt from MySQL at the next checkout. A counter: what MySQL says is left.
      expect({ rule: 'a rejected reserve holds no stock', sold, counter, afterSweep }).toEqual({
        rule: 'a rejected reserve holds no stock',
        sold,
        counter: counter === 'no counter' ? 'no counter' : stock - sold,
        afterSweep: afterSweep === 'no counter' ? 'no counter' : stock - sold,
      });
    },
    30_000,
  );
});
