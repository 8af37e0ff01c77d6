import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { connectRedis, scanKeys, type RedisClient } from '../../src/services/shared/redis-client';
import { RedisEventBus } from '../../src/services/events/redis-event-bus';
import { CreateOrderDocument, LoginDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { freePort } from '../helpers/app-process';
import { codeOf, GraphQLClient } from '../helpers/graphql-client';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster';
import {
  dropDatabase,
  isolatedNames,
  itProductionProfile,
  startTestApp,
  TEST_MYSQL_URL,
  TEST_REDIS_URL,
  TEST_TOKEN_SECRET,
  type TestApp,
} from '../helpers/test-app';

/**
 * Attacks on the Redis Cluster support (issue #19): an operator's mistakes and the cluster's worst
 * moments. Each test is named after the rule it checks. The cluster is broken on purpose near the end
 * of the file (a whole master/replica pair, then every node), so the tests run in order.
 */
let cluster: TestRedisCluster;
let t: TestApp;
let seller: TestAccount;
const clients: RedisClient[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  // startTestApp also passes REDIS_URL (the shared single Redis): with REDIS_CLUSTER_NODES it must stay unused.
  t = await startTestApp({ ...cluster.env, REDIS_COMMAND_TIMEOUT_MS: '500', LOGIN_MAX_FAILURES: '3' });
  seller = await signUpAs(t.client, 'SELLER');
}, 120_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  // The app stops first (its connections end, so nothing holds a lock DROP DATABASE would wait for).
  await t?.close();
  await cluster?.stop();
}, 90_000);

const stockKey = () => `${t.redisPrefix}{stock}:epoch`;

/** Keys under `prefix` on the shared single Redis (REDIS_URL). */
async function keysOnSingleRedis(prefix: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Boots the app with `env` over a database of its own; returns the startup error's message (or null if it started). */
async function startupError(env: Record<string, string>): Promise<string | null> {
  const { dbName, redisPrefix } = isolatedNames();
  const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-attack-'));
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      AUTH_TOKEN_SECRET: TEST_TOKEN_SECRET,
      DATABASE_URL: `${TEST_MYSQL_URL}/${dbName}`,
      REDIS_KEY_PREFIX: redisPrefix,
      LOCAL_STORAGE_DIR: mediaDir,
      PASSWORD_HASH_MEMORY_KIB: '4096',
      PASSWORD_HASH_TIME_COST: '1',
      ...env,
    });
    const app = await createApp(config);
    await app.close();
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await dropDatabase(dbName);
    fs.rmSync(mediaDir, { recursive: true, force: true });
  }
}

describe('every Redis use goes through the cluster', () => {
  itProductionProfile('every Redis use goes through the cluster: nothing lands on the REDIS_URL Redis', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    // A failed login (throttle counters), a good one (known clients), a checkout (stock guard, order rate, events).
    const bad = await t.client.request(LoginDocument, { input: { role: 'CUSTOMER', email: customer.email, password: 'wrong-password-1' } });
    expect(codeOf(bad)).toBe('UNAUTHENTICATED');
    await t.client.ok(LoginDocument, { input: { role: 'CUSTOMER', email: customer.email, password: 'password1234' } });
    const product = await createProduct(t.client, seller.token, { name: '클러스터 전용', stock: 5 });
    await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    const onCluster: string[] = [];
    for await (const batch of scanKeys(t.app.redis!, `${t.redisPrefix}*`)) onCluster.push(...batch);
    expect(onCluster.length).toBeGreaterThan(0);
    expect(await keysOnSingleRedis(t.redisPrefix)).toEqual([]);
  });
});

describe('a clear startup error naming the setting', () => {
  itProductionProfile('with no seed node answering, the startup error names REDIS_CLUSTER_NODES', async () => {
    const port = await freePort();
    const message = await startupError({ REDIS_CLUSTER_NODES: `127.0.0.1:${port}` });
    expect(message).not.toBeNull();
    expect(message).toContain('REDIS_CLUSTER_NODES');
  });

  itProductionProfile('REDIS_CLUSTER_NODES naming a Redis that is not a cluster: the startup error names the setting', async () => {
    const single = new URL(TEST_REDIS_URL);
    const message = await startupError({ REDIS_CLUSTER_NODES: `${single.hostname}:${single.port || 6379}` });
    expect(message).not.toBeNull();
    expect(message).toContain('REDIS_CLUSTER_NODES');
  });
});

