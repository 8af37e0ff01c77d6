import type { EntityManager } from '@mikro-orm/knex';
import DataLoader from 'dataloader';
import { OrderItem, Payment } from '../../entities';
import { toPaymentRecord, type PaymentRecord } from '../payments/payment-records';
import type { OrderItemRecord } from './order-records';

/** Batches the reads an order list needs (one query for every order's lines). Made per request. */
export function createOrderLoaders(em: EntityManager) {
  return {
    orderItemsByOrderId: new DataLoader<number, OrderItemRecord[]>(async (orderIds) => {
      const rows: Array<
        Omit<OrderItemRecord, 'orderDbId' | 'productId' | 'sellerId'> & { order: number; product: number; seller: number }
      > = await em
        .createQueryBuilder(OrderItem)
        .select(['id', 'order', 'product', 'seller', 'productName', 'unitPrice', 'quantity'])
        .where({ order: { $in: [...orderIds] } })
        .orderBy({ id: 'asc' })
        .execute('all', true);
      const grouped = new Map<number, OrderItemRecord[]>();
      for (const { order, product, seller, ...rest } of rows) {
        const list = grouped.get(order) ?? [];
        list.push({ ...rest, orderDbId: order, productId: product, sellerId: seller });
        grouped.set(order, list);
      }
      return orderIds.map((id) => grouped.get(id) ?? []);
    }),
    paymentByOrderId: new DataLoader<number, PaymentRecord | null>(async (orderIds) => {
      const rows = await em.find(Payment, { order: { $in: [...orderIds] } }, { disableIdentityMap: true });
      const byOrder = new Map(rows.map((p) => [p.order.id, toPaymentRecord(p)]));
      return orderIds.map((id) => byOrder.get(id) ?? null);
    }),
  };
}

export type OrderLoaders = ReturnType<typeof createOrderLoaders>;
