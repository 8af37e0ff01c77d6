import { createHash } from 'node:crypto';
import os from 'node:os';
import mysql from 'mysql2/promise';
import { indexProducts, withBenchOrm } from './bench-orm';
import { benchAppEnv, DURATION, load, MYSQL_URL, spawnApp, spawnServer, type LoadResult, type Proc } from './lib';
import { benchTracing, startOtlpSink } from './otlp-sink';
import { cpuMs, sampleRss } from './rss';
import { replicaEnv, replicaSelects, REPLICA_URL, untilReplicaServes } from './listing-replica';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// BENCH_LISTING_DB: another database name, so two checkouts can run the benchmark on one MariaDB.
const DB = process.env.BENCH_LISTING_DB ?? 'mp_bench_listing';

export const LISTING_QUERY = `{ products(first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
  id name price stock status createdAt category { id name } seller { id name } images { id url position } } } } }`;

async function seed(): Promise<void> {
  const conn = await mysql.createConnection(`${MYSQL_URL}/${DB}`);
  try {
    const now = Date.now();
    await conn.query('insert into seller (email, name, password_hash, created_at, updated_at) values ?', [
      Array.from({ length: 20 }, (_, i) => [`seller${i}@bench.kr`, `판매자 ${i}`, 'not-a-login', new Date(now), new Date(now)]),
    ]);
    await conn.query('insert into category (name, created_at) values ?', [
      Array.from({ length: 10 }, (_, i) => [`분류 ${i}`, new Date(now)]),
    ]);
    for (let start = 0; start < PRODUCTS; start += 1000) {
      const rows = Array.from({ length: Math.min(1000, PRODUCTS - start) }, (_, j) => {
        const i = start + j;
        const at = new Date(now - (PRODUCTS - i) * 1000);
        return [
          1 + (i % 20),
          1 + (i % 10),
          `상품 ${i}`,
          `설명 ${i}`,
          1000 + (i % 50) * 100,
          100,
          i % 97 === 0 ? 'HIDDEN' : 'ON_SALE',
          at,
          at,
        ];
      });
      await conn.query(
        'insert into product (seller_id, category_id, name, description, price, stock, status, created_at, updated_at) values ?',
        [rows],
      );
    }
    await conn.query(
      `insert into product_image (product_id, storage_key, url, content_type, size, position, created_at)
       select id, concat('products/', id, '/', n, '.jpg'), concat('https://cdn.example.kr/products/', id, '/', n, '.jpg'), 'image/jpeg', 1000, n, now(3)
       from product cross join (select 1 as n union all select 2) as positions`,
    );
  } finally {
    await conn.end();
  }
}

/** Drops the listing benchmark's database (BENCH_LISTING_DB). */
export async function dropListingDatabase(): Promise<void> {
  const conn = await mysql.createConnection(MYSQL_URL);
  await conn.query(`drop database if exists \`${DB}\``);
  await conn.end();
}

/**
 * Creates the listing benchmark's database afresh (migrated, seeded, indexed for search) and returns
 * the environment of an app instance on it. Seeded by SQL, so indexed for search here, before the app
 * starts: its boot catch-up (which indexes products lacking a search doc) would otherwise run in the
 * background of the measurement.
 */
export async function prepareListingDatabase(): Promise<Record<string, string>> {
  await dropListingDatabase();
  console.log(`seeding ${PRODUCTS} products with 2 images each...`);
  await withBenchOrm(DB, async (orm) => {
    await seed();
    const { indexed, seconds } = await indexProducts(orm);
    console.log(`indexed ${indexed} products for search in ${seconds.toFixed(1)} s`);
  });
  return benchAppEnv(DB, `${DB}:`);
}

/** The servers of the listing benchmark, measured one at a time in each round. */
export const LISTING_VARIANTS = ['uncached', 'cached', 'bare'] as const;
export type ListingVariant = (typeof LISTING_VARIANTS)[number];
export const LISTING_VARIANT_LABELS: Record<ListingVariant, string> = {
  uncached: 'ours uncached (POST)',
  cached: 'ours APQ GET, cached',
  bare: 'bare handler',
};

