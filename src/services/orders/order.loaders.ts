import DataLoader from 'dataloader';
import type { ReadWork } from '../../db/read-route';
import { sqlOf } from '../../db/sql';
import { Payment, Shipment } from '../../entities';
import { toPaymentRecord, type PaymentRecord } from '../payments/payment-records';
import { toShipmentRecord, type ShipmentRecord } from '../shipping/shipment-records';
import { itemRecords, type OrderItemRecord } from './order-records';

/**
 * Batches the reads an order list needs (one query for every order's lines). Made per request;
 * `read` runs each batch on an EntityManager fork of the request's read route (db/read-route.ts).
 */
export function createOrderLoaders(read: <T>(work: ReadWork<T>) => Promise<T>) {
  return {
    orderItemsByOrderId: new DataLoader<number, OrderItemRecord[]>(async (orderIds) => {
      const rows = await read((em) => itemRecords(sqlOf(em), `i.order_id in (${orderIds.map(() => '?').join(', ')})`, [...orderIds]));
      const grouped = new Map<number, OrderItemRecord[]>();
      for (const row of rows) grouped.set(row.orderDbId, [...(grouped.get(row.orderDbId) ?? []), row]);
      return orderIds.map((id) => grouped.get(id) ?? []);
    }),
    shipmentsByOrderId: new DataLoader<number, ShipmentRecord[]>(async (orderIds) => {
      const rows = await read((em) =>
        em.find(Shipment, { order: { $in: [...orderIds] } }, { orderBy: { id: 'asc' }, disableIdentityMap: true }),
      );
      const grouped = new Map<number, ShipmentRecord[]>();
      for (const row of rows.map(toShipmentRecord)) grouped.set(row.orderDbId, [...(grouped.get(row.orderDbId) ?? []), row]);
      return orderIds.map((id) => grouped.get(id) ?? []);
    }),
    paymentByOrderId: new DataLoader<number, PaymentRecord | null>(async (orderIds) => {
      const rows = await read((em) => em.find(Payment, { order: { $in: [...orderIds] } }, { disableIdentityMap: true }));
      const byOrder = new Map(rows.map((p) => [p.order.id, toPaymentRecord(p)]));
      return orderIds.map((id) => byOrder.get(id) ?? null);
    }),
  };
}

export type OrderLoaders = ReturnType<typeof createOrderLoaders>;
