import { Shipment, ShipmentStatus } from '../../entities';
import type { Carrier } from './carriers';

/** A shipment as the read path needs it (a plain object). */
export type ShipmentRecord = {
  id: number;
  orderDbId: number;
  sellerId: number;
  carrier: Carrier | null;
  trackingNumber: string | null;
  status: ShipmentStatus;
  shippedAt: Date;
  deliveredAt: Date | null;
};

export function toShipmentRecord(s: Shipment): ShipmentRecord {
  return {
    id: s.id,
    orderDbId: s.order.id,
    sellerId: s.seller.id,
    carrier: s.carrier as Carrier | null,
    trackingNumber: s.trackingNumber,
    status: s.status,
    shippedAt: s.shippedAt,
    deliveredAt: s.deliveredAt,
  };
}
