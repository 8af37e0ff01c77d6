import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { STOCK_SCRIPTS } from '../src/services/stock/redis-stock-guard';
import { startRedisCluster, startRedisServer } from '../test/helpers/redis-cluster';

const run = promisify(execFile);
const REQUESTS = Number(process.env.BENCH_SLOT_REQUESTS ?? 200_000);
const ROUNDS = 3;
const PREFIX = 'bench:';

export type SlotResult = {
  /** Per script and Redis: the median of ROUNDS runs, in calls per second (one Redis thread, the slot's master). */
  rows: Array<{ what: string; single: number; cluster: number }>;
  /** Checkouts per second one slot can carry: each checkout is one reserve and one settle (or release). */
  checkoutsPerSec: { single: number; cluster: number };
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The ceiling one `{stock}` slot puts on checkouts: the StockGuard's scripts run on one Redis thread
 * (the master of the slot), so `redis-benchmark` (C, 50 connections, pipelined 16 deep) calls them on
 * that master as fast as it answers. Once on a private single Redis (no epoch check), once on the master
 * of a 3+3 Redis Cluster (each script first checks the epoch: a GET and CLUSTER MYID).
 */
export async function stockSlotBenchmark(): Promise<SlotResult> {
  const cluster = await startRedisCluster();
  const single = await startRedisServer();
  try {
    const master = await cluster.masterFor(`${PREFIX}{stock}:epoch`);
    const rows: SlotResult['rows'] = [];
    const measure = async (what: string, lines: number, script: 'RESERVE' | 'SETTLE', clusterCheck: '0' | '1' = '1') => {
      const results = { single: 0, cluster: 0 };
      for (const [kind, port, check] of [
        ['single', single.port, '0'],
        ['cluster', master.port, clusterCheck],
      ] as const) {
        const args = await prepare(port, lines, script, check);
        const rounds: number[] = [];
        for (let i = 0; i < ROUNDS; i++) rounds.push(await redisBenchmark(port, args));
        results[kind] = median(rounds);
      }
      rows.push({ what, ...results });
    };
    await measure('reserve, 1 line', 1, 'RESERVE');
    await measure('reserve, 3 lines', 3, 'RESERVE');
    await measure('settle', 1, 'SETTLE');
    // What the epoch check (a GET and CLUSTER MYID per script) costs, apart from cluster mode itself.
    await measure('reserve, 1 line, cluster without the epoch check', 1, 'RESERVE', '0');
    const perCheckout = (kind: 'single' | 'cluster') => Math.round(1 / (1 / rows[0][kind] + 1 / rows[2][kind]));
    return { rows, checkoutsPerSec: { single: perCheckout('single'), cluster: perCheckout('cluster') } };
  } finally {
    await single.stop();
    await cluster.stop();
  }
}

/** Loads the script on the node, sets huge counters and the epoch, and returns redis-benchmark's command line for it. */
async function prepare(port: number, lines: number, name: 'RESERVE' | 'SETTLE', checkEpoch: '0' | '1'): Promise<string[]> {
  const redis = new Redis(port, '127.0.0.1');
  try {
    const base = `${PREFIX}{stock}:`;
    const epoch = `${base}epoch`;
    if (checkEpoch === '1') await redis.set(epoch, String(await redis.call('CLUSTER', 'MYID')));
    const script = STOCK_SCRIPTS[name];
    await redis.script('LOAD', script.source);
    const products = Array.from({ length: lines }, (_, i) => i + 1);
    for (const p of products) await redis.set(`${base}p:${p}`, String(1e15));
    // __rand_int__: a new order id (and its record's key) on every call.
    const reservation = `${base}r:__rand_int__`;
    const index = `${base}reservations`;
    // Settle drops a record and counts nothing: it has no epoch check.
    if (name === 'SETTLE') return ['EVALSHA', script.sha, '2', reservation, index, '__rand_int__'];
    const keys = [epoch, reservation, index, ...products.map((p) => `${base}p:${p}`)];
    const args = [checkEpoch, '__rand_int__', String(Date.now()), '604800', ...products.flatMap((p) => [String(p), '1'])];
    return ['EVALSHA', script.sha, String(keys.length), ...keys, ...args];
  } finally {
    redis.disconnect();
  }
}

/** Calls per second redis-benchmark reached. */
async function redisBenchmark(port: number, command: string[]): Promise<number> {
  const { stdout } = await run(
    'redis-benchmark',
    ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-P', '16', '-n', String(REQUESTS), '-r', '1000000000', '--csv', ...command],
    { timeout: 120_000 },
  );
  // "test","rps",...: the second line holds the figures.
  const line = stdout.trim().split('\n').pop()!;
  const rps = Number(line.split(',')[1].replace(/"/g, ''));
  if (!Number.isFinite(rps) || rps <= 0) throw new Error(`redis-benchmark: unexpected output ${stdout}`);
  return Math.round(rps);
}

export function printStockSlotResults(r: SlotResult): void {
  console.log(
    `\nstock slot: the StockGuard's scripts on one Redis thread (redis-benchmark, 50 connections, pipeline 16, median of ${ROUNDS})`,
  );
  for (const row of r.rows) console.log(`  ${row.what.padEnd(50)} single Redis ${row.single} /s   cluster master ${row.cluster} /s`);
  console.log(
    `  ceiling: ${r.checkoutsPerSec.single} checkouts/s on a single Redis, ${r.checkoutsPerSec.cluster} on the {stock} slot of a cluster`,
  );
}
