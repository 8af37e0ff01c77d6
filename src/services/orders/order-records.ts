import type { EntityManager } from '@mikro-orm/knex';
import { Order, OrderStatus, type OrderItem } from '../../entities';

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
