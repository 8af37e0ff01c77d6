import mysql from 'mysql2/promise';
import { indexProducts, withBenchOrm } from './bench-orm';
import { benchAppEnv, DURATION, gql, load, MYSQL_URL, spawnApp, spawnServer, type LoadResult, type Proc } from './lib';
import { product, QUERY_SETS } from './search-data';

const PRODUCTS = Number(process.env.BENCH_SEARCH_PRODUCTS ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RESEED = process.env.BENCH_SEARCH_RESEED === '1';
const DB = 'mp_bench_search';
const SEED = 17;
/** What the bench database holds; a database marked with anything else is seeded again. Bump with the generator. */
const CATALOG = `products=${PRODUCTS} seed=${SEED} generator=1`;
const CATEGORIES = ['신발', '가방·잡화', '의류', '디지털', '가전', '쌀·면', '신선식품', '음료·간식', '생활·주방', '뷰티'];
/** Products are one minute apart, the newest at this time: the same rows in every run. */
const NEWEST = Date.UTC(2026, 10, 30);

export const SEARCH_QUERY = `query($q: String) { products(search: $q, first: 20) { totalCount edges { node { id name price status } } } }`;
const SEARCH_NO_COUNT = `query($q: String) { products(search: $q, first: 20) { edges { node { id name price status } } } }`;

export type SearchData = {
  products: number;
  listed: number;
  reused: boolean;
  seedSeconds: number;
  indexSeconds: number;
  docRows: number;
  gramRows: number;
  indexMb: number;
};
export type SearchSetResult = {
  name: string;
  queries: Array<{ q: string; ours: number; like: number }>;
  ours: LoadResult;
  oursNoCount: LoadResult;
  like: LoadResult;
};

async function seed(conn: mysql.Connection): Promise<void> {
  const at = new Date(NEWEST);
  await conn.query('insert into seller (email, name, password_hash, created_at, updated_at) values ?', [
    Array.from({ length: 20 }, (_, i) => [`seller${i}@bench-search.kr`, `판매자 ${i}`, 'not-a-login', at, at]),
  ]);
  await conn.query('insert into category (name, created_at) values ?', [CATEGORIES.map((name) => [name, at])]);
  for (let start = 0; start < PRODUCTS; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, PRODUCTS - start) }, (_, j) => {
      const i = start + j;
      const p = product(SEED, i);
      const created = new Date(NEWEST - (PRODUCTS - 1 - i) * 60_000);
      const deleted = p.deleted ? created : null;
      return [1 + (i % 20), 1 + p.kind, p.name, p.description, p.price, 1 + ((i * 7919) % 500), p.status, deleted, created, created];
    });
    await conn.query(
      'insert into product (seller_id, category_id, name, description, price, stock, status, deleted_at, created_at, updated_at) values ?',
      [rows],
    );
  }
}

async function one<T>(conn: mysql.Connection, sql: string): Promise<T> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
  return rows[0] as T;
}

/** The marker of a bench database left by an earlier run, if there is one. */
async function readMarker(): Promise<Map<string, string>> {
  const conn = await mysql.createConnection(MYSQL_URL);
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`select name, value from \`${DB}\`.bench_meta`);
    return new Map(rows.map((r) => [String(r.name), String(r.value)]));
  } catch {
    return new Map();
  } finally {
    await conn.end();
  }
}

async function dropDatabase(): Promise<void> {
  const conn = await mysql.createConnection(MYSQL_URL);
  await conn.query(`drop database if exists \`${DB}\``);
  await conn.end();
}

/**
 * The bench database: kept between runs (seeding and indexing take minutes). Reused when its
 * marker says it holds this catalog and its index is complete; BENCH_SEARCH_RESEED=1 starts over.
 */
