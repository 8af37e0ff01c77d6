import { createClient, type Client } from 'graphql-ws';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import WebSocket from 'ws';
import { TokenService } from '../src/auth/tokens';
import { Role } from '../src/entities/role';
import { formatCpu, sampleCpu, type CpuReport } from './cpu-sample';
import { BENCH_TOKEN_SECRET, benchAppEnv, gql, MYSQL_URL, REDIS_URL, spawnApp, type Proc } from './lib';
import { rssKb } from './rss';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 5000);
const BURST = Number(process.env.BENCH_BURST ?? 500);
// Per run: two sessions benchmarking at once on one MariaDB must not drop each other's database.
const DB = `mp_bench_fanout_${process.pid}`;
const PREFIX = `${DB}:`;

export type FanoutResult = {
  subscribers: number;
  events: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
  kbPerConnection: number;
  /**
   * The latency in two legs, from the bench's own subscription to the event bus's Redis channel:
   * commit time (`at`) to publication (instance B's commit and outbox relay), and publication to
   * receipt (Redis, instance A's fan-out and WebSocket write, the client). p50 / p99 in ms.
   */
  legs: { toPublish: [number, number]; toReceipt: [number, number]; burstMs: number };
  /** CPU during the burst (see cpu-sample.ts). */
  cpu: CpuReport;
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
async function pool<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/**
 * Fan-out benchmark: SUBSCRIBERS customers hold an `orderEvents` subscription on instance A;
 * BURST of them cancel an order through instance B at once. Latency is from the change's
 * commit time (`at`) to the subscriber's receipt; memory is A's RSS growth per idle connection.
 */
export async function fanoutBenchmark(): Promise<FanoutResult> {
  const admin = await mysql.createConnection(MYSQL_URL);
  await admin.query(`drop database if exists \`${DB}\``);
  const redis = new Redis(REDIS_URL);
  const env = benchAppEnv(DB, PREFIX);
  const procs: Proc[] = [];
  const clients: Client[] = [];
  try {
    const hostA = await spawnApp(env, '/readyz');
    procs.push(hostA);
    const hostB = await spawnApp({ ...env, MIGRATE_ON_START: 'false' }, '/readyz');
    procs.push(hostB);

    console.log(`fan-out: seeding ${SUBSCRIBERS} customers with sessions, and ${BURST} pending orders...`);
    const db = await mysql.createConnection(`${MYSQL_URL}/${DB}`);
    const now = new Date();
    const expires = new Date(Date.now() + 24 * 3600_000);
    await db.query('insert into seller (email, name, password_hash, created_at, updated_at) values (?, ?, ?, ?, ?)', [
      's@bench.kr',
      '판매자',
      'x',
      now,
      now,
    ]);
    await db.query(
      'insert into product (seller_id, name, description, price, stock, status, created_at, updated_at) values (1, ?, ?, 1000, 1000000, ?, ?, ?)',
      ['상품', '-', 'ON_SALE', now, now],
    );
    for (let start = 0; start < SUBSCRIBERS; start += 1000) {
      const rows = Array.from({ length: Math.min(1000, SUBSCRIBERS - start) }, (_, j) => [
        `c${start + j}@bench.kr`,
        `고객 ${start + j}`,
        'x',
        now,
        now,
      ]);
      await db.query('insert into customer (email, name, password_hash, created_at, updated_at) values ?', [rows]);
    }
    const tokens = new TokenService(BENCH_TOKEN_SECRET, 24 * 3600);
    const sessions = Array.from({ length: SUBSCRIBERS }, (_, i) => ({ id: randomUUID(), accountId: i + 1 }));
    for (let start = 0; start < SUBSCRIBERS; start += 1000) {
      const rows = sessions.slice(start, start + 1000).map((s) => [s.id, Role.CUSTOMER, s.accountId, now, expires]);
      await db.query('insert into auth_session (id, role, account_id, created_at, expires_at) values ?', [rows]);
    }
    const tokenOf = await Promise.all(
      sessions.map((s) => tokens.sign({ sessionId: s.id, role: Role.CUSTOMER, accountId: s.accountId }, expires)),
    );
    await db.query(
      'insert into cart_line (customer_id, product_id, quantity, created_at, updated_at) select id, 1, 1, now(3), now(3) from customer where id <= ?',
      [BURST],
    );
    const orderIds = await pool(
      BURST,
      32,
      async (i) => (await gql(hostB.url, 'mutation { createOrder { orderId } }', {}, tokenOf[i]))!.data!.createOrder.orderId as string,
    );
    await db.end();
    await new Promise((r) => setTimeout(r, 1000)); // the CREATED events go out before anyone listens

    console.log(`fan-out: opening ${SUBSCRIBERS} subscriptions on instance A...`);
    const baseline = rssKb(hostA.child.pid!);
    const received: number[] = [];
    const atOf = new Map<number, number>();
    let recording = false;
    let subscribed = 0;
    await pool(SUBSCRIBERS, 200, async (i) => {
      await new Promise<void>((resolve, reject) => {
        const client = createClient({
          url: `${hostA.url.replace(/^http/, 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          lazy: false,
          retryAttempts: 0,
          connectionParams: { authorization: `Bearer ${tokenOf[i]}` },
          on: { connected: () => resolve() },
          onNonLazyError: reject,
        });
        clients.push(client);
        client.subscribe<{ orderEvents: { id: string; at: string } }>(
          { query: 'subscription { orderEvents { id at kind } }' },
          {
            next: (r) => {
              if (!r.data) return;
              const now = Date.now();
              received.push(now - Date.parse(r.data.orderEvents.at));
              atOf.set(Number(r.data.orderEvents.id), Date.parse(r.data.orderEvents.at));
              if (recording) ids.set(Number(r.data.orderEvents.id), now);
            },
            error: () => undefined,
            complete: () => undefined,
          },
        );
        subscribed++;
      });
    });
    await new Promise((r) => setTimeout(r, 3000)); // idle: let every subscribe settle and the heap calm down
    const kbPerConnection = (rssKb(hostA.child.pid!) - baseline) / subscribed;

    // The bench hears each event when the relay publishes it, like instance A does.
    const published = new Map<number, number>();
    const listener = redis.duplicate();
    await listener.subscribe(`${PREFIX}order.event`);
    listener.on('message', (_channel: string, message: string) => {
      const event = JSON.parse(message) as { id: number };
      if (!published.has(event.id)) published.set(event.id, Date.now());
    });
    const ids = new Map<number, number>(); // event id -> receipt time

    console.log(`fan-out: ${BURST} status changes through instance B at once...`);
    const sampler = await sampleCpu(admin, DB, { 'instance A (subscribers)': hostA.child.pid!, 'instance B (changes)': hostB.child.pid! });
    const burstStarted = Date.now();
    recording = true;
    await Promise.all(
      orderIds.map((orderId, i) =>
        gql(hostB.url, 'mutation($o: String!) { cancelOrder(orderId: $o) { status } }', { o: orderId }, tokenOf[i]),
      ),
    );
    const deadline = Date.now() + 30_000;
    while (received.length < BURST && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const cpu = await sampler.stop();
    const burstMs = Math.max(...ids.values()) - burstStarted;
    listener.disconnect();
    const sorted = [...received].sort((x, y) => x - y);
    const toPublish: number[] = [];
    const toReceipt: number[] = [];
    for (const [id, receivedAt] of ids) {
      const at = atOf.get(id);
      const pub = published.get(id);
      if (at === undefined || pub === undefined) continue;
      toPublish.push(pub - at);
      toReceipt.push(receivedAt - pub);
    }
    toPublish.sort((x, y) => x - y);
    toReceipt.sort((x, y) => x - y);
    console.log(`fan-out: CPU from the burst's start to the last receipt (${burstMs} ms after the start; sampled until the check ends):`);
    for (const line of formatCpu(cpu, BURST / cpu.seconds, 'event')) console.log(line);
    console.log(
      `fan-out: commit -> published p50 ${percentile(toPublish, 50)} / p99 ${percentile(toPublish, 99)} ms; published -> received p50 ${percentile(toReceipt, 50)} / p99 ${percentile(toReceipt, 99)} ms`,
    );
    return {
      subscribers: subscribed,
      events: BURST,
      delivered: received.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? 0,
      kbPerConnection: Math.round(kbPerConnection * 10) / 10,
      legs: {
        toPublish: [percentile(toPublish, 50), percentile(toPublish, 99)],
        toReceipt: [percentile(toReceipt, 50), percentile(toReceipt, 99)],
        burstMs,
      },
      cpu,
    };
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    for (const p of procs) await p.stop();
    await admin.query(`drop database if exists \`${DB}\``);
    await admin.end();
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}
