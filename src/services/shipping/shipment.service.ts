import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { sqlOf } from '../../db/sql';
import { Order, OrderEventKind, OrderItem, OrderStatus, Shipment, ShipmentStatus } from '../../entities';
import { Role } from '../../entities/role';
import { badInput, conflict, notFound } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import type { OrderLifecycle, ShipmentEvent } from '../orders/order-lifecycle';
import { retryOnDeadlock } from '../shared/deadlock';
import { parseTrackingNumber, type Carrier } from './carriers';
import { addressOfOrder, namesAddress, orderColumnsOf, resolveOrderAddress, type AddressChoice } from './order-address';
import { lockOrder } from './order-lock';
import { toShipmentRecord, type ShipmentRecord } from './shipment-records';

/** At most this many lines in one shipOrderItems call (an order holds at most 100 products). */
export const MAX_SHIPMENT_ITEMS = 100;

export type ShipInput = { orderId: string; itemIds: readonly string[]; carrier: Carrier; trackingNumber: string };

/**
 * Per-seller shipments (택배): a seller ships its own lines of a paid order with a carrier and a
 * tracking number, then marks the parcel delivered; the order's status follows its lines. Every
 * change runs in one transaction holding the order's row lock (see lockOrder), so two sellers
 * shipping one order take turns, and a refund either claimed the order before (the shipment is
 * refused) or finds it SHIPPING after (the refund is refused): never both.
 */
export class ShipmentService {
  constructor(private readonly lifecycle: OrderLifecycle) {}

  /** Ships `itemIds` (lines of one seller, not yet shipped) of a paid order that has an address. */
  async ship(em: EntityManager, identity: Identity, input: ShipInput): Promise<ShipmentRecord> {
    const tracking = parseTrackingNumber(input.carrier, input.trackingNumber);
    if (!tracking.ok) throw badInput('trackingNumber', tracking.reason);
    const itemIds = parseItemIds(input.itemIds);
    const shipment = await this.inOrder(em, { orderId: input.orderId }, async (tx, order) => {
      const items = await tx.find(OrderItem, { id: { $in: itemIds }, order: order.id });
      // A seller sees only their own lines: anyone else's, like a line of another order, is not there for them.
      const own = identity.role === Role.SELLER ? items.filter((i) => i.seller.id === identity.accountId) : items;
      if (identity.role === Role.SELLER && own.length === 0 && !(await this.holdsLinesOf(tx, order.id, identity.accountId))) {
        throw notFound('Order');
      }
      if (own.length !== itemIds.length) throw notFound('Order item');
      checkShippable(order);
      if (!addressOfOrder(order)) {
        throw badInput('orderId', 'This order has no shipping address yet: the customer sets one with setOrderShippingAddress.');
      }
      const sellers = new Set(items.map((i) => i.seller.id));
      if (sellers.size > 1) throw badInput('itemIds', "one shipment holds one seller's lines; ship each seller's lines separately");
      const shipped = items.filter((i) => i.shipment !== null);
      if (shipped.length > 0) throw badInput('itemIds', `line ${shipped[0].id} has already been shipped`);
      const cancelled = items.find((i) => i.cancelledQuantity >= i.quantity);
      if (cancelled) throw badInput('itemIds', `line ${cancelled.id} has been cancelled`);
      const created = await this.createShipment(tx, order, items, { carrier: input.carrier, trackingNumber: tracking.value });
      const event: ShipmentEvent = {
        id: created.id,
        sellerId: created.seller.id,
        carrier: created.carrier,
        trackingNumber: created.trackingNumber,
      };
      await this.moveOrRecord(tx, order, OrderStatus.SHIPPING, {
        kind: OrderEventKind.SHIPPED,
        shipment: event,
        reason: 'shipped by the seller',
      });
      return created;
    });
    return toShipmentRecord(shipment);
  }

