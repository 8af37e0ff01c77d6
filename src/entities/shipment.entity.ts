import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Order } from './order.entity';
import { Seller } from './seller.entity';

export enum ShipmentStatus {
  SHIPPING = 'SHIPPING',
  DELIVERED = 'DELIVERED',
}

/**
 * One parcel (택배): lines of one order, all of one seller, sent with one carrier and tracking
 * number (송장번호). Its lines point at it (OrderItem.shipment). `carrier` and `trackingNumber` are
 * null for an admin's manual step (updateOrderStatus), which ships without a tracking number.
 * Changes happen under the order's row lock (ShipmentService), so they are serial per order.
 */
@Entity({ tableName: 'shipment' })
@Index({ name: 'shipment_order', properties: ['order', 'id'] })
@Index({ name: 'shipment_status_delivered', properties: ['status', 'deliveredAt'] })
export class Shipment {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Order, { ref: true, deleteRule: 'cascade' })
  order!: Ref<Order>;

  @ManyToOne(() => Seller, { ref: true, deleteRule: 'restrict' })
  seller!: Ref<Seller>;

  /** A `Carrier` (services/shipping/carriers.ts), kept as text so a new carrier needs no migration. */
  @Property({ type: 'string', length: 32, nullable: true })
  carrier: string | null = null;

  /** Digits only, as parseTrackingNumber normalises it. */
  @Property({ type: 'string', length: 32, nullable: true })
  trackingNumber: string | null = null;

  @Enum({ items: () => ShipmentStatus })
  status: ShipmentStatus & Opt = ShipmentStatus.SHIPPING;

  @Property({ type: 'datetime', length: 3 })
  shippedAt!: Date;

  @Property({ type: 'datetime', length: 3, nullable: true })
  deliveredAt: (Date & Opt) | null = null;
}
