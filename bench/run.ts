/**
 * `npm run bench [-- listing] [-- checkout] [-- fanout] [-- search] [-- stock-slot]`: benchmarks on loopback. Figures are recorded in BENCHMARKS.md.
 * The app runs built, as `npm start` runs it (`npm run build` first, then `node <start's flags> dist/src/main.js`).
 * Env: BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (50), BENCH_PRODUCTS (10000), BENCH_BUYERS (200), BENCH_SUBSCRIBERS (5000), BENCH_BURST (500),
 * BENCH_MYSQL_URL, BENCH_REDIS_URL, BENCH_REDIS_CLUSTER=1 (checkout again on a 3+3 Redis Cluster), BENCH_NODE_ARGS (every server's node flags instead of `npm start`'s; '' for none).
 * `listing`: BENCH_ROUNDS (3) rounds of ours uncached (POST), ours through APQ GET with the response cache, and the bare
 * handler, each with its server's peak RSS; BENCH_LISTING (say `uncached,bare`) picks some; BENCH_LISTING_DB names its database;
 * BENCH_TRACING=1 runs our instances with tracing on, exporting every span to a local OTLP receiver (BENCHMARKS.md "Telemetry cost").
 * `search`: `products(search:)` on a generated Korean catalog of BENCH_SEARCH_PRODUCTS (100000) products against a bare
 * `LIKE '%word%'` handler. Its database (mp_bench_search) is kept for the next run, which reuses it when it holds the same
 * catalog (seeding and indexing take minutes); BENCH_SEARCH_RESEED=1 seeds and indexes it again.
 * `stock-slot`: the StockGuard's scripts on one Redis thread (a private single Redis, and the `{stock}` master of a 3+3
 * Redis Cluster), by redis-benchmark: the ceiling one slot puts on checkouts per second. BENCH_SLOT_REQUESTS (200000) per run.
 */
import os from 'node:os';
import { checkoutBenchmark, type CheckoutResult } from './checkout.bench';
import { benchAgent, benchNodeFlags, buildApp } from './lib';
import { fanoutBenchmark } from './fanout.bench';
import { listingBenchmark, printListingResults } from './listing.bench';
import { printSearchResults, searchBenchmark } from './search.bench';
import { printStockSlotResults, stockSlotBenchmark } from './stock-slot.bench';

async function main() {
  const wanted = process.argv.slice(2);
  const runs = (name: string) => wanted.length === 0 || wanted.includes(name);
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ` +
      `servers' node flags: ${benchNodeFlags().join(' ') || '(none)'}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  buildApp();

  if (runs('listing')) printListingResults(await listingBenchmark());

  if (runs('checkout')) {
    printCheckout('one Redis', await checkoutBenchmark());
    // BENCH_REDIS_CLUSTER=1: the same run again on a 3-master, 3-replica Redis Cluster, printed beside it.
    if (process.env.BENCH_REDIS_CLUSTER === '1')
      printCheckout('Redis Cluster (3 masters, 3 replicas)', await checkoutBenchmark({ cluster: true }));
  }

  if (runs('fanout')) {
    const r = await fanoutBenchmark();
    console.log(`\nfan-out: ${r.subscribers} orderEvents subscribers on one instance, ${r.events} changes through another`);
    console.log(`  delivered ${r.delivered}/${r.events}   latency p50 ${r.p50} ms   p99 ${r.p99} ms (target < 250)   max ${r.max} ms`);
    console.log(`  memory per idle connection: ${r.kbPerConnection} KB (target < 50)`);
    if (r.delivered < r.events) process.exitCode = 1;
  }

  if (runs('search')) printSearchResults(await searchBenchmark());

  if (runs('stock-slot')) printStockSlotResults(await stockSlotBenchmark());
}

function printCheckout(redis: string, r: CheckoutResult): void {
  console.log(`\ncheckout: ${r.scarce.buyers} concurrent buyers, one hot product, two instances, ${redis}`);
  console.log(`  ${r.ordersPerSec} orders/s (target >= 500)   p50 ${r.p50} ms   p99 ${r.p99} ms   orders ${r.orders}   errors ${r.errors}`);
  console.log(`  oversold units: ${r.oversold} (must be 0)   Redis counter agrees with MySQL: ${r.redisAgrees}`);
  console.log(
    `  race for ${r.scarce.stock} units: ${r.scarce.orders} orders, ${r.scarce.outOfStock} OUT_OF_STOCK, oversold ${r.scarce.oversold} (must be 0)`,
  );
  if (r.oversold > 0 || r.scarce.oversold > 0 || !r.redisAgrees) process.exitCode = 1;
}

main()
  .finally(() => benchAgent.destroy())
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