describe('a cluster whose nodes need a password', () => {
  let secured: TestRedisCluster | null = null;
  beforeAll(async () => {
    // Three masters (no replicas) with `--requirepass`/`--masterauth`.
    secured = await startRedisCluster({ replicas: 0, password: 'attack-secret-pw' });
  }, 60_000);
  afterAll(async () => {
    await secured?.stop();
  });

  itProductionProfile('REDIS_PASSWORD is applied to every node, the event bus subscriber included', async () => {
    const config = {
      nodes: secured!.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
      username: undefined,
      password: 'attack-secret-pw',
      tls: false,
      commandTimeoutMs: 2000,
    };
    const publisher = await connectRedis({ cluster: config }, createLogger('silent'));
    clients.push(publisher);
    // Keys in every slot range, each master written.
    for (let i = 0; i < 30; i++) await publisher.set(`attack:pw:${i}`, String(i));
    const bus = new RedisEventBus(publisher, 'attack:pw:');
    const got: unknown[] = [];
    await bus.subscribe('auth.session-revoked', (payload) => got.push(payload));
    await bus.publish('auth.session-revoked', { sessionId: 'attack-1' });
    await eventually('the message arrives', async () => got.length === 1, 10_000);
    await bus.close();
  });

  itProductionProfile('a cluster asking for a password the settings lack: the startup error names REDIS_PASSWORD', async () => {
    const message = await startupError({ REDIS_CLUSTER_NODES: secured!.seedNodes });
    expect(message).not.toBeNull();
    expect(message).toMatch(/REDIS_PASSWORD|NOAUTH|auth/i);
  });
});

