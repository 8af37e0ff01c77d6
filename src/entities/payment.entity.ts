import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Order } from './order.entity';

/** Our view of a Toss payment's state (the contract's PaymentStatus). */
export enum PaymentStatus {
  /** A confirm was attempted (recorded before calling Toss) and its outcome is not settled yet. */
  READY = 'READY',
  DONE = 'DONE',
  /** Part of the amount was refunded at Toss; `balanceAmount` is what stays charged. */
  PARTIAL_CANCELED = 'PARTIAL_CANCELED',
  CANCELED = 'CANCELED',
  ABORTED = 'ABORTED',
}

/** One refund of (part of) a payment, as Toss reports it. */
export type PaymentCancelRecord = { amount: number; reason: string; canceledAt: string; transactionKey: string | null };

/**
 * The card payment of an order, as Toss reported it last. The row is written before Toss is
 * called, so a crash mid-confirm leaves a READY row that the reconciler settles by lookup.
 * Card numbers are never stored: `lastResponse` has them stripped by the gateway adapter.
 */
@Entity({ tableName: 'payment' })
@Index({ name: 'payment_status_updated', properties: ['status', 'updatedAt'] })
@Index({ name: 'payment_refund_check', properties: ['refundCheckAt'] })
export class Payment {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Order, { ref: true, deleteRule: 'restrict', unique: 'payment_order_unique' })
  order!: Ref<Order>;

  @Property({ type: 'string', length: 200, unique: 'payment_payment_key_unique' })
  paymentKey!: string;

  /** Toss's method label (e.g. `카드`), once Toss has said it. */
  @Property({ type: 'string', length: 50, nullable: true })
  method: (string & Opt) | null = null;

  /** KRW: the order's amount, which is what Toss was asked to confirm. */
  @Property({ type: 'integer', unsigned: true })
  amount!: number;

  @Enum({ items: () => PaymentStatus })
  status: PaymentStatus & Opt = PaymentStatus.READY;

  /** KRW still charged, as Toss last said (0 until Toss approves, 0 once fully refunded). */
  @Property({ type: 'integer', unsigned: true })
  balanceAmount: number & Opt = 0;

  /** Every cancel Toss reports on this payment, oldest first (ours and any made in Toss's console). */
  @Property({ type: 'json', nullable: true })
  cancels: (PaymentCancelRecord[] & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  approvedAt: (Date & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  canceledAt: (Date & Opt) | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  cancelReason: (string & Opt) | null = null;

  @Property({ type: 'string', length: 1024, nullable: true })
  receiptUrl: (string & Opt) | null = null;

  /** Toss's error code when the payment failed or its outcome was refused. */
  @Property({ type: 'string', length: 64, nullable: true })
  failureCode: (string & Opt) | null = null;

  @Property({ type: 'string', length: 510, nullable: true })
  failureMessage: (string & Opt) | null = null;

  /**
   * Set when a refund was asked of Toss and Toss could not say whether it happened (the order
   * stayed paid): the reconciler looks the payment up again, so a refund that lands late is
   * still seen (and flagged if the order has shipped meanwhile), even with no webhook.
   */
  @Property({ type: 'datetime', length: 3, nullable: true })
  refundCheckAt: (Date & Opt) | null = null;

  /** The last Payment object Toss returned (card numbers removed). */
  @Property({ type: 'json', nullable: true })
  lastResponse: (Record<string, unknown> & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
