import { BigIntType, Entity, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Admin } from './admin.entity';
import { Seller } from './seller.entity';

/**
 * A payout batch (정산 지급): an admin recorded that a seller was paid the net of every unpaid ledger
 * entry confirmed up to `upTo`. The entries point at it (SellerLedgerEntry.payout); `amount` is
 * their net summed and `entryCount` how many they are. Written once, never changed.
 */
@Entity({ tableName: 'seller_payout' })
@Index({ name: 'seller_payout_seller', properties: ['seller', 'id'] })
export class SellerPayout {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Seller, { ref: true, deleteRule: 'restrict' })
  seller!: Ref<Seller>;

  /** The payout covers entries confirmed at or before this time. */
  @Property({ type: 'datetime', length: 3 })
  upTo!: Date;

  /** KRW: a seller's sum can pass GraphQL's Int over time, so a 64-bit column read as a number (exact below 2^53). */
  @Property({ type: new BigIntType('number'), unsigned: true })
  amount!: number;

  @Property({ type: 'integer', unsigned: true })
  entryCount!: number;

  @ManyToOne(() => Admin, { ref: true, deleteRule: 'restrict' })
  createdByAdmin!: Ref<Admin>;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();
}
