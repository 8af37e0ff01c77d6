import type { EntityManager } from '@mikro-orm/knex';
import { ShippingAddress } from '../../entities';
import { sqlOf } from '../../db/sql';
import { badInput, notFound } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { retryOnDeadlock } from '../shared/deadlock';
import { checkPostcode, checkText, MAX_ADDRESSES_PER_CUSTOMER, normalisePhone, type Checked, type TextField } from './address-rules';

/** What a customer sends for a new address; `isDefault: true` makes it the default. */
export type AddressInput = {
  recipientName: string;
  phone: string;
  postcode: string;
  roadAddress: string;
  detail?: string | null;
  memo?: string | null;
  isDefault?: boolean | null;
};

/** A partial change: absent (or null) fields stay as they are, except `memo: null`, which removes the memo. */
export type AddressChanges = { [K in keyof AddressFields]?: string | null };

type AddressFields = Pick<ShippingAddress, 'recipientName' | 'phone' | 'postcode' | 'roadAddress' | 'detail' | 'memo'>;

/** Newest first among equals: the default, then the most recently added. */
const LIST_ORDER = [{ isDefault: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }] as const;

/**
 * A customer's address book. Every change runs in one transaction that first locks the customer's
 * row (`select ... for update`, as checkout does), so changes from one customer take turns on any
 * instance and the book always has exactly one default while it is not empty.
 */
export class ShippingAddressService {
  /** The customer's addresses: the default first, then the newest. */
  async list(em: EntityManager, customerId: number): Promise<ShippingAddress[]> {
    return em.find(ShippingAddress, { customer: customerId }, { orderBy: [...LIST_ORDER] });
  }

  /** Adds an address; the first one, or one given `isDefault: true`, becomes the default. At most MAX_ADDRESSES_PER_CUSTOMER. */
  async add(em: EntityManager, customerId: number, input: AddressInput): Promise<ShippingAddress> {
    const fields = checkAddress(input);
    return this.inBook(em, customerId, async (tx) => {
      const count = await tx.count(ShippingAddress, { customer: customerId });
      if (count >= MAX_ADDRESSES_PER_CUSTOMER) {
        throw badInput('input', `you can keep at most ${MAX_ADDRESSES_PER_CUSTOMER} addresses; delete one first`);
      }
      const makeDefault = count === 0 || input.isDefault === true;
      if (makeDefault) await tx.nativeUpdate(ShippingAddress, { customer: customerId, isDefault: true }, { isDefault: false });
      const address = tx.create(ShippingAddress, { customer: customerId, ...fields, isDefault: makeDefault });
      await tx.flush();
      return address;
    });
  }

  /** Changes the given fields of one of the customer's addresses (NOT_FOUND for anyone else's). */
  async update(em: EntityManager, customerId: number, id: string, changes: AddressChanges): Promise<ShippingAddress> {
    const fields = checkChanges(changes);
    return this.inBook(em, customerId, async (tx) => {
      const address = await this.own(tx, customerId, id);
      tx.assign(address, fields);
      await tx.flush();
      return address;
    });
  }

  /** Deletes one of the customer's addresses; when it was the default, the most recently added remaining one becomes the default. */
  async delete(em: EntityManager, customerId: number, id: string): Promise<boolean> {
    return this.inBook(em, customerId, async (tx) => {
      const address = await this.own(tx, customerId, id);
      await tx.nativeDelete(ShippingAddress, { id: address.id });
      if (address.isDefault) {
        const next = await tx.findOne(ShippingAddress, { customer: customerId }, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
        if (next) await tx.nativeUpdate(ShippingAddress, { id: next.id }, { isDefault: true });
      }
      return true;
    });
  }

  /** Makes one of the customer's addresses the default (and no other). */
  async setDefault(em: EntityManager, customerId: number, id: string): Promise<ShippingAddress> {
    return this.inBook(em, customerId, async (tx) => {
      const address = await this.own(tx, customerId, id);
      await tx.nativeUpdate(ShippingAddress, { customer: customerId, isDefault: true, id: { $ne: address.id } }, { isDefault: false });
      address.isDefault = true;
      await tx.flush();
      return address;
    });
  }

  /** Runs `work` in a transaction holding the customer's row lock: one customer's book changes take turns. */
  private inBook<T>(em: EntityManager, customerId: number, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return retryOnDeadlock(() =>
      em.fork().transactional(async (tx) => {
        // The first read of the transaction, so InnoDB's snapshot for the reads after it includes
        // whatever the previous holder of the lock committed. SQLite runs one writer at a time anyway.
        const sql = sqlOf(tx);
        await sql.rows(`select id from customer where id = ?${sql.forUpdate}`, [customerId]);
        return work(tx);
      }),
    );
  }

  private async own(em: EntityManager, customerId: number, id: string): Promise<ShippingAddress> {
    const numeric = parseNumericId(id);
    const address = numeric ? await em.findOne(ShippingAddress, { id: numeric, customer: customerId }) : null;
    if (!address) throw notFound('Shipping address');
    return address;
  }
}

function take<T>(field: string, checked: Checked<T>): T {
  if (!checked.ok) throw badInput(field, checked.message);
  return checked.value;
}

const text = (field: TextField, raw: string) => take(field, checkText(field, raw));

/** Checks and normalises a whole new address (BAD_USER_INPUT naming the first bad field). */
export function checkAddress(input: AddressInput): AddressFields {
  return {
    recipientName: text('recipientName', input.recipientName),
    phone: take('phone', normalisePhone(input.phone)),
    postcode: take('postcode', checkPostcode(input.postcode)),
    roadAddress: text('roadAddress', input.roadAddress),
    detail: text('detail', input.detail ?? ''),
    memo: text('memo', input.memo ?? '') || null,
  };
}

/** Checks and normalises the fields an update gives; null on a required field is refused. */
function checkChanges(changes: AddressChanges): Partial<AddressFields> {
  const fields: Partial<AddressFields> = {};
  const required = ['recipientName', 'phone', 'postcode', 'roadAddress'] as const;
  for (const field of required) {
    if (changes[field] === null) throw badInput(field, `${field} cannot be removed`);
  }
  if (changes.recipientName != null) fields.recipientName = text('recipientName', changes.recipientName);
  if (changes.phone != null) fields.phone = take('phone', normalisePhone(changes.phone));
  if (changes.postcode != null) fields.postcode = take('postcode', checkPostcode(changes.postcode));
  if (changes.roadAddress != null) fields.roadAddress = text('roadAddress', changes.roadAddress);
  if (changes.detail !== undefined) fields.detail = text('detail', changes.detail ?? '');
  if (changes.memo !== undefined) fields.memo = text('memo', changes.memo ?? '') || null;
  return fields;
}