  /** The shipment's seller (or an admin) marks it delivered; the order is DELIVERED once every line is. */
  async markDelivered(em: EntityManager, identity: Identity, shipmentId: string): Promise<ShipmentRecord> {
    const id = parseNumericId(shipmentId);
    const found = id ? await em.fork().findOne(Shipment, id, { fields: ['order', 'seller'] }) : null;
    if (!found || (identity.role === Role.SELLER && found.seller.id !== identity.accountId)) throw notFound('Shipment');
    const shipment = await this.inOrder(em, { id: found.order.id }, async (tx, order) => {
      const now = new Date();
      const moved = await tx.nativeUpdate(
        Shipment,
        { id: found.id, status: ShipmentStatus.SHIPPING },
        { status: ShipmentStatus.DELIVERED, deliveredAt: now },
      );
      if (moved === 0) throw badInput('shipmentId', 'This shipment has already been delivered.');
      const delivered = await tx.findOneOrFail(Shipment, found.id, { refresh: true });
      const event: ShipmentEvent = {
        id: delivered.id,
        sellerId: delivered.seller.id,
        carrier: delivered.carrier,
        trackingNumber: delivered.trackingNumber,
      };
      const allDelivered = (await this.undeliveredLines(tx, order.id)) === 0;
      const to = allDelivered && order.status === OrderStatus.SHIPPING ? OrderStatus.DELIVERED : order.status;
      await this.moveOrRecord(tx, order, to, { kind: OrderEventKind.DELIVERED, shipment: event, reason: 'delivered' });
      return delivered;
    });
    return toShipmentRecord(shipment);
  }

  /**
   * The customer sets (or replaces) their order's address, until its first line ships: while it is
   * unpaid or paid and unshipped. Exactly one of the book's address or an inline one.
   */
  async setAddress(em: EntityManager, customerId: number, orderId: string, choice: AddressChoice): Promise<void> {
    if (!namesAddress(choice)) throw badInput('shippingAddress', 'give shippingAddressId or shippingAddress');
    const address = await resolveOrderAddress(em, customerId, choice, { useDefault: false });
    await this.inOrder(em, { orderId }, async (tx, order) => {
      if (order.customer.id !== customerId) throw notFound('Order');
      const open = order.status === OrderStatus.PAYMENT_PENDING || order.status === OrderStatus.ORDER_COMPLETED;
      if (!open || (await tx.count(Shipment, { order: order.id })) > 0) {
        throw badInput(
          'orderId',
          `The address can no longer change: the order is ${order.status}${open ? ' and a line has shipped' : ''}.`,
        );
      }
      await tx.nativeUpdate(Order, { id: order.id }, { ...orderColumnsOf(address), updatedAt: new Date() });
    });
  }

  /**
   * The admin's manual step (updateOrderStatus), which needs no address or tracking number:
   * ORDER_COMPLETED -> SHIPPING ships every open line (a shipment per seller, without tracking);
   * SHIPPING -> DELIVERED ships what is left the same way and marks every shipment delivered.
   */
  async adminStep(em: EntityManager, orderId: string, to: OrderStatus.SHIPPING | OrderStatus.DELIVERED): Promise<void> {
    await this.inOrder(em, { orderId }, async (tx, order) => {
      const from = to === OrderStatus.SHIPPING ? OrderStatus.ORDER_COMPLETED : OrderStatus.SHIPPING;
      if (order.status !== from) {
        throw badInput(
          'status',
          `an order in ${order.status} cannot move to ${to}; the steps are ORDER_COMPLETED -> SHIPPING -> DELIVERED`,
        );
      }
      if (order.refundClaimedAt) throw refundUnderWay('status');
      const unshipped = await tx.find(OrderItem, { order: order.id, shipment: null }, { orderBy: { id: 'asc' } });
      const open = unshipped.filter((i) => i.cancelledQuantity < i.quantity);
      for (const sellerId of new Set(open.map((i) => i.seller.id))) {
        await this.createShipment(
          tx,
          order,
          open.filter((i) => i.seller.id === sellerId),
          { carrier: null, trackingNumber: null },
        );
      }
      if (to === OrderStatus.DELIVERED) {
        await tx.nativeUpdate(
          Shipment,
          { order: order.id, status: ShipmentStatus.SHIPPING },
          { status: ShipmentStatus.DELIVERED, deliveredAt: new Date() },
        );
      }
      await this.lifecycle.apply(tx, order.id, { from, to, reason: 'by an admin', unclaimed: true });
    });
  }

  /**
   * Runs `work` in a transaction holding the order's row lock, retried on deadlock; tells the
   * outbox relay after commit. NOT_FOUND when there is no such order.
   */
  private async inOrder<T>(
    em: EntityManager,
    where: { orderId: string } | { id: number },
    work: (tx: EntityManager, order: Order) => Promise<T>,
  ): Promise<T> {
    const result = await retryOnDeadlock(() => em.fork().transactional(async (tx) => work(tx, await lockOrder(tx, where))));
    this.lifecycle.committed();
    return result;
  }

