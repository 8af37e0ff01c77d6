import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf } from '../../db/sql';
import type { Order } from '../../entities';
import { ShippingAddress } from '../../entities';
import { badInput, notFound } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { checkAddress, type AddressInput } from './shipping-address.service';

/** The address an order ships to, copied from the book or given inline: later edits of the book do not reach it. */
export type AddressSnapshot = {
  recipientName: string;
  phone: string;
  postcode: string;
  roadAddress: string;
  detail: string;
  memo: string | null;
};

/** How a customer names an order's address: one of their book's, or one written out. */
export type AddressChoice = { shippingAddressId?: string | null; shippingAddress?: Omit<AddressInput, 'isDefault'> | null };

/** The order's columns that hold the snapshot (all null while the order has none). */
export type AddressColumns = Pick<
  Order,
  'shipRecipientName' | 'shipPhone' | 'shipPostcode' | 'shipRoadAddress' | 'shipDetail' | 'shipMemo'
>;

export function addressOfOrder(o: AddressColumns): AddressSnapshot | null {
  if (o.shipRecipientName === null || o.shipPhone === null || o.shipPostcode === null || o.shipRoadAddress === null) return null;
  return {
    recipientName: o.shipRecipientName,
    phone: o.shipPhone,
    postcode: o.shipPostcode,
    roadAddress: o.shipRoadAddress,
    detail: o.shipDetail ?? '',
    memo: o.shipMemo,
  };
}

export function orderColumnsOf(a: AddressSnapshot | null): AddressColumns {
  return {
    shipRecipientName: a?.recipientName ?? null,
    shipPhone: a?.phone ?? null,
    shipPostcode: a?.postcode ?? null,
    shipRoadAddress: a?.roadAddress ?? null,
    shipDetail: a ? a.detail : null,
    shipMemo: a?.memo ?? null,
  };
}

/** Whether the caller named an address at all (then exactly one way is allowed). */
export const namesAddress = (choice: AddressChoice | null | undefined): boolean =>
  choice?.shippingAddressId != null || choice?.shippingAddress != null;

/**
 * The snapshot for an order: the book's address `shippingAddressId` (NOT_FOUND unless the
 * customer's own), the inline `shippingAddress` (checked like the book's), or, when `useDefault`
 * and neither is given, the customer's default address; null when there is none.
 */
export async function resolveOrderAddress(
  em: EntityManager,
  customerId: number,
  choice: AddressChoice | null | undefined,
  options: { useDefault: boolean },
): Promise<AddressSnapshot | null> {
  if (choice?.shippingAddressId != null && choice.shippingAddress != null) {
    throw badInput('shippingAddress', 'give either shippingAddressId or shippingAddress, not both');
  }
  if (choice?.shippingAddress != null) return snapshotOf(checkAddress(choice.shippingAddress));
  if (choice?.shippingAddressId != null) {
    const id = parseNumericId(choice.shippingAddressId);
    const address = id ? await em.fork().findOne(ShippingAddress, { id, customer: customerId }) : null;
    if (!address) throw notFound('Shipping address');
    return snapshotOf(address);
  }
  if (!options.useDefault) throw badInput('shippingAddress', 'give shippingAddressId or shippingAddress');
  // Plain SQL on the read pool: every createOrder without an address asks this (see db/sql.ts).
  const [row] = await sqlOf(em).rows<Record<string, unknown>>(
    'select recipient_name, phone, postcode, road_address, detail, memo from shipping_address where customer_id = ? and is_default = true limit 1',
    [customerId],
  );
  return row
    ? snapshotOf({
        recipientName: String(row.recipient_name),
        phone: String(row.phone),
        postcode: String(row.postcode),
        roadAddress: String(row.road_address),
        detail: String(row.detail),
        memo: row.memo == null ? null : String(row.memo),
      })
    : null;
}

function snapshotOf(a: Omit<AddressSnapshot, 'memo'> & { memo?: string | null }): AddressSnapshot {
  return {
    recipientName: a.recipientName,
    phone: a.phone,
    postcode: a.postcode,
    roadAddress: a.roadAddress,
    detail: a.detail,
    memo: a.memo ?? null,
  };
}
