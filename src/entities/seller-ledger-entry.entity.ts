import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type Opt, type Ref } from '@mikro-orm/core';
import { Order } from './order.entity';
import { OrderItem } from './order-item.entity';
import { Seller } from './seller.entity';
import { SellerPayout } from './seller-payout.entity';

/**
 * One purchase-confirmed line in its seller's settlement ledger (정산): what it sold for (`gross`),
 * the platform's commission at the rate of the day (`commissionBps`, floor per line) and the `net`
 * owed to the seller, with gross = commission + net. Written in the confirmation's transaction
 * (SettlementLedger.recordConfirmed); a line enters once (unique `order_item_id`). The amounts never
 * change; `payout` is set once, by the payout batch that pays it.
 */
@Entity({ tableName: 'seller_ledger_entry' })
@Unique({ name: 'seller_ledger_entry_order_item', properties: ['orderItem'] })
@Index({ name: 'seller_ledger_entry_seller_confirmed', properties: ['seller', 'confirmedAt', 'id'] })
@Index({ name: 'seller_ledger_entry_seller_payout', properties: ['seller', 'payout', 'confirmedAt'] })
@Index({ name: 'seller_ledger_entry_confirmed', properties: ['confirmedAt', 'id'] })
export class SellerLedgerEntry {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Seller, { ref: true, deleteRule: 'restrict' })
  seller!: Ref<Seller>;

  @ManyToOne(() => Order, { ref: true, deleteRule: 'restrict' })
  order!: Ref<Order>;

  @ManyToOne(() => OrderItem, { ref: true, deleteRule: 'restrict' })
  orderItem!: Ref<OrderItem>;

  /** The line's product name as ordered. */
  @Property({ type: 'string', length: 100 })
  productName!: string;

  /** The units settled (confirmedUnits of the line). */
  @Property({ type: 'integer', unsigned: true })
  quantity!: number;

  /** KRW: unit price x quantity. */
  @Property({ type: 'integer', unsigned: true })
  gross!: number;

  /** KRW: floor(gross x commissionBps / 10,000). */
  @Property({ type: 'integer', unsigned: true })
  commission!: number;

  /** KRW: gross - commission, owed to the seller. */
  @Property({ type: 'integer', unsigned: true })
  net!: number;

  /** SELLER_COMMISSION_BPS when the entry was recorded. */
  @Property({ type: 'smallint', unsigned: true })
  commissionBps!: number;

  /** When the line was purchase-confirmed (its order_item.confirmed_at): the entry's time in the ledger. */
  @Property({ type: 'datetime', length: 3 })
  confirmedAt!: Date;

  /** The payout batch that paid this entry; null while it is owed. */
  @ManyToOne(() => SellerPayout, { ref: true, nullable: true, deleteRule: 'restrict' })
  payout: (Ref<SellerPayout> & Opt) | null = null;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();
}
