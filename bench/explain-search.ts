/**
 * `node -r @swc-node/register bench/explain-search.ts [query...]`: the SQL of the search listing
 * (ProductListing, products(search: $q, first: 20), RELEVANCE) and its count for each query, with
 * MariaDB's EXPLAIN and timings, on the search benchmark's database (mp_bench_search).
 */
import mysql from 'mysql2/promise';
import { MYSQL_URL } from './lib';
import { SqlNgramSearchIndex } from '../src/services/catalog/search/sql-ngram-search-index';
import { searchWords } from '../src/services/catalog/search/search-text';

async function main() {
  const conn = await mysql.createConnection(`${MYSQL_URL}/${process.env.BENCH_SEARCH_DB ?? 'mp_bench_search'}`);
  const analyze = process.env.ANALYZE === '1';
  for (const q of process.argv.slice(2)) {
    const match = new SqlNgramSearchIndex().match(searchWords(q));
    const from = `(${match.sql}) m join product p on p.id = m.product_id`;
    const statements = {
      page: `select p.id, p.name, p.price, p.status, m.search_rank from ${from} where p.listed = true order by m.search_rank asc, p.created_at desc, p.id desc limit 21`,
      count: `select count(*) as n from ${from} where p.listed = true`,
    };
    for (const [what, sql] of Object.entries(statements)) {
      console.log(`\n== ${q}: ${what}\n${mysql.format(sql.replace(/\s+/g, ' '), match.params as never)}`);
      const [plan] = await conn.query<mysql.RowDataPacket[]>(`explain ${sql}`, match.params);
      console.table(plan.map((r) => ({ ...r })));
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = process.hrtime.bigint();
        await conn.query(sql, match.params);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      console.log(`  ms (5 runs): ${times.map((t) => t.toFixed(1)).join(' ')}`);
      if (analyze) {
        const [[a]] = await conn.query<mysql.RowDataPacket[]>(`analyze format=json ${sql}`, match.params);
        console.log(Object.values(a)[0]);
      }
    }
  }
  await conn.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
