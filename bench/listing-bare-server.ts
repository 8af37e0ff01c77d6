/**
 * The baseline for the listing benchmark: a bare node:http handler that runs the same SQL as the
 * API's `products(first: 20)` page (page, count, sellers, categories, images) and answers the same JSON.
 */
import http from 'node:http';
import mysql from 'mysql2/promise';

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
};

async function page() {
  const [rows] = await pool.query<(ProductRow & mysql.RowDataPacket)[]>(
    'select * from `product` as `p0` where `p0`.`listed` = true order by `p0`.`created_at` desc, `p0`.`id` desc limit 21',
  );
  const items = rows.slice(0, 20);
  const [[count]] = await pool.query<mysql.RowDataPacket[]>('select count(*) as `count` from `product` as `p0` where `p0`.`listed` = true');
  const sellerIds = [...new Set(items.map((p) => p.seller_id))];
  const categoryIds = [...new Set(items.map((p) => p.category_id).filter((id): id is number => id !== null))];
  const [[sellers], [categories], [images]] = await Promise.all([
    pool.query<mysql.RowDataPacket[]>('select * from `seller` as `s0` where `s0`.`id` in (?)', [sellerIds]),
    categoryIds.length ? pool.query<mysql.RowDataPacket[]>('select * from `category` as `c0` where `c0`.`id` in (?)', [categoryIds]) : [[]],
    pool.query<mysql.RowDataPacket[]>(
      'select * from `product_image` as `p0` where `p0`.`product_id` in (?) order by `p0`.`position` asc, `p0`.`id` asc',
      [items.map((p) => p.id)],
    ),
  ]);
  const sellerById = new Map(sellers.map((s) => [s.id, s]));
  const categoryById = new Map((categories as mysql.RowDataPacket[]).map((c) => [c.id, c]));
  return {
    data: {
      products: {
        totalCount: count.count,
        pageInfo: { hasNextPage: rows.length > 20, endCursor: items.length ? cursor(items.at(-1)!.created_at, items.at(-1)!.id) : null },
        edges: items.map((p) => {
          const category = p.category_id === null ? null : categoryById.get(p.category_id);
          const seller = sellerById.get(p.seller_id)!;
          return {
            cursor: cursor(p.created_at, p.id),
            node: {
              id: String(p.id),
              name: p.name,
              price: p.price,
              stock: p.stock,
              status: p.status,
              createdAt: p.created_at.toISOString(),
              category: category ? { id: String(category.id), name: category.name } : null,
              seller: { id: String(seller.id), name: seller.name },
              images: images.filter((i) => i.product_id === p.id).map((i) => ({ id: String(i.id), url: i.url, position: i.position })),
            },
          };
        }),
      },
    },
  };
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok');
  req.resume();
  req.on('end', () => {
    page()
      .then((body) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      })
      .catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
