import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { Product, ProductStatus, Seller } from '../../entities';
import { Role } from '../../entities/role';
import { forbidden, notFound } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { decodeCursor, encodeCursor, pageSize } from '../shared/cursor';
import { asDate, sqlOf } from '../../db/sql';
import type { Logger } from '../../logger';
import type { StockGuard } from '../stock/stock-guard';
import type { CategoryService } from './category.service';

export type ProductSort = 'NEWEST' | 'NAME';
export const MAX_PRODUCT_PAGE = 20;

export type CreateProductData = {
  name: string;
  description: string;
  price: number;
  stock: number;
  status?: ProductStatus | null;
  categoryId?: string | null;
};
/** As CreateProductData, all optional; `categoryId: null` removes the category. */
export type UpdateProductData = { [K in keyof CreateProductData]?: CreateProductData[K] | null };
export type ProductListQuery = { first?: number | null; after?: string | null; sort?: ProductSort | null; categoryId?: string | null };
export type ProductPage = { items: ProductRecord[]; cursors: string[]; hasNextPage: boolean; filter: ListFilter };

/** A product as the read path needs it (a plain row, not a managed entity). */
export type ProductRecord = {
  id: number;
  sellerId: number;
  categoryId: number | null;
  name: string;
  description: string;
  price: number;
  stock: number;
  status: ProductStatus;
  createdAt: Date;
  updatedAt: Date;
};

