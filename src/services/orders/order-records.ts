import type { Order, OrderStatus } from '../../entities';

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
  };
}
