import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Customer } from './customer.entity';
import { Order, OrderStatus } from './order.entity';
import { PaymentStatus } from './payment.entity';
import { Seller } from './seller.entity';
import { Shipment } from './shipment.entity';

/** What happened to an order, as its customer hears of it. */
export enum OrderEventKind {
  CREATED = 'CREATED',
  PAID = 'PAID',
  FAILED = 'FAILED',
  EXPIRED = 'EXPIRED',
  CANCELLED = 'CANCELLED',
  REFUNDED = 'REFUNDED',
  SHIPPING = 'SHIPPING',
  DELIVERED = 'DELIVERED',
  /** A seller's shipment left (carrier and tracking number on the event). */
  SHIPPED = 'SHIPPED',
  /** 구매확정: lines confirmed by the customer, or automatically PURCHASE_CONFIRM_DAYS after delivery. */
  PURCHASE_CONFIRMED = 'PURCHASE_CONFIRMED',
  /** Some units of some lines were refunded (a partial cancel); the order goes on with the rest. */
  ITEMS_CANCELLED = 'ITEMS_CANCELLED',
  /** Toss reported what the order's status cannot show (see Order.flaggedAt): for an admin. */
  FLAGGED = 'FLAGGED',
}

/**
 * One row per order or payment status change, written in the same transaction as the change.
 * It is at once the order's history, the outbox (`publishedAt` is set once the relay has
 * published it through the EventBus) and the customer's notification (`readAt`). The id only
 * grows, so it orders a customer's events and lets a reconnecting client ask for what it missed.
 */
@Entity({ tableName: 'order_status_change' })
@Index({ name: 'order_status_change_customer', properties: ['customer', 'id'] })
@Index({ name: 'order_status_change_unpublished', properties: ['publishedAt', 'id'] })
export class OrderStatusChange {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Order, { ref: true, deleteRule: 'cascade' })
  order!: Ref<Order>;

  @ManyToOne(() => Customer, { ref: true, deleteRule: 'cascade' })
  customer!: Ref<Customer>;

  /** The order's public id (Toss's orderId), so an event needs no join to be sent. */
  @Property({ type: 'string', length: 64 })
  orderCode!: string;

  @Enum({ items: () => OrderEventKind })
  kind!: OrderEventKind;

  /** Null for the order's creation. */
  @Enum({ items: () => OrderStatus, nullable: true })
  fromStatus: OrderStatus | null = null;

  @Enum({ items: () => OrderStatus })
  toStatus!: OrderStatus;

  @Enum({ items: () => PaymentStatus, nullable: true })
  paymentStatus: (PaymentStatus & Opt) | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  reason: (string & Opt) | null = null;

  /** The shipment the event is about (SHIPPED, a seller's DELIVERED), with its carrier and number copied so feeds need no join. */
  @ManyToOne(() => Shipment, { ref: true, nullable: true, deleteRule: 'cascade' })
  shipment: (Ref<Shipment> & Opt) | null = null;

  @Property({ type: 'string', length: 32, nullable: true })
  carrier: (string & Opt) | null = null;

  @Property({ type: 'string', length: 32, nullable: true })
  trackingNumber: (string & Opt) | null = null;

  /** Set when only this seller (of the order's sellers) is to hear of the event: their own shipment's. */
  @ManyToOne(() => Seller, { ref: true, nullable: true, deleteRule: 'cascade' })
  seller: (Ref<Seller> & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  at: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3, nullable: true })
  publishedAt: (Date & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  readAt: (Date & Opt) | null = null;
}
