import type { OrderEventKind, OrderStatus, PaymentStatus } from '../../entities';
import { asDate, asDateOrNull } from '../../db/sql';

/** One order event (a row of order_status_change) as feeds and notifications show it. */
export type OrderEventRecord = {
  id: number;
  customerId: number;
  orderDbId: number;
  orderId: string;
  kind: OrderEventKind;
  orderStatus: OrderStatus;
  paymentStatus: PaymentStatus | null;
  at: Date;
  readAt: Date | null;
  /** The shipment a SHIPPED or DELIVERED event is about, with its carrier and tracking number. */
  shipmentId: number | null;
  carrier: string | null;
  trackingNumber: string | null;
  /** Set when only this seller, of the order's sellers, is to hear of it (their own shipment). */
  sellerId: number | null;
};

export const EVENT_COLUMNS =
  'id, customer_id, order_id, order_code, kind, to_status, payment_status, at, read_at, shipment_id, carrier, tracking_number, seller_id';

export type EventRow = {
  id: number;
  customer_id: number;
  order_id: number;
  order_code: string;
  kind: OrderEventKind;
  to_status: OrderStatus;
  payment_status: PaymentStatus | null;
  at: unknown;
  read_at: unknown;
  shipment_id: number | null;
  carrier: string | null;
  tracking_number: string | null;
  seller_id: number | null;
};

export function toEventRecord(r: EventRow): OrderEventRecord {
  return {
    id: Number(r.id),
    customerId: Number(r.customer_id),
    orderDbId: Number(r.order_id),
    orderId: r.order_code,
    kind: r.kind,
    orderStatus: r.to_status,
    paymentStatus: r.payment_status ?? null,
    at: asDate(r.at),
    readAt: asDateOrNull(r.read_at),
    shipmentId: r.shipment_id == null ? null : Number(r.shipment_id),
    carrier: r.carrier ?? null,
    trackingNumber: r.tracking_number ?? null,
    sellerId: r.seller_id == null ? null : Number(r.seller_id),
  };
}