/** A load's result with its server's peak RSS (MB) and CPU time per request served (ms, user + system, the measured part). */
export type Measured = LoadResult & { peakRssMb: number; cpuMsPerRequest: number };
export type ListingResult = {
  connections: number;
  seconds: number;
  /** One entry per round, each with the variants measured in it (BENCH_LISTING selects them; default all three). */
  rounds: Array<Partial<Record<ListingVariant, Measured>>>;
  loadAverage: { before: number[]; after: number[] };
  /** BENCH_TRACING=1: our instances exported every span to a local receiver; what it received. */
  tracing: { requests: number; bytes: number } | null;
};

// Apollo's automatic persisted queries: the SHA-256 of the query text, hex.
const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(LISTING_QUERY).digest('hex') };
const APQ_GET_PATH = `/graphql?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery }))}`;
// A browser's or a CDN's anonymous GET: no Authorization, no body, no content-type.
const GET_HEADERS = { accept: 'application/json' };

type Answer = { status: number; cacheControl: string | null; text: string; json: { data?: unknown; errors?: unknown[] } | null };

async function request(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Answer['json'] = null;
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    // not JSON: reported with the text
  }
  return { status: res.status, cacheControl: res.headers.get('cache-control'), text, json };
}

const postJson = (url: string, body: unknown) =>
  request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function ok(answer: Answer, what: string): NonNullable<Answer['json']> {
  if (answer.status !== 200 || !answer.json || answer.json.errors || answer.json.data === undefined) {
    throw new Error(`${what} answered HTTP ${answer.status}: ${answer.text.slice(0, 400)}`);
  }
  return answer.json;
}

/**
 * Registers the listing query's hash on `app` (a POST with the query and its hash, as Apollo's
 * client does after PERSISTED_QUERY_NOT_FOUND), then checks that the anonymous GET by hash answers
 * the same data as the POST and is public for a CDN (`Cache-Control: public...`).
 */
async function checkApqGet(app: Proc): Promise<void> {
  const registered = ok(
    await postJson(`${app.url}/graphql`, { query: LISTING_QUERY, extensions: { persistedQuery } }),
    'registering the persisted query (POST with query and sha256Hash)',
  );
  const get = await request(app.url + APQ_GET_PATH, { headers: GET_HEADERS });
  const fromGet = ok(get, `the APQ GET ${APQ_GET_PATH.slice(0, 60)}...`);
  if (JSON.stringify(fromGet.data) !== JSON.stringify(registered.data)) {
    throw new Error(
      `the APQ GET's data differs from the POST's:\n${JSON.stringify(fromGet.data).slice(0, 400)}\n${JSON.stringify(registered.data).slice(0, 400)}`,
    );
  }
  if (!get.cacheControl?.startsWith('public')) {
    throw new Error(`the anonymous APQ GET of the listing is not public: Cache-Control ${JSON.stringify(get.cacheControl)}`);
  }
}

type LoadOptions = { afterWarmUp: () => Promise<unknown> };

/**
 * Runs one load against `proc`, sampling its RSS (every 100 ms) from the warm-up to the end, and
 * reading its CPU time from the end of the warm-up to the end.
 */
async function measure(proc: Proc, run: (options: LoadOptions) => Promise<LoadResult>): Promise<Measured> {
  const pid = proc.child.pid!;
  const rss = sampleRss(pid);
  let cpuAtStart = 0;
  const result = await run({ afterWarmUp: async () => (cpuAtStart = cpuMs(pid)) }).catch((err: unknown) => {
    rss.stop();
    throw err;
  });
  const cpu = cpuMs(pid) - cpuAtStart;
  return { ...result, peakRssMb: rss.stop().peakMb, cpuMsPerRequest: result.total ? Math.round((cpu / result.total) * 100) / 100 : NaN };
}