async function prepare(): Promise<SearchData> {
  let marker = RESEED ? new Map<string, string>() : await readMarker();
  if (marker.get('catalog') !== CATALOG) {
    await dropDatabase();
    marker = new Map();
  }
  return withBenchOrm(DB, async (orm, applied) => {
    const conn = await mysql.createConnection(`${MYSQL_URL}/${DB}`);
    const mark = (name: string, value: string | number) =>
      conn.query('replace into bench_meta (name, value) values (?, ?)', [name, String(value)]).then(() => marker.set(name, String(value)));
    try {
      const reused = marker.has('catalog');
      if (!reused) {
        console.log(`search: seeding ${PRODUCTS} products...`);
        const started = Date.now();
        await seed(conn);
        await conn.query('create table bench_meta (name varchar(50) primary key, value varchar(200) not null)');
        await mark('seedSeconds', (Date.now() - started) / 1000);
        await mark('catalog', CATALOG);
      }
      const { live, docs } = await one<{ live: number; docs: number }>(
        conn,
        'select (select count(*) from product where deleted_at is null) as live, (select count(*) from product_search_doc) as docs',
      );
      if (!marker.has('indexSeconds') || applied.length > 0 || Number(live) !== Number(docs)) {
        if (applied.length > 0 && reused) console.log(`search: migrations applied (${applied.join(', ')}): indexing again`);
        await conn.query(`delete from bench_meta where name <> 'catalog' and name <> 'seedSeconds'`);
        console.log('search: indexing (SqlNgramSearchIndex.reindex, batches of 1,000)...');
        let reported = 0;
        const { seconds } = await indexProducts(orm, (n) => {
          if (n - reported >= 10_000) console.log(`  ${(reported = n)} products indexed`);
        });
        const grams = await one<{ n: number }>(conn, 'select count(*) as n from product_search_gram');
        await mark('gramRows', grams.n);
        await mark('indexSeconds', seconds);
      }
      await conn.query('analyze table product_search_gram, product_search_doc, product');
      const size = await one<{ mb: number }>(
        conn,
        `select sum(data_length + index_length) / 1048576 as mb from information_schema.tables
          where table_schema = '${DB}' and table_name in ('product_search_gram', 'product_search_doc')`,
      );
      const listed = await one<{ n: number }>(conn, 'select count(*) as n from product where listed = true');
      return {
        products: PRODUCTS,
        listed: Number(listed.n),
        reused,
        seedSeconds: Number(marker.get('seedSeconds')),
        indexSeconds: Number(marker.get('indexSeconds')),
        docRows: Number(live),
        gramRows: Number(marker.get('gramRows')),
        indexMb: Math.round(Number(size.mb)),
      };
    } finally {
      await conn.end();
    }
  });
}

async function postLike(url: string, q: string): Promise<{ data: { products: { totalCount: number } } }> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ query: SEARCH_QUERY, variables: { q } }) });
  if (!res.ok) throw new Error(`the LIKE handler failed: ${await res.text()}`);
  return (await res.json()) as { data: { products: { totalCount: number } } };
}

/** Each query once on both servers: both must answer, and say how many products they found. */
async function check(app: Proc, like: Proc, q: string): Promise<{ q: string; ours: number; like: number }> {
  const ours = await gql(app.url, SEARCH_QUERY, { q });
  const bare = await gql(app.url, SEARCH_NO_COUNT, { q });
  if (ours.errors || !ours.data || bare.errors)
    throw new Error(`products(search: ${JSON.stringify(q)}): ${JSON.stringify(ours.errors ?? bare.errors)}`);
  return { q, ours: ours.data.products.totalCount as number, like: (await postLike(like.url, q)).data.products.totalCount };
}

/**
 * A LIKE search reads every listed product: at 50 connections on 2 cores each request waits for
 * many others, past autocannon's default 10 s timeout, and a 10-second run completes only a few.
 * So requests may take a minute, the LIKE handler is measured for at least 30 s, and each load
 * starts after the server has answered what its warm-up left queued (requests a client gave up
 * on still run on the server).
 */
const TIMEOUT = 60;
const LIKE_SECONDS = Math.max(DURATION, 30);
const bodies = (query: string, queries: string[]) => queries.map((q) => JSON.stringify({ query, variables: { q } }));

