import type { EntityManager } from '@mikro-orm/knex';
import DataLoader from 'dataloader';
import { Category, ProductImage, Seller } from '../../entities';

/** Plain rows for the read path: no entity hydration, so a product page stays cheap. */
export type SellerRecord = { id: number; email: string; name: string; createdAt: Date };
export type CategoryRecord = { id: number; name: string; parentId: number | null };
export type ProductImageRecord = { id: number; productId: number; url: string; position: number };

/** Batches the reads a product page needs, so a page costs a fixed number of queries. Made per request. */
export function createCatalogLoaders(em: EntityManager) {
  return {
    sellerById: new DataLoader<number, SellerRecord | null>(async (ids) => {
      const rows: SellerRecord[] = await em
        .createQueryBuilder(Seller)
        .select(['id', 'email', 'name', 'createdAt'])
        .where({ id: { $in: [...ids] } })
        .execute('all', true);
      return byKey(ids, rows, (r) => r.id);
    }),
    categoryById: new DataLoader<number, CategoryRecord | null>(async (ids) => {
      const rows: Array<{ id: number; name: string; parent: number | null }> = await em
        .createQueryBuilder(Category)
        .select(['id', 'name', 'parent'])
        .where({ id: { $in: [...ids] } })
        .execute('all', true);
      return byKey(
        ids,
        rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent })),
        (r) => r.id,
      );
    }),
    imagesByProductId: new DataLoader<number, ProductImageRecord[]>(async (productIds) => {
      const rows: Array<{ id: number; product: number; url: string; position: number }> = await em
        .createQueryBuilder(ProductImage)
        .select(['id', 'product', 'url', 'position'])
        .where({ product: { $in: [...productIds] } })
        .orderBy({ position: 'asc', id: 'asc' })
        .execute('all', true);
      const grouped = new Map<number, ProductImageRecord[]>();
      for (const r of rows) {
        const list = grouped.get(r.product) ?? [];
        list.push({ id: r.id, productId: r.product, url: r.url, position: r.position });
        grouped.set(r.product, list);
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
