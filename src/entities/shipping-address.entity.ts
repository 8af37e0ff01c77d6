import { Entity, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Customer } from './customer.entity';

/**
 * One address in a customer's address book (배송지). `phone` holds digits only (`01012345678`);
 * `detail` may be empty; `memo` is null when not given. Exactly one address of a non-empty book
 * is the default (kept so by ShippingAddressService under the customer row lock).
 */
@Entity({ tableName: 'shipping_address' })
@Index({ name: 'shipping_address_customer_default', properties: ['customer', 'isDefault'] })
export class ShippingAddress {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Customer, { ref: true, deleteRule: 'cascade' })
  customer!: Ref<Customer>;

  @Property({ type: 'string', length: 50 })
  recipientName!: string;

  @Property({ type: 'string', length: 20 })
  phone!: string;

  @Property({ type: 'string', length: 5 })
  postcode!: string;

  @Property({ type: 'string', length: 200 })
  roadAddress!: string;

  @Property({ type: 'string', length: 100 })
  detail!: string;

  @Property({ type: 'string', length: 100, nullable: true })
  memo: string | null = null;

  @Property({ type: 'boolean' })
  isDefault: boolean & Opt = false;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date(), onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
