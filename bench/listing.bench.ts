import mysql from 'mysql2/promise';
import { indexProducts, withBenchOrm } from './bench-orm';
import { benchAppEnv, load, MYSQL_URL, spawnServer, type LoadResult } from './lib';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DB = 'mp_bench_listing';

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

async function dropDatabase() {
  const conn = await mysql.createConnection(MYSQL_URL);
  await conn.query(`drop database if exists \`${DB}\``);
  await conn.end();
}

const post = async (url: string) =>
  (await (
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: LISTING_QUERY }) })
  ).json()) as unknown;

/** Listing benchmark: our /graphql against a bare node:http handler running the same SQL. */
export async function listingBenchmark(): Promise<{ ours: LoadResult; bare: LoadResult }> {
  await dropDatabase();
  const env = benchAppEnv(DB, 'mp_bench:');
  let app: Awaited<ReturnType<typeof spawnServer>> | undefined;
  let bare: Awaited<ReturnType<typeof spawnServer>> | undefined;
  try {
    console.log(`seeding ${PRODUCTS} products with 2 images each...`);
    // Seeded by SQL, so indexed for search here, before the app starts: its boot catch-up (which
    // indexes products lacking a search doc) would otherwise run in the background of the measurement.
    await withBenchOrm(DB, async (orm) => {
      await seed();
      const { indexed, seconds } = await indexProducts(orm);
      console.log(`indexed ${indexed} products for search in ${seconds.toFixed(1)} s`);
    });
    app = await spawnServer('src/main.ts', env);
    bare = await spawnServer('bench/listing-bare-server.ts', env);
    const [fromApp, fromBare] = await Promise.all([post(`${app.url}/graphql`), post(bare.url)]);
    if (JSON.stringify(fromApp) !== JSON.stringify(fromBare)) {
      throw new Error(
        `the bare handler's JSON differs from the API's:\n${JSON.stringify(fromApp).slice(0, 400)}\n${JSON.stringify(fromBare).slice(0, 400)}`,
      );
    }
    const body = JSON.stringify({ query: LISTING_QUERY });
    console.log(`listing: ${CONNECTIONS} connections...`);
    const ours = await load(`${app.url}/graphql`, body, CONNECTIONS);
    const baseline = await load(bare.url, body, CONNECTIONS);
    return { ours, bare: baseline };
  } finally {
    await bare?.stop();
    await app?.stop();
    await dropDatabase();
  }
}
