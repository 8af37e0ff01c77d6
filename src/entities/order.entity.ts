import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Customer } from './customer.entity';

export enum OrderStatus {
  PAYMENT_PENDING = 'PAYMENT_PENDING',
  ORDER_COMPLETED = 'ORDER_COMPLETED',
  SHIPPING = 'SHIPPING',
  DELIVERED = 'DELIVERED',
  CANCELLED = 'CANCELLED',
  PAYMENT_FAILED = 'PAYMENT_FAILED',
}

/**
 * A customer's order. `orderId` is the public id Toss also knows; `id` orders the lists
 * (newest first). Status changes go through conditional updates, so each happens once.
 */
@Entity({ tableName: 'customer_order' })
@Index({ name: 'customer_order_customer', properties: ['customer', 'id'] })
@Index({ name: 'customer_order_customer_status', properties: ['customer', 'status', 'id'] })
@Index({ name: 'customer_order_status', properties: ['status', 'id'] })
@Index({ name: 'customer_order_status_expires', properties: ['status', 'expiresAt'] })
@Index({ name: 'customer_order_refund_claimed', properties: ['refundClaimedAt'] })
@Index({ name: 'customer_order_flagged', properties: ['flaggedAt', 'id'] })
export class Order {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** Toss's orderId: 6-64 characters of [A-Za-z0-9_-], unguessable; compared byte for byte on MySQL too (a binary no-pad collation, Migration20261202081500). */
  @Property({ type: 'string', length: 64, unique: 'customer_order_order_id' })
  orderId!: string;

  @ManyToOne(() => Customer, { ref: true, deleteRule: 'restrict' })
  customer!: Ref<Customer>;

  @Property({ type: 'string', length: 100 })
  orderName!: string;

  @Enum({ items: () => OrderStatus })
  status: OrderStatus & Opt = OrderStatus.PAYMENT_PENDING;

  /** KRW, whole won; computed on the server from the snapshotted lines. */
  @Property({ type: 'integer', unsigned: true })
  totalAmount!: number;

  /** Why the order failed: `EXPIRED`, `AMOUNT_MISMATCH`, or Toss's error code. */
  @Property({ type: 'string', length: 64, nullable: true })
  failureCode: (string & Opt) | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  failureMessage: (string & Opt) | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  cancelReason: (string & Opt) | null = null;

  /** An unpaid order fails at this time and gives its stock back. */
  @Property({ type: 'datetime', length: 3 })
  expiresAt!: Date;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  orderedAt: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3, nullable: true })
  paidAt: (Date & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  cancelledAt: (Date & Opt) | null = null;

  /**
   * Set while a refund of this paid order is being made at Toss. Shipping cannot start while it
   * is set, and only one refund holds it; it is cleared when the refund ends either way.
   */
  @Property({ type: 'datetime', length: 3, nullable: true })
  refundClaimedAt: (Date & Opt) | null = null;

  /**
   * Set when Toss reports what the order's status cannot show (a refund made at Toss after
   * shipping started, a partial cancel): an admin has to look at it.
   */
  @Property({ type: 'datetime', length: 3, nullable: true })
  flaggedAt: (Date & Opt) | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  flagReason: (string & Opt) | null = null;

  /**
   * The shipping address (배송지) as it was given for this order: a snapshot, so a later edit of the
   * address book changes no order. All null until the customer gives one (see setOrderShippingAddress).
   */
  @Property({ type: 'string', length: 50, nullable: true })
  shipRecipientName: (string & Opt) | null = null;

  @Property({ type: 'string', length: 20, nullable: true })
  shipPhone: (string & Opt) | null = null;

  @Property({ type: 'string', length: 5, nullable: true })
  shipPostcode: (string & Opt) | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  shipRoadAddress: (string & Opt) | null = null;

  @Property({ type: 'string', length: 100, nullable: true })
  shipDetail: (string & Opt) | null = null;

  @Property({ type: 'string', length: 100, nullable: true })
  shipMemo: (string & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