describe('the cluster losing a whole shard, then every node', () => {
  itProductionProfile(
    '/readyz is honest: 503 while the cluster cannot serve keys (a master and its replica both down)',
    async () => {
      const customer = await signUpAs(t.client, 'CUSTOMER');
      const product = await createProduct(t.client, seller.token, { name: '샤드 장애', stock: 5 });
      await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
      // The {stock} master dies, its replica takes over; then the promoted replica dies too: those slots have no one.
      await cluster.killMaster(stockKey());
      await cluster.waitHealthy(stockKey());
      await cluster.killMaster(stockKey());
      // Checkout now cannot hold stock: SERVICE_UNAVAILABLE (the rule of the failover), never an answer.
      await eventually(
        'checkout refused with SERVICE_UNAVAILABLE',
        async () => codeOf(await t.client.request(CreateOrderDocument, {}, { token: customer.token })) === 'SERVICE_UNAVAILABLE',
      );
      // Asked several times: a PING goes to any node, and most of them still answer PONG in a failed cluster.
      const answers: Array<[number, string]> = [];
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${t.url}/readyz`);
        answers.push([res.status, ((await res.json()) as { redis: string }).redis]);
      }
      expect(answers.filter(([status, redis]) => status === 200 || redis === 'ok')).toEqual([]);
    },
    90_000,
  );

  itProductionProfile(
    'with every cluster node down, a login answers SERVICE_UNAVAILABLE (no hang past REDIS_COMMAND_TIMEOUT_MS)',
    async () => {
      const customer = await signUpAs(t.client, 'CUSTOMER');
      await cluster.killAll();
      // The app's client notices every connection closed.
      await eventually('the cluster client sees every node gone', async () => (t.app.redis as Cluster).status !== 'ready', 10_000);
      const login = await t.client.request(LoginDocument, { input: { role: 'CUSTOMER', email: customer.email, password: 'password1234' } });
      expect(codeOf(login)).toBe('SERVICE_UNAVAILABLE');
      const res = await fetch(`${t.url}/readyz`);
      expect(res.status).toBe(503);
    },
    30_000,
  );

  itProductionProfile(
    'with every cluster node down, a command sent while the client tries to reconnect fails too (none waits for the cluster to come back)',
    async () => {
      const redis = t.app.redis as Cluster;
      // ioredis queues a command sent during a reconnect attempt until a connect succeeds: with every
      // node down, never. A job's run (the outbox relay in its MySQL transaction) would wait for ever.
      const outcomes: Array<Promise<string>> = [];
      const sendWhileConnecting = () => {
        if (redis.status === 'connecting')
          outcomes.push(
            redis.get('attack:outage').then(
              () => 'answered',
              () => 'failed',
            ),
          );
      };
      redis.on('connecting', sendWhileConnecting);
      try {
        await eventually('three commands sent during reconnect attempts', async () => outcomes.length >= 3, 20_000);
      } finally {
        redis.off('connecting', sendWhileConnecting);
      }
      const settled = await Promise.race([
        Promise.all(outcomes),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
      ]);
      expect(settled).toEqual(outcomes.map(() => 'failed'));
    },
    40_000,
  );

  itProductionProfile(
    'with every cluster node down, an event bus subscribing (its own copy of the client) fails instead of waiting for the cluster',
    async () => {
      // An event bus's subscriber is a copy of the app's client (duplicate()): it must be outage-aware too.
      const bus = new RedisEventBus(t.app.redis!, `${t.redisPrefix}outage:`);
      const subscribed = bus
        .subscribe('order.event', () => undefined)
        .then(
          () => 'subscribed',
          () => 'failed',
        );
      const settled = await Promise.race([
        subscribed,
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
      ]);
      await bus.close();
      expect(settled).toBe('failed');
    },
    30_000,
  );
});

describe('the server process on a cluster that goes away', () => {
  let own: TestRedisCluster | null = null;
  const names = isolatedNames();
  let child: ChildProcess | null = null;
  let exitCode: number | string | null | undefined;
  afterAll(async () => {
    if (child && exitCode === undefined) child.kill('SIGKILL');
    await own?.stop();
    await dropDatabase(names.dbName);
  });

  itProductionProfile(
    'the process survives every cluster node dying: it stays up and answers SERVICE_UNAVAILABLE',
    async () => {
      own = await startRedisCluster();
      const port = await freePort();
      child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, '../../src/main.ts')], {
        cwd: path.join(__dirname, '../..'),
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          AUTH_TOKEN_SECRET: TEST_TOKEN_SECRET,
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'fatal',
          DATABASE_URL: `${TEST_MYSQL_URL}/${names.dbName}`,
          REDIS_URL: 'redis://127.0.0.1:1',
          REDIS_CLUSTER_NODES: own.seedNodes,
          REDIS_KEY_PREFIX: names.redisPrefix,
          REDIS_COMMAND_TIMEOUT_MS: '500',
          PASSWORD_HASH_MEMORY_KIB: '4096',
          PASSWORD_HASH_TIME_COST: '1',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code, signal) => (exitCode = code ?? (signal as never)));
      try {
        const base = `http://127.0.0.1:${port}`;
        await eventually('the process is ready', async () => (await fetch(`${base}/readyz`)).status === 200, 60_000);
        const client = new GraphQLClient(`${base}/graphql`);
        const customer = await signUpAs(client, 'CUSTOMER');
        await own.killAll();
        // A few requests over the next seconds, while the client keeps trying to reach the cluster.
        const codes: Array<string | undefined> = [];
        for (let i = 0; i < 5 && exitCode === undefined; i++) {
          const login = await client
            .request(LoginDocument, { input: { role: 'CUSTOMER', email: customer.email, password: 'password1234' } })
            .catch((err: Error) => ({ errors: [{ message: err.message, extensions: { code: 'NO ANSWER' } }] }) as never);
          codes.push(codeOf(login));
          await new Promise((r) => setTimeout(r, 1000));
        }
        expect({ exitCode, stderr: stderr.slice(0, 2000) }).toEqual({ exitCode: undefined, stderr: expect.any(String) });
        expect(codes).toEqual(codes.map(() => 'SERVICE_UNAVAILABLE'));
      } finally {
        if (exitCode !== undefined) child = null;
      }
    },
    120_000,
  );

  itProductionProfile(
    'graceful stop during a cluster outage: SIGTERM exits 0 (main.ts), as with Redis up',
    async () => {
      expect(child).not.toBeNull();
      const running = child!;
      const exited = new Promise<unknown>((resolve) =>
        exitCode !== undefined ? resolve(exitCode) : running.once('exit', (code, signal) => resolve(code ?? signal)),
      );
      running.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    30_000,
  );
});