function selectedVariants(): ListingVariant[] {
  const wanted = (process.env.BENCH_LISTING ?? LISTING_VARIANTS.join(',')).split(',').map((v) => v.trim());
  for (const v of wanted) {
    if (!(LISTING_VARIANTS as readonly string[]).includes(v))
      throw new Error(`BENCH_LISTING: unknown variant ${v} (${LISTING_VARIANTS.join(', ')})`);
  }
  return LISTING_VARIANTS.filter((v) => wanted.includes(v));
}

const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

/**
 * Listing benchmark, BENCH_ROUNDS (3) rounds of: our built app without the response cache
 * (POST, RESPONSE_CACHE_TTL_SECONDS=0), a second instance with the shared response cache at its
 * default TTL driven by anonymous APQ GETs, and the bare node:http handler running the same SQL.
 * The servers run side by side but are loaded one at a time, so each has the machine to itself
 * during its turn (the idle ones only wait).
 */
export async function listingBenchmark(): Promise<ListingResult> {
  const variants = selectedVariants();
  const procs: Partial<Record<ListingVariant, Proc>> = {};
  // BENCH_TRACING=1: our instances trace every request (the default sampler) to a local receiver (README "Observability").
  const sink = benchTracing() ? await startOtlpSink() : null;
  try {
    const env = {
      ...(await prepareListingDatabase()),
      ...(sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'marketplace-bench' } : {}),
    };
    // Started one after the other: the first migrates (nothing to do after withBenchOrm, but it checks).
    // The uncached instance always runs: its answer is the reference the bare handler's must equal.
    // BENCH_REPLICA_URL: the instances read the listing from that replica (bench/listing-replica.ts).
    procs.uncached = await spawnApp({ ...env, ...replicaEnv(), RESPONSE_CACHE_TTL_SECONDS: '0' });
    if (variants.includes('cached')) procs.cached = await spawnApp({ ...env, ...replicaEnv(), MIGRATE_ON_START: 'false' });
    await untilReplicaServes(DB, procs.uncached.url);
    // The bare handler never traces: it is the same reference either way.
    if (variants.includes('bare')) procs.bare = await spawnServer('bench/listing-bare-server.ts', withoutOtel(env));

    const fromApp = ok(await postJson(`${procs.uncached.url}/graphql`, { query: LISTING_QUERY }), 'the listing POST');
    if (procs.bare) {
      const fromBare = await postJson(procs.bare.url, { query: LISTING_QUERY });
      if (JSON.stringify(fromApp) !== fromBare.text) {
        throw new Error(
          `the bare handler's JSON differs from the API's:\n${JSON.stringify(fromApp).slice(0, 400)}\n${fromBare.text.slice(0, 400)}`,
        );
      }
    }

    const body = JSON.stringify({ query: LISTING_QUERY });
    const before = loadAverage();
    const rounds: ListingResult['rounds'] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const results: Partial<Record<ListingVariant, Measured>> = {};
      for (const variant of variants) {
        const proc = procs[variant]!;
        if (variant === 'cached') await checkApqGet(proc);
        const run =
          variant === 'uncached'
            ? (o: LoadOptions) => load(`${proc.url}/graphql`, body, CONNECTIONS, undefined, o)
            : variant === 'cached'
              ? (o: LoadOptions) => load(proc.url + APQ_GET_PATH, null, CONNECTIONS, undefined, { ...o, headers: GET_HEADERS })
              : (o: LoadOptions) => load(proc.url, body, CONNECTIONS, undefined, o);
        const selectsBefore = await replicaSelects();
        results[variant] = await measure(proc, run);
        const onReplica = selectsBefore === null ? '' : `   replica ran ${(await replicaSelects())! - selectsBefore} selects`;
        console.log(`  round ${round}: ${LISTING_VARIANT_LABELS[variant].padEnd(22)} ${formatMeasured(results[variant])}${onReplica}`);
      }
      rounds.push(results);
    }
    return {
      connections: CONNECTIONS,
      seconds: DURATION,
      rounds,
      loadAverage: { before, after: loadAverage() },
      tracing: sink?.received() ?? null,
    };
  } finally {
    for (const proc of Object.values(procs)) await proc.stop();
    await sink?.close();
    await dropListingDatabase();
  }
}

const withoutOtel = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('OTEL_')));