/**
 * Search benchmark: `products(search:)` through the app on a 100,000-product Korean catalog,
 * against a bare handler doing `LIKE '%word%'` on the same rows, per query set.
 */
export async function searchBenchmark(): Promise<{ data: SearchData; sets: SearchSetResult[] }> {
  const data = await prepare();
  console.log(
    `search: ${data.products} products (${data.listed} listed), ${data.reused ? 'reused' : 'seeded'}; seeding took ${data.seedSeconds.toFixed(0)} s,` +
      ` indexing ${data.indexSeconds.toFixed(0)} s; index: ${data.docRows} docs, ${data.gramRows} gram rows, ~${data.indexMb} MB`,
  );
  const env = benchAppEnv(DB, 'mp_bench_search:');
  const procs: Proc[] = [];
  try {
    const app = await spawnApp(env);
    procs.push(app);
    const like = await spawnServer('bench/search-like-server.ts', env);
    procs.push(like);
    const sets: SearchSetResult[] = [];
    for (const set of QUERY_SETS) {
      const queries = [];
      for (const q of set.queries) queries.push(await check(app, like, q));
      console.log(`search: ${set.name} (${set.queries.join(', ')}), ${CONNECTIONS} connections...`);
      const drainApp = () => gql(app.url, SEARCH_QUERY, { q: set.queries[0] });
      const drainLike = () => postLike(like.url, set.queries[0]);
      const options = (afterWarmUp: () => Promise<unknown>) => ({ timeout: TIMEOUT, afterWarmUp });
      const ours = await load(`${app.url}/graphql`, bodies(SEARCH_QUERY, set.queries), CONNECTIONS, DURATION, options(drainApp));
      await drainApp();
      const oursNoCount = await load(`${app.url}/graphql`, bodies(SEARCH_NO_COUNT, set.queries), CONNECTIONS, DURATION, options(drainApp));
      await drainApp();
      const likeResult = await load(like.url, bodies(SEARCH_QUERY, set.queries), CONNECTIONS, LIKE_SECONDS, options(drainLike));
      await drainLike();
      sets.push({ name: set.name, queries, ours, oursNoCount, like: likeResult });
    }
    return { data, sets };
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

/** Requests completed per second of the measurement, to a tenth: the LIKE handler completes a few a second. */
const perSecond = (r: LoadResult, seconds: number) => r.total / seconds;
const ms = (r: LoadResult, seconds = DURATION) =>
  `${perSecond(r, seconds).toFixed(1).padStart(6)} req/s ${String(r.p50).padStart(5)} / ${String(r.p99).padStart(5)} ms`;

/** The results as a table: req/s and p50 / p99 per query set, and how many products each query found. */
export function printSearchResults({ sets }: { sets: SearchSetResult[] }): void {
  console.log(
    `\nsearch: products(search: $q, first: 20) { totalCount edges { node { id name price status } } }, ${CONNECTIONS} connections`,
  );
  console.log(
    `  ${'set'.padEnd(14)} ${'ours'.padEnd(29)} ${'ours, no totalCount'.padEnd(29)} ${`LIKE (${LIKE_SECONDS} s)`.padEnd(29)} ours/LIKE  errors`,
  );
  for (const s of sets) {
    const errors = [s.ours, s.oursNoCount, s.like].map((r) => r.errors + r.non2xx).join('/');
    const like = perSecond(s.like, LIKE_SECONDS);
    const ratio = like > 0 ? (perSecond(s.ours, DURATION) / like).toFixed(1) : '-';
    console.log(
      `  ${s.name.padEnd(14)} ${ms(s.ours)}   ${ms(s.oursNoCount)}   ${ms(s.like, LIKE_SECONDS)}   ${ratio.padStart(8)}  ${errors}`,
    );
  }
  console.log('  found (ours / LIKE):');
  for (const s of sets) console.log(`    ${s.queries.map((q) => `${q.q} ${q.ours}${q.ours === q.like ? '' : ` / ${q.like}`}`).join(', ')}`);
}
