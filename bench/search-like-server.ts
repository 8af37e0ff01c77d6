/**
 * The reference for the search benchmark: a bare node:http handler on a mysql2 pool that answers
 * `products(search: $q, first: 20) { totalCount edges { node { id name price status } } }` the
 * naive way, with `LIKE '%word%'` on the product's name and description (each whitespace-separated
 * word must be in one of them: MySQL's utf8mb4_unicode_ci collation makes it case-insensitive),
 * newest first, plus the count. No index can serve a leading wildcard: every search reads the
 * listed products.
 */
import mysql from 'mysql2/promise';
import { serveJson } from './bare-http';

// As many connections as the API reads with: its read pool (DATABASE_READ_POOL_SIZE, set by the benchmark for both).
const pool = mysql.createPool({
  uri: process.env.DATABASE_URL!,
  connectionLimit: Number(process.env.DATABASE_READ_POOL_SIZE),
  timezone: 'Z',
});

const escapeLike = (word: string) => word.replace(/[\\%_]/g, (c) => '\\' + c);

async function search(q: string) {
  const words = q.split(/\s+/u).filter(Boolean);
  const where = ['listed = true', ...words.map(() => '(name like ? or description like ?)')].join(' and ');
  const params = words.flatMap((w) => [`%${escapeLike(w)}%`, `%${escapeLike(w)}%`]);
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    `select id, name, price, status from product where ${where} order by created_at desc, id desc limit 21`,
    params,
  );
  const [[count]] = await pool.query<mysql.RowDataPacket[]>(`select count(*) as n from product where ${where}`, params);
  return {
    data: {
      products: {
        totalCount: Number(count.n),
        edges: rows.slice(0, 20).map((p) => ({ node: { id: String(p.id), name: p.name, price: p.price, status: p.status } })),
      },
    },
  };
}

serveJson(
  (body) => search(String((JSON.parse(body) as { variables: { q: string } }).variables.q)),
  () => pool.end(),
  {
    readsBody: true,
  },
);
