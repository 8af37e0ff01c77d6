import type { EntityManager } from '@mikro-orm/knex';
import { asDate, asDateOrNull, committedSqlOf, type Sql } from '../../db/sql';
import { Order, OrderItem, OrderStatus, ShipmentStatus } from '../../entities';
import { addressOfOrder, type AddressSnapshot } from '../shipping/order-address';
import { orderNameFor } from './order-identity';

/** An order as the read path needs it (a plain object, not a managed entity). */
export type OrderRecord = {
  id: number;
  orderId: string;
  customerId: number;
  orderName: string;
  status: OrderStatus;
  totalAmount: number;
  failureCode: string | null;
  failureMessage: string | null;
  cancelReason: string | null;
  expiresAt: Date;
  orderedAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  /** Set while a refund is being made at Toss (shipping waits). */
  refundClaimedAt: Date | null;
  /** Set when an admin must look at the order (see Order.flaggedAt). */
  flaggedAt: Date | null;
  flagReason: string | null;
  /** The shipping address given for the order (a snapshot), or null while there is none. */
  shippingAddress: AddressSnapshot | null;
};

/** A line's own status: the order's while it is unpaid or ended, then its shipment's, then 구매확정. */
export enum OrderItemStatus {
  PAYMENT_PENDING = 'PAYMENT_PENDING',
  ORDER_COMPLETED = 'ORDER_COMPLETED',
  SHIPPING = 'SHIPPING',
  DELIVERED = 'DELIVERED',
  PURCHASE_CONFIRMED = 'PURCHASE_CONFIRMED',
  CANCELLED = 'CANCELLED',
  PAYMENT_FAILED = 'PAYMENT_FAILED',
}

export type OrderItemRecord = {
  id: number;
  orderDbId: number;
  productId: number;
  sellerId: number;
  productName: string;
  unitPrice: number;
  quantity: number;
  /** Units refunded by partial cancels. */
  cancelledQuantity: number;
  shipmentId: number | null;
  confirmedAt: Date | null;
  status: OrderItemStatus;
};

/**
 * A line's status from its order's status, its shipment's and its confirmation. An order shipped
 * by an admin before shipments existed has lines without one: they follow the order.
 */
export function lineStatus(
  orderStatus: OrderStatus,
  line: { shipmentStatus: ShipmentStatus | null; confirmedAt: Date | null; fullyCancelled?: boolean },
): OrderItemStatus {
  switch (orderStatus) {
    case OrderStatus.PAYMENT_PENDING:
    case OrderStatus.CANCELLED:
    case OrderStatus.PAYMENT_FAILED:
      return orderStatus as unknown as OrderItemStatus;
    default:
      if (line.fullyCancelled) return OrderItemStatus.CANCELLED;
      if (line.confirmedAt) return OrderItemStatus.PURCHASE_CONFIRMED;
      if (line.shipmentStatus === ShipmentStatus.DELIVERED) return OrderItemStatus.DELIVERED;
      if (line.shipmentStatus === ShipmentStatus.SHIPPING) return OrderItemStatus.SHIPPING;
      return orderStatus === OrderStatus.DELIVERED ? OrderItemStatus.DELIVERED : OrderItemStatus.ORDER_COMPLETED;
  }
}

/**
 * The lines matching `where` (a condition on `i`, the order_item; `o` is its order), in line
 * order, each with its status: one query with its order and shipment joined.
 */
export async function itemRecords(sql: Sql, where: string, params: unknown[]): Promise<OrderItemRecord[]> {
  const rows = await sql.rows<Record<string, unknown>>(
    `select i.id, i.order_id, i.product_id, i.seller_id, i.product_name, i.unit_price, i.quantity, i.cancelled_quantity, i.shipment_id, i.confirmed_at,
            o.status as order_status, s.status as shipment_status
       from order_item i join customer_order o on o.id = i.order_id left join shipment s on s.id = i.shipment_id
      where ${where} order by i.id`,
    params,
  );
  return rows.map((r) => {
    const confirmedAt = asDateOrNull(r.confirmed_at);
    const quantity = Number(r.quantity);
    const cancelledQuantity = Number(r.cancelled_quantity ?? 0);
    return {
      id: Number(r.id),
      orderDbId: Number(r.order_id),
      productId: Number(r.product_id),
      sellerId: Number(r.seller_id),
      productName: String(r.product_name),
      unitPrice: Number(r.unit_price),
      quantity,
      cancelledQuantity,
      shipmentId: r.shipment_id == null ? null : Number(r.shipment_id),
      confirmedAt,
      status: lineStatus(r.order_status as OrderStatus, {
        shipmentStatus: (r.shipment_status as ShipmentStatus) ?? null,
        confirmedAt,
        fullyCancelled: cancelledQuantity >= quantity,
      }),
    };
  });
}

/**
 * What a caller may see of an order: customers and admins see every line; a seller sees only
 * their own lines (`sellerId` set), and the amount of those lines.
 */
export type OrderView = { order: OrderRecord; sellerId: number | null };

