import type { EntityManager } from '@mikro-orm/knex';
import { Order, OrderItem, OrderStatus } from '../../entities';
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
};

export type OrderItemRecord = {
  id: number;
  orderDbId: number;
  productId: number;
  sellerId: number;
  productName: string;
  unitPrice: number;
  quantity: number;
};

/**
 * What a caller may see of an order: customers and admins see every line; a seller sees only
 * their own lines (`sellerId` set), and the amount of those lines.
 */
export type OrderView = { order: OrderRecord; sellerId: number | null };

/** Statuses of an order that has been paid (and not refunded). */
export const PAID_STATUSES: ReadonlySet<OrderStatus> = new Set([OrderStatus.ORDER_COMPLETED, OrderStatus.SHIPPING, OrderStatus.DELIVERED]);

/** The order as it is now in MySQL (read through a fresh fork, so nothing cached is returned). */
export async function loadOrderRecord(em: EntityManager, orderDbId: number): Promise<OrderRecord> {
  return toOrderRecord(await em.fork().findOneOrFail(Order, orderDbId));
}

export function toOrderItemRecord(i: OrderItem): OrderItemRecord {
  return {
    id: i.id,
    orderDbId: i.order.id,
    productId: i.product.id,
    sellerId: i.seller.id,
    productName: i.productName,
    unitPrice: i.unitPrice,
    quantity: i.quantity,
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
  };
}

/**
 * An order as a seller sees it (it may hold other sellers' products): its name built from the
 * seller's own lines, like the order's own ("행주 외 1건" counts only theirs), and none of the
 * customer's free text (`cancelReason`; `failureMessage`, which may quote Toss about the
 * customer's card). `ownLineNames` are the seller's product names in line order.
 */
export function asSeenBySeller(order: OrderRecord, ownLineNames: readonly string[]): OrderRecord {
  // A seller only ever sees orders holding a line of theirs; the orderId stands in should there be none.
  const orderName = ownLineNames.length > 0 ? orderNameFor(ownLineNames) : order.orderId;
  return { ...order, orderName, cancelReason: null, failureMessage: null };
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