export function formatMeasured(r: Measured): string {
  return (
    `${String(r.requestsPerSec).padStart(6)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms` +
    `   CPU ${r.cpuMsPerRequest.toFixed(2).padStart(5)} ms/req   peak RSS ${String(r.peakRssMb).padStart(4)} MB   errors ${r.errors + r.non2xx}`
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Prints the rounds, the medians over them, the ratios and the targets of issue #18. */
export function printListingResults(r: ListingResult): void {
  const variants = LISTING_VARIANTS.filter((v) => r.rounds[0]?.[v]);
  console.log(
    `\nlisting: products(first: 20) with images, category and seller; ${r.connections} connections, ${r.rounds.length} rounds of ${r.seconds} s` +
      (REPLICA_URL ? `; the app reads from the replica ${REPLICA_URL} (the bare handler from the primary)` : '') +
      `; load average before ${r.loadAverage.before.join(' ')}, after ${r.loadAverage.after.join(' ')}`,
  );
  console.log(
    r.tracing
      ? `  tracing ON (BENCH_TRACING=1): every request traced, exported over OTLP/HTTP to a local receiver (${r.tracing.requests} exports, ${Math.round(r.tracing.bytes / 2 ** 20)} MiB)`
      : '  tracing off',
  );
  r.rounds.forEach((round, i) => {
    for (const v of variants) console.log(`  round ${i + 1}  ${LISTING_VARIANT_LABELS[v].padEnd(22)} ${formatMeasured(round[v]!)}`);
  });
  const med: Partial<Record<ListingVariant, Measured>> = {};
  for (const v of variants) {
    const of = (k: keyof Measured) => Math.round(median(r.rounds.map((round) => round[v]![k])));
    med[v] = {
      requestsPerSec: of('requestsPerSec'),
      p50: of('p50'),
      p99: of('p99'),
      peakRssMb: of('peakRssMb'),
      cpuMsPerRequest: median(r.rounds.map((round) => round[v]!.cpuMsPerRequest)),
      errors: r.rounds.reduce((n, round) => n + round[v]!.errors, 0),
      non2xx: r.rounds.reduce((n, round) => n + round[v]!.non2xx, 0),
      total: r.rounds.reduce((n, round) => n + round[v]!.total, 0),
    };
  }
  console.log(`  medians over ${r.rounds.length} rounds (errors: the sum):`);
  for (const v of variants) console.log(`    ${LISTING_VARIANT_LABELS[v].padEnd(22)} ${formatMeasured(med[v]!)}`);
  if (med.uncached && med.bare) {
    const ratios = r.rounds.map((round) => round.uncached!.requestsPerSec / round.bare!.requestsPerSec);
    console.log(
      `  ratio uncached/bare: median ${median(ratios).toFixed(2)} (rounds ${ratios.map((x) => x.toFixed(2)).join(', ')}; target >= 0.6)`,
    );
    // CPU per request moves much less than req/s when other work shares the cores.
    const cpuRatios = r.rounds.map((round) => round.bare!.cpuMsPerRequest / round.uncached!.cpuMsPerRequest);
    console.log(
      `  CPU per request bare/uncached: median ${median(cpuRatios).toFixed(2)} (rounds ${cpuRatios.map((x) => x.toFixed(2)).join(', ')})`,
    );
  }
  if (med.cached) {
    const c = med.cached;
    console.log(
      `  cached APQ GET: ${c.requestsPerSec} req/s (target >= 1500), p99 ${c.p99} ms (target < 50 ms)` +
        (med.uncached ? `; ${(c.requestsPerSec / med.uncached.requestsPerSec).toFixed(1)} x uncached` : ''),
    );
  }
  const ours = (['uncached', 'cached'] as const).filter((v) => med[v]);
  if (ours.length) {
    console.log(
      `  peak RSS (median): ${variants.map((v) => `${v} ${med[v]!.peakRssMb} MB`).join(', ')}; highest of ours in any round ` +
        `${Math.max(...r.rounds.flatMap((round) => ours.map((v) => round[v]!.peakRssMb)))} MB (target < 200 MB)`,
    );
  }
}
