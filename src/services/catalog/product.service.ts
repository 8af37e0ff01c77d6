import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { Product, ProductStatus, Seller } from '../../entities';
import { Role } from '../../entities/role';
import { forbidden, notFound } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { sqlOf } from '../../db/sql';
import type { Logger } from '../../logger';
import { soldOutBySellerAfter, statusAfterSellerChange, statusOfNewProduct } from '../stock/product-stock';
import type { StockGuard } from '../stock/stock-guard';
import type { CategoryService } from './category.service';
import type { SearchIndex } from './search/search-index';
import { beforeCommit } from '../../db/before-commit';

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

/** Seller-owned products: create, change, soft-delete, read and list. */
export class ProductService {
  constructor(
    private readonly categories: CategoryService,
    private readonly stock: StockGuard,
    private readonly searchIndex: SearchIndex,
    private readonly logger: Logger,
  ) {}

  /** Creates a product owned by the calling seller. */
  async create(em: EntityManager, identity: Identity, data: CreateProductData): Promise<Product> {
    return em.transactional(async (tx) => {
      const category = data.categoryId != null ? await this.categories.require(tx, data.categoryId, 'categoryId') : null;
      const product = tx.create(Product, {
        seller: tx.getReference(Seller, identity.accountId),
        category,
        name: data.name.trim(),
        description: data.description,
        price: data.price,
        stock: data.stock,
        status: statusOfNewProduct(data.stock, data.status),
        soldOutBySeller: data.status === ProductStatus.SOLD_OUT,
      });
      await tx.flush();
      await this.searchIndex.index(sqlOf(tx), product, { isNew: true });
      return product;
    });
  }

  /**
   * Changes the given fields of a product the caller owns. `stock` is what can be bought from
   * now on; the row is locked so the change is a delta against concurrent orders, and the
   * StockGuard's counter follows it by the same delta. The status follows the stock
   * (statusAfterSellerChange), so a change of either is made under the lock too.
   */
  async update(em: EntityManager, identity: Identity, id: string, data: UpdateProductData): Promise<Product> {
    let moved: number | null = null;
    try {
      return await this.change(em, identity, id, data, (productId) => (moved = productId));
    } catch (err) {
      // The COMMIT failed after the counter moved: MySQL kept the old stock, so the counter (too low
      // after a cut) is dropped and rebuilt from MySQL.
      if (moved !== null) await this.stock.forget([moved]).catch(() => undefined);
      throw err;
    }
  }

  private async change(
    em: EntityManager,
    identity: Identity,
    id: string,
    data: UpdateProductData,
    onCounterMoved: (productId: number) => void,
  ): Promise<Product> {
    return em.transactional(async (tx) => {
      // Locked when the stock or the status changes (a delta against concurrent orders, and the
      // status follows the stock: statusAfterSellerChange) or the indexed text does (the index is
      // written after the row, so concurrent renames index in the order they commit).
      const p = await this.requireOwned(
        tx,
        identity,
        id,
        data.stock != null || data.status != null || data.name != null || data.description != null,
      );
      const before = { status: p.status, stock: p.stock, soldOutBySeller: p.soldOutBySeller };
      if (data.categoryId !== undefined) {
        p.category = data.categoryId === null ? null : ref(await this.categories.require(tx, data.categoryId, 'categoryId'));
      }
      if (data.name != null) p.name = data.name.trim();
      if (data.description != null) p.description = data.description;
      if (data.price != null) p.price = data.price;
      if (data.stock != null) {
        const delta = data.stock - p.stock;
        p.stock = data.stock;
        // The counter moves right before COMMIT, after the row's update and with its lock still held
        // (requireOwned locked it), so a counter being rebuilt from MySQL waits for it (README "Stock").
        if (delta !== 0)
          beforeCommit(tx, async () => {
            onCounterMoved(p.id);
            await this.moveCounter(p.id, delta);
          });
      }
      p.status = statusAfterSellerChange(before, p, data.status);
      p.soldOutBySeller = soldOutBySellerAfter(before, data.status);
      if (data.name != null || data.description != null) {
        await tx.flush();
        await this.searchIndex.index(sqlOf(tx), p);
      }
      return p;
    });
  }

  /** A seller's stock change on the StockGuard's counter; one that cannot take it is dropped (rebuilt from MySQL after the COMMIT). */
  private async moveCounter(productId: number, delta: number): Promise<void> {
    await this.stock.adjust(productId, delta).catch(async (err: unknown) => {
      this.logger.warn({ err, productId }, 'could not apply a stock change to the StockGuard; its counter will be rebuilt');
      await this.stock.forget([productId]).catch(() => undefined);
    });
  }

  /** Soft-deletes a product the caller owns: it leaves listings, past orders keep their lines. */
  async delete(em: EntityManager, identity: Identity, id: string): Promise<void> {
    await em.transactional(async (tx) => {
      const product = await this.requireOwned(tx, identity, id, true);
      product.deletedAt = new Date();
      await tx.flush();
      await this.searchIndex.remove(sqlOf(tx), product.id);
    });
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

  private isOwner(product: Product, identity: Identity | null): boolean {
    return identity?.role === Role.SELLER && product.seller.id === identity.accountId;
  }
}