/** Statuses of an order that has been paid (and not refunded). */
export const PAID_STATUSES: ReadonlySet<OrderStatus> = new Set([OrderStatus.ORDER_COMPLETED, OrderStatus.SHIPPING, OrderStatus.DELIVERED]);

/** The order as it is now in MySQL: committed, read outside any transaction of `em` (so nothing cached is returned). */
export async function loadOrderRecord(em: EntityManager, orderDbId: number): Promise<OrderRecord> {
  const order = await selectOrderRecord(committedSqlOf(em), 'id = ?', [orderDbId]);
  if (!order) throw new Error(`order ${orderDbId} not found`);
  return order;
}

/** The order matching `where` (a condition on customer_order), as a record; null when there is none. */
export async function selectOrderRecord(sql: Sql, where: string, params: readonly unknown[]): Promise<OrderRecord | null> {
  const [row] = await sql.rows<Record<string, unknown>>(
    `select id, order_id, customer_id, order_name, status, total_amount, failure_code, failure_message, cancel_reason,
            expires_at, ordered_at, paid_at, cancelled_at, refund_claimed_at, flagged_at, flag_reason,
            ship_recipient_name, ship_phone, ship_postcode, ship_road_address, ship_detail, ship_memo
       from customer_order where ${where}`,
    params,
  );
  return row ? orderRecordOf(row) : null;
}

const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

function orderRecordOf(r: Record<string, unknown>): OrderRecord {
  return {
    id: Number(r.id),
    orderId: String(r.order_id),
    customerId: Number(r.customer_id),
    orderName: String(r.order_name),
    status: r.status as OrderStatus,
    totalAmount: Number(r.total_amount),
    failureCode: textOrNull(r.failure_code),
    failureMessage: textOrNull(r.failure_message),
    cancelReason: textOrNull(r.cancel_reason),
    expiresAt: asDate(r.expires_at),
    orderedAt: asDate(r.ordered_at),
    paidAt: asDateOrNull(r.paid_at),
    cancelledAt: asDateOrNull(r.cancelled_at),
    refundClaimedAt: asDateOrNull(r.refund_claimed_at),
    flaggedAt: asDateOrNull(r.flagged_at),
    flagReason: textOrNull(r.flag_reason),
    shippingAddress: addressOfOrder({
      shipRecipientName: textOrNull(r.ship_recipient_name),
      shipPhone: textOrNull(r.ship_phone),
      shipPostcode: textOrNull(r.ship_postcode),
      shipRoadAddress: textOrNull(r.ship_road_address),
      shipDetail: textOrNull(r.ship_detail),
      shipMemo: textOrNull(r.ship_memo),
    }),
  };
}

export function toOrderRecord(o: Order): OrderRecord {
  return {
    id: o.id,
    orderId: o.orderId,
    customerId: o.customer.id,
    orderName: o.orderName,
    status: o.status,
    totalAmount: o.totalAmount,
    failureCode: o.failureCode,
    failureMessage: o.failureMessage,
    cancelReason: o.cancelReason,
    expiresAt: o.expiresAt,
    orderedAt: o.orderedAt,
    paidAt: o.paidAt,
    cancelledAt: o.cancelledAt,
    refundClaimedAt: o.refundClaimedAt,
    flaggedAt: o.flaggedAt,
    flagReason: o.flagReason,
    shippingAddress: addressOfOrder(o),
  };
}

/**
 * An order as a seller sees it (it may hold other sellers' products): its name built from the
 * seller's own lines, like the order's own ("행주 외 1건" counts only theirs), and none of the
 * customer's free text (`cancelReason`; `failureMessage`, which may quote Toss about the
 * customer's card), and the shipping address only once the order is paid. `ownLineNames` are the seller's product names in line order.
 */
export function asSeenBySeller(order: OrderRecord, ownLineNames: readonly string[]): OrderRecord {
  // A seller only ever sees orders holding a line of theirs; the orderId stands in should there be none.
  const orderName = ownLineNames.length > 0 ? orderNameFor(ownLineNames) : order.orderId;
  // The address is what a seller ships to: theirs to see once the order is paid, not before.
  const shippingAddress = PAID_STATUSES.has(order.status) ? order.shippingAddress : null;
  return { ...order, orderName, cancelReason: null, failureMessage: null, shippingAddress };
}

/** The product names of `sellerId`'s lines in each order, in line order (one query for the page). */
export async function sellerLineNames(em: EntityManager, sellerId: number, orderDbIds: number[]): Promise<Map<number, string[]>> {
  const names = new Map<number, string[]>();
  if (orderDbIds.length === 0) return names;
  const rows: Array<{ order: number; productName: string }> = await em
    .createQueryBuilder(OrderItem)
    .select(['order', 'productName'])
    .where({ order: { $in: orderDbIds }, seller: sellerId })
    .orderBy({ id: 'asc' })
    .execute('all', true);
  for (const { order, productName } of rows) names.set(order, [...(names.get(order) ?? []), productName]);
  return names;
}
