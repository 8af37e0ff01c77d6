import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Category } from './category.entity';
import { Seller } from './seller.entity';

export enum ProductStatus {
  ON_SALE = 'ON_SALE',
  SOLD_OUT = 'SOLD_OUT',
  HIDDEN = 'HIDDEN',
}

/**
 * A seller's product. Deletion is soft (`deletedAt`) so past orders keep their lines.
 * `listed` is computed by the database and backs the listing indexes: each sort, with and
 * without the category filter, is served by an index that starts with it.
 */
@Entity({ tableName: 'product' })
@Index({ name: 'product_listed_newest', properties: ['listed', 'createdAt', 'id'] })
@Index({ name: 'product_listed_name', properties: ['listed', 'name', 'id'] })
@Index({ name: 'product_listed_category_newest', properties: ['listed', 'category', 'createdAt', 'id'] })
@Index({ name: 'product_listed_category_name', properties: ['listed', 'category', 'name', 'id'] })
@Index({ name: 'product_listed_price', properties: ['listed', 'price', 'id'] })
@Index({ name: 'product_listed_category_price', properties: ['listed', 'category', 'price', 'id'] })
@Index({ name: 'product_seller_newest', properties: ['seller', 'createdAt', 'id'] })
export class Product {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Seller, { ref: true, deleteRule: 'restrict' })
  seller!: Ref<Seller>;

  @ManyToOne(() => Category, { ref: true, nullable: true, deleteRule: 'restrict' })
  category: Ref<Category> | null = null;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'text' })
  description!: string;

  /** KRW, whole won. */
  @Property({ type: 'integer', unsigned: true })
  price!: number;

  @Property({ type: 'integer', unsigned: true })
  stock!: number;

  @Enum({ items: () => ProductStatus })
  status: ProductStatus & Opt = ProductStatus.ON_SALE;

  /**
   * The seller set SOLD_OUT by hand (일시품절): it stays until they set another status, even when
   * units come back to a product with no stock (stock/product-stock.ts).
   */
  @Property({ type: 'boolean', default: false })
  soldOutBySeller: boolean & Opt = false;

  @Property({ type: 'datetime', length: 3, nullable: true })
  deletedAt: (Date & Opt) | null = null;

  @Property({ type: 'boolean', generated: "(deleted_at is null and status <> 'HIDDEN') stored" })
  listed?: boolean;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
