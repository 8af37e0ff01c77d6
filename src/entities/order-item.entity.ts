import { Entity, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Order } from './order.entity';
import { Product } from './product.entity';
import { Seller } from './seller.entity';
import { Shipment } from './shipment.entity';

/** A line of an order: the product's name and price as they were when ordered. */
@Entity({ tableName: 'order_item' })
@Index({ name: 'order_item_seller_order', properties: ['seller', 'order'] })
@Index({ name: 'order_item_seller_unshipped', properties: ['seller', 'shipment', 'order'] })
export class OrderItem {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Order, { ref: true, deleteRule: 'cascade' })
  order!: Ref<Order>;

  /**
   * No foreign key on purpose: an FK check share-locks the product row until commit, and
   * createOrder's conditional stock update on that same row would then deadlock with other
   * buyers of a hot product. Products are only ever soft-deleted, so the id stays valid.
   */
  @ManyToOne(() => Product, { ref: true, createForeignKeyConstraint: false })
  product!: Ref<Product>;

  /** The product's seller, kept on the line so a seller's order list needs no join through products. */
  @ManyToOne(() => Seller, { ref: true, deleteRule: 'restrict' })
  seller!: Ref<Seller>;

  @Property({ type: 'string', length: 100 })
  productName!: string;

  /** KRW per unit when ordered. */
  @Property({ type: 'integer', unsigned: true })
  unitPrice!: number;

  @Property({ type: 'integer', unsigned: true })
  quantity!: number;

  /** Units refunded by partial cancels (cancelOrderItems); the line is CANCELLED when it reaches `quantity`. */
  @Property({ type: 'integer', unsigned: true, default: 0 })
  cancelledQuantity: number & Opt = 0;

  /** The parcel this line left in; null while it is still to ship. Set once, under the order's row lock. */
  @ManyToOne(() => Shipment, { ref: true, nullable: true, deleteRule: 'set null' })
  shipment: (Ref<Shipment> & Opt) | null = null;

  /** 구매확정: when the customer (or the sweeper, PURCHASE_CONFIRM_DAYS after delivery) confirmed the purchase. */
  @Property({ type: 'datetime', length: 3, nullable: true })
  confirmedAt: (Date & Opt) | null = null;
}
