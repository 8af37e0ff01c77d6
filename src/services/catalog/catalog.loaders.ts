import type { EntityManager } from '@mikro-orm/knex';
import DataLoader from 'dataloader';
import type { ReadWork } from '../../db/read-route';
import { asDate, sqlOf, type Sql } from '../../db/sql';

/** Plain rows for the read path: no entity hydration, so a product page stays cheap. */
export type SellerRecord = { id: number; email: string; name: string; createdAt: Date };
export type CategoryRecord = { id: number; name: string; parentId: number | null };
export type ProductImageRecord = { id: number; productId: number; url: string; position: number };

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * Batches the reads a product page needs, so a page costs a fixed number of queries. Made per
 * request. Plain SQL (db/sql.ts): a listing page runs these on every request. `read` runs each
 * batch on the request's read route (a replica or the primary, db/read-route.ts).
 */
export function createCatalogLoaders(read: <T>(work: ReadWork<T>) => Promise<T>) {
  const sql = {
    rows: <T>(text: string, params: readonly unknown[]) => read((em: EntityManager) => sqlOf(em).rows<T>(text, params)),
  } satisfies Pick<Sql, 'rows'>;
  return {
    sellerById: new DataLoader<number, SellerRecord | null>(async (ids) => {
      const rows = await sql.rows<{ id: number; email: string; name: string; created_at: unknown }>(
        `select id, email, name, created_at from seller where id in (${placeholders(ids.length)})`,
        ids,
      );
      return byKey(
        ids,
        rows.map((r) => ({ id: Number(r.id), email: r.email, name: r.name, createdAt: asDate(r.created_at) })),
        (r) => r.id,
      );
    }),
    categoryById: new DataLoader<number, CategoryRecord | null>(async (ids) => {
      const rows = await sql.rows<{ id: number; name: string; parent_id: number | null }>(
        `select id, name, parent_id from category where id in (${placeholders(ids.length)})`,
        ids,
      );
      return byKey(
        ids,
        rows.map((r) => ({ id: Number(r.id), name: r.name, parentId: r.parent_id === null ? null : Number(r.parent_id) })),
        (r) => r.id,
      );
    }),
    // Units of unpaid orders: what a seller's product has on hold besides its stock (myProducts).
    heldStockByProductId: new DataLoader<number, number>(async (ids) => {
      const rows = await sql.rows<{ product_id: number; held: number | string }>(
        `select i.product_id, sum(i.quantity) as held from order_item i join customer_order o on o.id = i.order_id
          where i.product_id in (${placeholders(ids.length)}) and o.status = 'PAYMENT_PENDING' group by i.product_id`,
        ids,
      );
      const held = new Map(rows.map((r) => [Number(r.product_id), Number(r.held)]));
      return ids.map((id) => held.get(id) ?? 0);
    }),
    imagesByProductId: new DataLoader<number, ProductImageRecord[]>(async (productIds) => {
      const rows = await sql.rows<{ id: number; product_id: number; url: string; position: number }>(
        `select id, product_id, url, position from product_image where product_id in (${placeholders(productIds.length)})
          order by position, id`,
        productIds,
      );
      const grouped = new Map<number, ProductImageRecord[]>();
      for (const r of rows) {
        const productId = Number(r.product_id);
        const list = grouped.get(productId) ?? [];
        list.push({ id: Number(r.id), productId, url: r.url, position: Number(r.position) });
        grouped.set(productId, list);
      }
      return productIds.map((id) => grouped.get(id) ?? []);
    }),
  };
}

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): Array<V | null> {
  const found = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => found.get(key) ?? null);
}

export type CatalogLoaders = ReturnType<typeof createCatalogLoaders>;
