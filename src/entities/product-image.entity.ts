import { Entity, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Product } from './product.entity';

/** An image of a product, stored through the Storage port; the row keeps its key and public URL. */
@Entity({ tableName: 'product_image' })
@Index({ properties: ['product', 'position'] })
export class ProductImage {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Product, { ref: true, deleteRule: 'cascade' })
  product!: Ref<Product>;

  @Property({ type: 'string', length: 255 })
  storageKey!: string;

  @Property({ type: 'string', length: 1024 })
  url!: string;

  @Property({ type: 'string', length: 50 })
  contentType!: string;

  @Property({ type: 'integer', unsigned: true })
  size!: number;

  /** 1-based order among the product's images. */
  @Property({ type: 'integer', unsigned: true })
  position!: number;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();
}
