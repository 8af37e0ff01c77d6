import type { ObjectQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { Order, OrderItem, OrderStatus } from '../../entities';
import { Role } from '../../entities/role';
import { sqlOf } from '../../db/sql';
import { badInput, notFound, serviceUnavailable } from '../../schema/errors';
import type { ShipmentService } from '../shipping/shipment.service';
import { decodeCursor, encodeCursor, pageSize } from '../shared/cursor';
import type { OrderLifecycle } from './order-lifecycle';
import { asSeenBySeller, selectOrderRecord, sellerLineNames, toOrderRecord, type OrderRecord, type OrderView } from './order-records';

export const MAX_ORDER_PAGE = 20;
export const CANCEL_REASON_MAX = 200;

export type OrderListQuery = { first?: number | null; after?: string | null; status?: OrderStatus | null; flagged?: boolean | null };
export type OrderPage = { items: OrderView[]; cursors: string[]; hasNextPage: boolean; filter: ObjectQuery<Order> };

/** Reading orders as each role may see them, customer cancels of unpaid orders, and the admin's delivery steps. */
export class OrderService {
  constructor(
    private readonly lifecycle: OrderLifecycle,
    /** Refunds a paid order through the PG and cancels it (the payments module); null when payments are off. */
    private readonly refunds: {
      refundPaid(em: EntityManager, order: Pick<Order, 'id' | 'orderId'>, reason: string | null): Promise<OrderRecord>;
    } | null,
    /** Shipments: the admin's delivery steps ship and deliver every open line. */
    private readonly shipments: Pick<ShipmentService, 'adminStep'>,
  ) {}

  /** One order, if the caller may see it; NOT_FOUND otherwise (someone else's order looks like no order). */
  async find(em: EntityManager, identity: Identity, orderId: string): Promise<OrderView> {
    const order = await em.findOne(Order, { orderId, ...this.scope(em, identity) });
    if (!order) throw notFound('Order');
    const [view] = await this.viewsFor(em, identity, [toOrderRecord(order)]);
    return view;
  }

  /** The caller's orders, newest first, keyset-paged: customers their own, sellers those holding their products, admins all. */
  async list(em: EntityManager, identity: Identity, query: OrderListQuery): Promise<OrderPage> {
    const size = pageSize(query.first, MAX_ORDER_PAGE);
    const workQueue = identity.role === Role.SELLER && query.status === OrderStatus.ORDER_COMPLETED;
    const filter: ObjectQuery<Order> = workQueue ? this.sellerWorkQueue(em, identity.accountId) : { ...this.scope(em, identity) };
    if (query.status && !workQueue) filter.status = query.status;
    if (query.flagged != null) filter.flaggedAt = query.flagged ? { $ne: null } : null;
    // The cursor is a condition of its own: a seller's scope is a condition on `id` too, and must never be replaced by it.
    const where: ObjectQuery<Order> = query.after
      ? { $and: [filter, { id: { $lt: decodeCursor(query.after, 'ORDERS', 'none').id } }] }
      : filter;
    const orders = await em.find(Order, where, { orderBy: { id: 'desc' }, limit: size + 1 });
    const items = await this.viewsFor(
      em,
      identity,
      orders.slice(0, size).map((o) => toOrderRecord(o)),
    );
    return {
      items,
      cursors: items.map(({ order }) => encodeCursor({ sort: 'ORDERS', value: 0, id: order.id })),
      hasNextPage: orders.length > size,
      filter,
    };
  }

  /** How many orders a listing's filter matches, across all pages. */
  count(em: EntityManager, filter: ObjectQuery<Order>): Promise<number> {
    return em.count(Order, filter);
  }

  /** The owning customer cancels an order before shipping: an unpaid one at once, a paid one after a full refund. Its stock returns. */
  async cancel(em: EntityManager, identity: Identity, orderId: string, reason?: string | null): Promise<OrderView> {
    const cleanReason = reason?.trim() || null;
    if (cleanReason && cleanReason.length > CANCEL_REASON_MAX) throw badInput('reason', `must be at most ${CANCEL_REASON_MAX} characters`);
    const order = await this.requireOwn(em, identity, orderId);
    if (order.status === OrderStatus.ORDER_COMPLETED) {
      if (!this.refunds) throw serviceUnavailable('Payments are not configured on this server (TOSS_SECRET_KEY is not set).');
      return { order: await this.refunds.refundPaid(em, order, cleanReason), sellerId: null };
    }
    if (order.status !== OrderStatus.PAYMENT_PENDING) throw cannotCancel(order.status);
    const { changed, order: now } = await this.lifecycle.run(em, order.id, {
      from: OrderStatus.PAYMENT_PENDING,
      to: OrderStatus.CANCELLED,
      patch: { cancelledAt: new Date(), cancelReason: cleanReason },
      reason: cleanReason ?? 'cancelled by the customer',
    });
    // Lost a race (it expired, or was cancelled, a moment ago): report what it is now.
    if (!changed && now.status !== OrderStatus.CANCELLED) throw cannotCancel(now.status);
    return { order: now, sellerId: null };
  }

  /**
   * Admin: moves a paid order forward, ORDER_COMPLETED -> SHIPPING -> DELIVERED, never back. The
   * manual step ships every open line (a shipment per seller, without tracking number) and, to
   * DELIVERED, delivers them all; it needs no shipping address (see ShipmentService.adminStep).
   */
  async advance(em: EntityManager, orderId: string, to: OrderStatus): Promise<OrderView> {
    if (to !== OrderStatus.SHIPPING && to !== OrderStatus.DELIVERED) {
      const order = await em.findOne(Order, { orderId }, { fields: ['status'] });
      if (!order) throw notFound('Order');
      throw badInput('status', `an order in ${order.status} cannot move to ${to}; the steps are ORDER_COMPLETED -> SHIPPING -> DELIVERED`);
    }
    await this.shipments.adminStep(em, orderId, to);
    const now = await em.fork().findOneOrFail(Order, { orderId });
    return { order: toOrderRecord(now), sellerId: null };
  }

  /** The caller's own order, as a customer; NOT_FOUND for anyone else. Plain SQL: every cancel starts here (issue #18). */
  private async requireOwn(em: EntityManager, identity: Identity, orderId: string): Promise<OrderRecord> {
    const order =
      identity.role === Role.CUSTOMER
        ? await selectOrderRecord(sqlOf(em), 'order_id = ? and customer_id = ?', [orderId, identity.accountId])
        : null;
    if (!order) throw notFound('Order');
    return order;
  }

  /** The orders a caller may see, as a filter. */
  private scope(em: EntityManager, identity: Identity): ObjectQuery<Order> {
    switch (identity.role) {
      case Role.CUSTOMER:
        return { customer: identity.accountId };
      case Role.SELLER:
        // A sub-query over order_item (indexed by seller, order): the seller's orders without joining and de-duplicating.
        const ofSeller = em.createQueryBuilder(OrderItem, 'i').select('i.order_id').where({ seller: identity.accountId }).getKnexQuery();
        return { id: { $in: ofSeller } } as unknown as ObjectQuery<Order>;
      case Role.ADMIN:
        return {};
    }
  }

  /**
   * A seller's work queue (`orders(status: ORDER_COMPLETED)`): paid orders holding a line of theirs
   * still to ship, whatever the other sellers' lines are doing.
   */
  private sellerWorkQueue(em: EntityManager, sellerId: number): ObjectQuery<Order> {
    const toShip = em
      .createQueryBuilder(OrderItem, 'i')
      .select('i.order_id')
      .where({ seller: sellerId, shipment: null })
      .andWhere('i.cancelled_quantity < i.quantity')
      .getKnexQuery();
    return { id: { $in: toShip }, status: { $in: [OrderStatus.ORDER_COMPLETED, OrderStatus.SHIPPING] } } as unknown as ObjectQuery<Order>;
  }

  /** The orders as the caller may see them; a seller's are reduced to what concerns them (see `asSeenBySeller`). */
  private async viewsFor(em: EntityManager, identity: Identity, orders: OrderRecord[]): Promise<OrderView[]> {
    if (identity.role !== Role.SELLER) return orders.map((order) => ({ order, sellerId: null }));
    const sellerId = identity.accountId;
    const names = await sellerLineNames(
      em,
      sellerId,
      orders.map((o) => o.id),
    );
    return orders.map((order) => ({ order: asSeenBySeller(order, names.get(order.id) ?? []), sellerId }));
  }
}

function cannotCancel(status: OrderStatus) {
  const why: Partial<Record<OrderStatus, string>> = {
    [OrderStatus.SHIPPING]: 'it is already being shipped',
    [OrderStatus.DELIVERED]: 'it has been delivered',
    [OrderStatus.CANCELLED]: 'it is already cancelled',
    [OrderStatus.PAYMENT_FAILED]: 'its payment failed, so there is nothing to cancel',
  };
  return badInput('orderId', `This order cannot be cancelled: ${why[status] ?? status}.`);
}
