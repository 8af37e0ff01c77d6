import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Order } from './order.entity';

export enum CancellationStatus {
  /** Claimed (the order's refund claim is held) and sent, or about to be sent, to Toss. */
  PENDING = 'PENDING',
  /** Toss refunded it and the lines are cancelled. */
  DONE = 'DONE',
  /** Toss refused it, or it never reached Toss: nothing was refunded and the lines are as they were. */
  FAILED = 'FAILED',
}

/** Who asked for a partial cancel: the customer (변심, 반품) or the lines' seller (판매 취소). */
export enum CancellationRequester {
  CUSTOMER = 'CUSTOMER',
  SELLER = 'SELLER',
}

/** One line of a cancellation: how many units of which order item. */
export type CancellationLine = { itemId: number; productId: number; quantity: number; amount: number };

/**
 * A partial cancel of a paid order (cancelOrderItems): some units of some lines, refunded through
 * one Toss partial cancel with its own Idempotency-Key. Written PENDING in the same transaction that
 * takes the order's refund claim, before Toss is asked, so whoever settles it later (the request,
 * the webhook, the reconciler after a crash) knows exactly which lines and amount it stands for.
 * `balanceBefore` is the payment's balance it was made against (sent to Toss as refundableAmount),
 * which identifies its entry in Toss's `cancels[]`: balance after = balanceBefore - amount.
 */
@Entity({ tableName: 'order_cancellation' })
@Index({ name: 'order_cancellation_order', properties: ['order', 'id'] })
@Index({ name: 'order_cancellation_status', properties: ['status', 'createdAt'] })
export class OrderCancellation {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Order, { ref: true, deleteRule: 'cascade' })
  order!: Ref<Order>;

  @Enum({ items: () => CancellationRequester })
  requestedBy!: CancellationRequester;

  /** The customer's or the seller's account id. */
  @Property({ type: 'integer', unsigned: true })
  requesterId!: number;

  @Property({ type: 'json' })
  lines!: CancellationLine[];

  /** KRW refunded: the lines' unit prices times the units. */
  @Property({ type: 'integer', unsigned: true })
  amount!: number;

  @Property({ type: 'integer', unsigned: true })
  balanceBefore!: number;

  @Property({ type: 'string', length: 200 })
  reason!: string;

  @Property({ type: 'string', length: 100, unique: 'order_cancellation_idempotency_key' })
  idempotencyKey!: string;

  @Enum({ items: () => CancellationStatus })
  status: CancellationStatus & Opt = CancellationStatus.PENDING;

  /** Toss's key of the cancel transaction, once settled. */
  @Property({ type: 'string', length: 64, nullable: true })
  transactionKey: (string & Opt) | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  failureMessage: (string & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3, nullable: true })
  settledAt: (Date & Opt) | null = null;
}