  private async createShipment(
    tx: EntityManager,
    order: Order,
    items: OrderItem[],
    tracking: { carrier: Carrier | null; trackingNumber: string | null },
  ): Promise<Shipment> {
    const shipment = tx.create(Shipment, { order: order.id, seller: items[0].seller.id, ...tracking, shippedAt: new Date() });
    await tx.flush();
    // Under the order's lock nothing else ships these lines; the condition is a second guard.
    const assigned = await tx.nativeUpdate(OrderItem, { id: { $in: items.map((i) => i.id) }, shipment: null }, { shipment: shipment.id });
    if (assigned !== items.length) throw new Error(`order ${order.orderId}: lines were shipped meanwhile`);
    return shipment;
  }

  /**
   * Moves the order to `to` with the event (its first shipment: ORDER_COMPLETED -> SHIPPING, its
   * last delivery: SHIPPING -> DELIVERED), or records the event without a status change.
   */
  private async moveOrRecord(
    tx: EntityManager,
    order: Order,
    to: OrderStatus,
    event: { kind: OrderEventKind.SHIPPED | OrderEventKind.DELIVERED; shipment: ShipmentEvent; reason: string },
  ): Promise<void> {
    const detail = { kind: event.kind, shipment: event.shipment };
    if (to !== order.status) {
      const moved = await this.lifecycle.apply(tx, order.id, {
        from: order.status,
        to,
        reason: event.reason,
        unclaimed: true,
        event: detail,
      });
      if (!moved) throw new Error(`order ${order.orderId} changed under its lock`);
      return;
    }
    const paymentStatus = await this.lifecycle.paymentStatusOf(tx, order.id, null);
    this.lifecycle.recordEvent(tx, order, { ...detail, paymentStatus, from: order.status, to, reason: event.reason });
    await tx.flush();
  }

  /** Lines of the order still in it (not wholly cancelled) and not yet in a delivered shipment. */
  private async undeliveredLines(tx: EntityManager, orderDbId: number): Promise<number> {
    const [row] = await sqlOf(tx).rows<{ n: unknown }>(
      `select count(*) as n from order_item i left join shipment s on s.id = i.shipment_id
        where i.order_id = ? and i.cancelled_quantity < i.quantity and (s.id is null or s.status <> ?)`,
      [orderDbId, ShipmentStatus.DELIVERED],
    );
    return Number(row?.n ?? 0);
  }

  private async holdsLinesOf(tx: EntityManager, orderDbId: number, sellerId: number): Promise<boolean> {
    return (await tx.count(OrderItem, { order: orderDbId, seller: sellerId })) > 0;
  }
}

/** Only a paid order ships, and not while Toss is refunding it. */
function checkShippable(order: Order): void {
  if (order.status !== OrderStatus.ORDER_COMPLETED && order.status !== OrderStatus.SHIPPING) {
    const why: Partial<Record<OrderStatus, string>> = {
      [OrderStatus.PAYMENT_PENDING]: 'it has not been paid',
      [OrderStatus.CANCELLED]: 'it has been cancelled',
      [OrderStatus.PAYMENT_FAILED]: 'its payment failed',
      [OrderStatus.DELIVERED]: 'every line has been delivered',
    };
    throw badInput('orderId', `This order cannot be shipped: ${why[order.status as OrderStatus] ?? order.status}.`);
  }
  if (order.refundClaimedAt) throw refundUnderWay('orderId');
}

export function refundUnderWay(field: string) {
  return conflict('A refund of this order is under way at Toss; it cannot be shipped unless the refund fails.', field);
}

/** The line ids of a shipOrderItems call: 1 to MAX_SHIPMENT_ITEMS distinct ids. */
function parseItemIds(raw: readonly string[]): number[] {
  if (raw.length === 0) throw badInput('itemIds', 'name at least one line of the order');
  if (raw.length > MAX_SHIPMENT_ITEMS) throw badInput('itemIds', `one shipment holds at most ${MAX_SHIPMENT_ITEMS} lines`);
  const ids = raw.map((id) => parseNumericId(id));
  if (ids.some((id) => id === null)) throw notFound('Order item');
  if (new Set(ids).size !== ids.length) throw badInput('itemIds', 'names the same line twice');
  return ids as number[];
}
