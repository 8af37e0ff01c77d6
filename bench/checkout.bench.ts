import Redis, { Cluster } from 'ioredis';
import mysql from 'mysql2/promise';
import { startRedisCluster } from '../test/helpers/redis-cluster';
import { formatCpu, sampleCpu, type CpuReport } from './cpu-sample';
import { benchAppEnv, gql, MYSQL_URL, REDIS_URL, spawnApp, type Proc } from './lib';

const BUYERS = Number(process.env.BENCH_BUYERS ?? 200);
const HOT_STOCK = Number(process.env.BENCH_HOT_STOCK ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_DURATION ?? 10);
const SCARCE_STOCK = 50;
// Per run: two sessions benchmarking at once on one MariaDB must not drop each other's database.
const DB = `mp_bench_checkout_${process.pid}`;
const PREFIX = `${DB}:`;

export type CheckoutResult = {
  ordersPerSec: number;
  orders: number;
  p50: number;
  p99: number;
  errors: number;
  oversold: number;
  redisAgrees: boolean;
  scarce: { buyers: number; stock: number; orders: number; outOfStock: number; oversold: number };
  /** Where the CPU went during the measured window (see cpu-sample.ts). */
  cpu: CpuReport;
};

async function must(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const body = await gql(url, query, variables, token);
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`;
const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const ADD = `mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { totalAmount } }`;
const ORDER = `mutation { createOrder { orderId totalAmount } }`;

async function buyers(urls: string[], productId: string, n: number, tag: string): Promise<Array<{ token: string; url: string }>> {
  const out: Array<{ token: string; url: string }> = [];
  for (let start = 0; start < n; start += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - start) }, async (_, j) => {
        const i = start + j;
        const url = urls[i % urls.length];
        const { signUp } = await must(url, SIGN_UP, {
          input: { role: 'CUSTOMER', email: `${tag}${i}@bench.kr`, password: 'bench-password', name: `구매자 ${i}` },
        });
        await must(url, ADD, { p: productId }, signUp.token);
        return { token: signUp.token as string, url };
      }),
    );
    out.push(...batch);
  }
  return out;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function unitsOrdered(conn: mysql.Connection, productId: string): Promise<number> {
  const [rows] = await conn.query('select coalesce(sum(quantity), 0) as n from order_item where product_id = ?', [productId]);
  return Number((rows as Array<{ n: string }>)[0].n);
}
async function stockOf(conn: mysql.Connection, productId: string): Promise<number> {
  const [rows] = await conn.query('select stock from product where id = ?', [productId]);
  return Number((rows as Array<{ stock: number }>)[0].stock);
}

/**
 * Checkout benchmark: two app instances (separate processes) on one MariaDB + Redis (or a Redis Cluster); BUYERS
 * customers order one unit of the same hot product again and again for BENCH_DURATION seconds.
 * Then BUYERS customers race for a product with 50 units. Oversell is counted from MySQL.
 */
export async function checkoutBenchmark(options: { cluster?: boolean } = {}): Promise<CheckoutResult> {
  const admin = await mysql.createConnection(MYSQL_URL);
  await admin.query(`drop database if exists \`${DB}\``);
  // `cluster`: the instances use a 3-master, 3-replica Redis Cluster of their own (the test helper's) instead of REDIS_URL.
  const cluster = options.cluster ? await startRedisCluster() : null;
  const redis = cluster ? new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }))) : new Redis(REDIS_URL);
  const clearRedis = async () => {
    if (cluster) return; // stopped with its data at the end
    const keys = await (redis as Redis).keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
  };
  await clearRedis();
  // Sign-up is not what is measured; cheap hashing keeps the set-up short.
  const env = benchAppEnv(DB, PREFIX, { PASSWORD_HASH_MEMORY_KIB: '4096', PASSWORD_HASH_TIME_COST: '1', ...cluster?.env });
  const procs: Proc[] = [];
  try {
    procs.push(await spawnApp(env, '/readyz'));
    procs.push(await spawnApp({ ...env, MIGRATE_ON_START: 'false' }, '/readyz'));
    const urls = procs.map((p) => p.url);
    const { signUp: seller } = await must(urls[0], SIGN_UP, {
      input: { role: 'SELLER', email: 'seller@bench.kr', password: 'bench-password', name: '판매자' },
    });
    const hot = (
      await must(urls[0], CREATE_PRODUCT, { input: { name: '인기 상품', description: '-', price: 1000, stock: HOT_STOCK } }, seller.token)
    ).createProduct.id as string;
    const scarce = (
      await must(
        urls[0],
        CREATE_PRODUCT,
        { input: { name: '한정 상품', description: '-', price: 1000, stock: SCARCE_STOCK } },
        seller.token,
      )
    ).createProduct.id as string;

    console.log(`checkout: signing up ${BUYERS} buyers over ${urls.length} instances...`);
    const hotBuyers = await buyers(urls, hot, BUYERS, 'hot');
    // Warm-up: one order each, not measured.
    await Promise.all(hotBuyers.map((b) => gql(b.url, ORDER, {}, b.token)));

    console.log(`checkout: ${BUYERS} buyers ordering the hot product for ${SECONDS} s...`);
    const latencies: number[] = [];
    let errors = 0;
    const sampler = await sampleCpu(admin, DB, { 'instance A': procs[0].child.pid!, 'instance B': procs[1].child.pid! });
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      hotBuyers.map(async (b) => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          // A reset connection counts as an error, not the end of the run.
          const res = await gql(b.url, ORDER, {}, b.token).catch(() => null);
          if (res?.data?.createOrder) latencies.push(performance.now() - t0);
          else errors++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = await sampler.stop();
    latencies.sort((a, b) => a - b);
    console.log(`checkout: CPU during the measured ${SECONDS} s (${Math.round(latencies.length / elapsed)} orders/s):`);
    for (const line of formatCpu(cpu, latencies.length / elapsed)) console.log(line);

    const conn = await mysql.createConnection(`${MYSQL_URL}/${DB}`);
    const hotStock = await stockOf(conn, hot);
    const oversold = Math.max(0, (await unitsOrdered(conn, hot)) - HOT_STOCK) + (hotStock < 0 ? -hotStock : 0);
    const counter = await redis.get(`${PREFIX}{stock}:p:${hot}`);
    const redisAgrees = counter === null || Number(counter) === hotStock;

    console.log(`checkout: ${BUYERS} buyers racing for ${SCARCE_STOCK} units...`);
    const scarceBuyers = await buyers(urls, scarce, BUYERS, 'scarce');
    const results = await Promise.all(scarceBuyers.map((b) => gql(b.url, ORDER, {}, b.token)));
    const scarceOrders = results.filter((r) => r.data?.createOrder).length;
    const outOfStock = results.filter((r) => r.errors?.[0]?.extensions?.code === 'OUT_OF_STOCK').length;
    const scarceOversold = Math.max(0, (await unitsOrdered(conn, scarce)) - SCARCE_STOCK);
    await conn.end();

    return {
      ordersPerSec: Math.round(latencies.length / elapsed),
      orders: latencies.length,
      p50: Math.round(percentile(latencies, 50)),
      p99: Math.round(percentile(latencies, 99)),
      errors,
      oversold,
      redisAgrees,
      scarce: { buyers: BUYERS, stock: SCARCE_STOCK, orders: scarceOrders, outOfStock, oversold: scarceOversold },
      cpu,
    };
  } finally {
    for (const p of procs) await p.stop();
    await admin.query(`drop database if exists \`${DB}\``);
    await admin.end();
    await clearRedis();
    redis.disconnect();
    await cluster?.stop();
  }
}
