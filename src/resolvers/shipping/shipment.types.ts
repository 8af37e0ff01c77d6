import { CacheInherit } from '../../schema/cache-control';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Carrier, ShipmentStatus } from '../../schema/enums';
import { CARRIERS, trackingUrl } from '../../services/shipping/carriers';
import type { AddressSnapshot } from '../../services/shipping/order-address';
import type { ShipmentRecord } from '../../services/shipping/shipment-records';

@ObjectType('Shipment', { description: "One parcel (택배): lines of one order, all of one seller's, with a carrier and tracking number." })
export class ShipmentType {
  @Field(() => ID)
  id!: string;

  @Field(() => Carrier, { nullable: true, description: "Null when an admin's updateOrderStatus shipped the lines (no tracking)." })
  carrier!: Carrier | null;

  @Field(() => String, { nullable: true, description: '송장번호, digits only; null like carrier.' })
  trackingNumber!: string | null;

  @Field(() => String, { nullable: true, description: "The carrier's public tracking page for this parcel." })
  trackingUrl!: string | null;

  @Field(() => ShipmentStatus)
  status!: ShipmentStatus;

  @Field(() => Date)
  shippedAt!: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  /** Not GraphQL fields: the seller and the lines are resolved by loaders. */
  record!: ShipmentRecord;
}

@CacheInherit()
@ObjectType('CarrierInfo', { description: 'A parcel carrier and the tracking numbers (송장번호) it issues.' })
export class CarrierInfoType {
  @Field(() => Carrier)
  code!: Carrier;

  @Field(() => String, { description: 'Its Korean name, e.g. CJ대한통운.' })
  name!: string;

  @Field(() => String)
  nameEn!: string;

  @Field(() => [Int], { description: 'How many digits its tracking numbers have (spaces and hyphens are ignored).' })
  trackingNumberDigits!: number[];
}

@ObjectType('OrderShippingAddress', {
  description: "The address an order ships to: a snapshot, unchanged by later edits of the customer's address book.",
})
export class OrderShippingAddressType {
  @Field(() => String)
  recipientName!: string;

  @Field(() => String, { description: 'Digits only, e.g. 01012345678.' })
  phone!: string;

  @Field(() => String)
  postcode!: string;

  @Field(() => String)
  roadAddress!: string;

  @Field(() => String, { description: 'An empty string when there is none.' })
  detail!: string;

  @Field(() => String, { nullable: true })
  memo!: string | null;
}

export function toShipmentType(s: ShipmentRecord): ShipmentType {
  return {
    id: String(s.id),
    carrier: s.carrier,
    trackingNumber: s.trackingNumber,
    trackingUrl: s.carrier && s.trackingNumber ? trackingUrl(s.carrier, s.trackingNumber) : null,
    status: s.status,
    shippedAt: s.shippedAt,
    deliveredAt: s.deliveredAt,
    record: s,
  };
}

export function toCarrierInfoType(code: Carrier): CarrierInfoType {
  const info = CARRIERS[code];
  return { code, name: info.nameKo, nameEn: info.nameEn, trackingNumberDigits: [...info.digits] };
}

export const toOrderShippingAddressType = (a: AddressSnapshot): OrderShippingAddressType => ({ ...a });