export function toProductRecord(p: Product): ProductRecord {
  return {
    id: p.id,
    sellerId: p.seller.id,
    categoryId: p.category?.id ?? null,
    name: p.name,
    description: p.description,
    price: p.price,
    stock: p.stock,
    status: p.status,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

type ProductRow = {
  id: number;
  seller_id: number;
  category_id: number | null;
  name: string;
  description: string;
  price: number;
  stock: number;
  status: ProductStatus;
  created_at: unknown;
  updated_at: unknown;
};
/** A listing's filter as a SQL condition on `product`, reused for `totalCount`. */
export type ListFilter = { sql: string; params: unknown[] };

/** Seller-owned products: create, change, soft-delete, read and list. */
export class ProductService {
  constructor(
    private readonly categories: CategoryService,
    private readonly stock: StockGuard,
    private readonly logger: Logger,
  ) {}

  /** Creates a product owned by the calling seller. */
  async create(em: EntityManager, identity: Identity, data: CreateProductData): Promise<Product> {
    const category = data.categoryId != null ? await this.categories.require(em, data.categoryId, 'categoryId') : null;
    const product = em.create(Product, {
      seller: em.getReference(Seller, identity.accountId),
      category,
      name: data.name.trim(),
      description: data.description,
      price: data.price,
      stock: data.stock,
      status: data.status ?? ProductStatus.ON_SALE,
    });
    await em.flush();
    return product;
  }

  /**
   * Changes the given fields of a product the caller owns. `stock` is what can be bought from
   * now on; the row is locked so the change is a delta against concurrent orders, and the
   * StockGuard's counter follows it by the same delta.
   */
  async update(em: EntityManager, identity: Identity, id: string, data: UpdateProductData): Promise<Product> {
    let delta = 0;
    const product = await em.transactional(async (tx) => {
      const p = await this.requireOwned(tx, identity, id, data.stock != null);
      if (data.categoryId !== undefined) {
        p.category = data.categoryId === null ? null : ref(await this.categories.require(tx, data.categoryId, 'categoryId'));
      }
      if (data.name != null) p.name = data.name.trim();
      if (data.description != null) p.description = data.description;
      if (data.price != null) p.price = data.price;
      if (data.stock != null) {
        delta = data.stock - p.stock;
        p.stock = data.stock;
      }
      if (data.status != null) p.status = data.status;
      return p;
    });
    if (delta !== 0) {
      await this.stock.adjust(product.id, delta).catch(async (err: unknown) => {
        this.logger.warn({ err, productId: product.id }, 'could not apply a stock change to the StockGuard; its counter will be rebuilt');
        await this.stock.forget([product.id]).catch(() => undefined);
      });
    }
    return product;
  }

  /** Soft-deletes a product the caller owns: it leaves listings, past orders keep their lines. */
  async delete(em: EntityManager, identity: Identity, id: string): Promise<void> {
    const product = await this.requireOwned(em, identity, id);
    product.deletedAt = new Date();
    await em.flush();
  }

  /** A product as the caller may see it: listed ones for everyone, hidden ones only for their seller; never deleted ones. */
  async findVisible(em: EntityManager, id: string, identity: Identity | null): Promise<Product | null> {
    const numeric = parseNumericId(id);
    if (!numeric) return null;
    const product = await em.findOne(Product, { id: numeric, deletedAt: null });
    if (!product) return null;
    if (product.status === ProductStatus.HIDDEN && !this.isOwner(product, identity)) return null;
    return product;
  }

  /** The product if the caller is its seller; NOT_FOUND if it does not exist (or is deleted), FORBIDDEN otherwise. */
  async requireOwned(em: EntityManager, identity: Identity, id: string | number, lock = false): Promise<Product> {
    const numeric = parseNumericId(id);
    const options = lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {};
    const product = numeric ? await em.findOne(Product, { id: numeric, deletedAt: null }, options) : null;
    if (!product) throw notFound('Product');
    if (!this.isOwner(product, identity)) throw forbidden('Only the seller who owns this product can change it.');
    return product;
  }

  /**
   * One page of listed products (not hidden, not deleted), keyset-paged in a stable order. The
   * hottest read: plain SQL (db/sql.ts), each sort served by a `listed`-led index.
   */
  async list(em: EntityManager, query: ProductListQuery): Promise<ProductPage> {
    const size = pageSize(query.first, MAX_PRODUCT_PAGE);
    const sort = query.sort ?? 'NEWEST';
    const filter: ListFilter = { sql: 'listed = true', params: [] };
    if (query.categoryId != null) {
      const ids = await this.categories.subtreeIds(em, query.categoryId, 'categoryId');
      filter.sql += ` and category_id in (${ids.map(() => '?').join(', ')})`;
      filter.params.push(...ids);
    }
    let where = filter.sql;
    const params = [...filter.params];
    if (query.after) {
      const position = decodeCursor(query.after, sort, sort === 'NEWEST' ? 'epochMs' : 'text');
      if (sort === 'NEWEST') {
        const at = new Date(Number(position.value));
        where += ' and (created_at < ? or (created_at = ? and id < ?))';
        params.push(at, at, position.id);
      } else {
        where += ' and (name > ? or (name = ? and id > ?))';
        params.push(String(position.value), String(position.value), position.id);
      }
    }
    const order = sort === 'NEWEST' ? 'created_at desc, id desc' : 'name asc, id asc';
    const rows = await sqlOf(em).rows<ProductRow>(
      `select id, seller_id, category_id, name, description, price, stock, status, created_at, updated_at
         from product where ${where} order by ${order} limit ?`,
      [...params, size + 1],
    );
    const items = rows.slice(0, size).map(toRecord);
    return { items, cursors: items.map((p) => productCursor(p, sort)), hasNextPage: rows.length > size, filter };
  }

  /** How many products a listing's filter matches, across all pages. */
  async count(em: EntityManager, filter: ListFilter): Promise<number> {
    const [row] = await sqlOf(em).rows<{ n: number | string }>(`select count(*) as n from product where ${filter.sql}`, filter.params);
    return Number(row.n);
  }

  private isOwner(product: Product, identity: Identity | null): boolean {
    return identity?.role === Role.SELLER && product.seller.id === identity.accountId;
  }
}

function productCursor(product: ProductRecord, sort: ProductSort): string {
  const value = sort === 'NEWEST' ? product.createdAt.getTime() : product.name;
  return encodeCursor({ sort, value, id: product.id });
}

function toRecord(r: ProductRow): ProductRecord {
  return {
    id: Number(r.id),
    sellerId: Number(r.seller_id),
    categoryId: r.category_id === null ? null : Number(r.category_id),
    name: r.name,
    description: r.description,
    price: Number(r.price),
    stock: Number(r.stock),
    status: r.status,
    createdAt: asDate(r.created_at),
    updatedAt: asDate(r.updated_at),
  };
}
