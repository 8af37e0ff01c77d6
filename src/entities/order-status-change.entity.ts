import { Entity, Enum, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Order, OrderStatus } from './order.entity';

/** The order's history: one row per status change, with its time (and why, when there is a reason). */
@Entity({ tableName: 'order_status_change' })
export class OrderStatusChange {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Order, { ref: true, deleteRule: 'cascade' })
  order!: Ref<Order>;

  /** Null for the order's creation. */
  @Enum({ items: () => OrderStatus, nullable: true })
  fromStatus: OrderStatus | null = null;

  @Enum({ items: () => OrderStatus })
  toStatus!: OrderStatus;

  @Property({ type: 'string', length: 255, nullable: true })
  reason: (string & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  at: Date & Opt = new Date();
}
