/**
 * The baseline for the listing benchmark: a bare node:http handler that runs the same SQL as the
 * API's `products(first: 20)` page and answers the same JSON: the page with its count, sellers and
 * categories in one statement (the page a derived table of 21 rows, joined), then the page's images.
 */
import mysql from 'mysql2/promise';
import { serveJson } from './bare-http';

// As many connections as the API reads this page with: its read pool (DATABASE_READ_POOL_SIZE, set by the benchmark for both).
const pool = mysql.createPool({
  uri: process.env.DATABASE_URL!,
  connectionLimit: Number(process.env.DATABASE_READ_POOL_SIZE),
  timezone: 'Z',
  dateStrings: false,
});
const cursor = (createdAt: Date, id: number) => Buffer.from(JSON.stringify(['NEWEST', createdAt.getTime(), id])).toString('base64url');

type ProductRow = {
  id: number;
  name: string;
  price: number;
  stock: number;
  status: string;
  created_at: Date;
  seller_id: number;
  category_id: number | null;
  total_count: number;
  seller_name: string;
  category_name: string | null;
};

async function page() {
  const [rows] = await pool.query<(ProductRow & mysql.RowDataPacket)[]>(
    `select p.*, s.name as seller_name, c.name as category_name from (
       select p.*, (select count(*) from product q where q.listed = true) as total_count
       from product p where p.listed = true order by p.created_at desc, p.id desc limit 21
     ) p left join seller s on s.id = p.seller_id left join category c on c.id = p.category_id
     order by p.created_at desc, p.id desc`,
  );
  const items = rows.slice(0, 20);
  const [images] = await pool.query<mysql.RowDataPacket[]>(
    'select * from `product_image` as `p0` where `p0`.`product_id` in (?) order by `p0`.`position` asc, `p0`.`id` asc',
    [items.map((p) => p.id)],
  );
  return {
    data: {
      products: {
        totalCount: items.length ? Number(items[0].total_count) : 0,
        pageInfo: { hasNextPage: rows.length > 20, endCursor: items.length ? cursor(items.at(-1)!.created_at, items.at(-1)!.id) : null },
        edges: items.map((p) => ({
          cursor: cursor(p.created_at, p.id),
          node: {
            id: String(p.id),
            name: p.name,
            price: p.price,
            stock: p.stock,
            status: p.status,
            createdAt: p.created_at.toISOString(),
            category: p.category_name === null ? null : { id: String(p.category_id), name: p.category_name },
            seller: { id: String(p.seller_id), name: p.seller_name },
            images: images.filter((i) => i.product_id === p.id).map((i) => ({ id: String(i.id), url: i.url, position: i.position })),
          },
        })),
      },
    },
  };
}

serveJson(
  () => page(),
  () => pool.end(),
);
