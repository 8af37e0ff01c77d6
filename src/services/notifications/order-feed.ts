import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf } from '../../db/sql';
import type { OrderEventKind, OrderStatus, PaymentStatus } from '../../entities';
import type { EventBus, EventTopics, Unsubscribe } from '../events/event-bus';
import { itemRecords, type OrderItemRecord } from '../orders/order-records';
import { EventChannel } from './event-channel';
import { EVENT_COLUMNS, toEventRecord, type EventRow, type OrderEventRecord } from './order-event-records';

const REPLAY_LIMIT = 1000;
/**
 * What a seller's feed carries: new paid orders, cancellations, the delivery steps and 구매확정 of
 * orders touching their products (a shipment's own events reach only its seller: see OutboxRelay).
 */
const SELLER_KINDS = new Set<string>([
  'PAID',
  'CANCELLED',
  'REFUNDED',
  'SHIPPING',
  'SHIPPED',
  'DELIVERED',
  'PURCHASE_CONFIRMED',
  'ITEMS_CANCELLED',
]);

export type SellerOrderEvent = OrderEventRecord & { items: OrderItemRecord[] };
type Live = EventTopics['order.event'];

/**
 * Live order events for this instance's subscribers. One EventBus subscription per instance
 * fans out to local subscribers by customer (and by seller); a customer who reconnects with
 * the last id they saw first gets what they missed from MySQL, then live events, in id order.
 */
export class OrderFeed {
  private readonly byCustomer = new Map<number, Set<(e: Live) => void>>();
  private readonly bySeller = new Map<number, Set<(e: Live) => void>>();
  private unsubscribe: Unsubscribe | null = null;

  constructor(private readonly deps: { em: () => EntityManager; events: EventBus }) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.events.subscribe('order.event', (event) => {
      for (const listener of this.byCustomer.get(event.customerId) ?? []) listener(event);
      for (const sellerId of event.sellerIds) for (const listener of this.bySeller.get(sellerId) ?? []) listener(event);
    });
  }

  async close(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Subscribers on this instance (for benchmarks and health). */
  get subscriberCount(): number {
    let n = 0;
    for (const set of [...this.byCustomer.values(), ...this.bySeller.values()]) n += set.size;
    return n;
  }

  /** A customer's events after `afterId` (missed ones from MySQL first), then live ones. */
  customerEvents(customerId: number, afterId: number | null): AsyncIterableIterator<OrderEventRecord> {
    let lastSent = afterId ?? 0;
    let replaying = afterId !== null;
    const pending: Live[] = [];
    const channel = new EventChannel<OrderEventRecord>(() => remove());
    const send = (event: OrderEventRecord) => {
      if (event.id <= lastSent) return; // already sent (a replayed event published again, or a relay repeat)
      lastSent = event.id;
      channel.push(event);
    };
    const remove = this.listen(this.byCustomer, customerId, (live) => (replaying ? pending.push(live) : send(fromLive(live))));
    if (afterId !== null) {
      void this.missed(customerId, afterId)
        .then((rows) => {
          for (const row of rows) send(row);
          replaying = false;
          for (const live of pending.splice(0)) send(fromLive(live));
        })
        .catch((err: unknown) => channel.fail(err instanceof Error ? err : new Error(String(err))));
    }
    return channel;
  }

  /** A seller's live feed: new paid orders and cancellations with lines of theirs, with only those lines. */
  sellerEvents(sellerId: number): AsyncIterableIterator<SellerOrderEvent> {
    const channel = new EventChannel<SellerOrderEvent>(() => remove());
    let chain = Promise.resolve();
    const remove = this.listen(this.bySeller, sellerId, (live) => {
      if (!SELLER_KINDS.has(live.kind)) return;
      // Lines are read in arrival order, so the feed keeps the events' order.
      chain = chain
        .then(async () => channel.push({ ...fromLive(live), items: await this.sellerLines(live.orderDbId, sellerId) }))
        .catch((err: unknown) => channel.fail(err instanceof Error ? err : new Error(String(err))));
    });
    return channel;
  }

  private listen(map: Map<number, Set<(e: Live) => void>>, key: number, listener: (e: Live) => void): () => void {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) map.delete(key);
    };
  }

  private async missed(customerId: number, afterId: number): Promise<OrderEventRecord[]> {
    const rows = await sqlOf(this.deps.em()).rows<EventRow>(
      `select ${EVENT_COLUMNS} from order_status_change where customer_id = ? and id > ? order by id limit ${REPLAY_LIMIT}`,
      [customerId, afterId],
    );
    return rows.map(toEventRecord);
  }

  private sellerLines(orderDbId: number, sellerId: number): Promise<OrderItemRecord[]> {
    return itemRecords(sqlOf(this.deps.em()), 'i.order_id = ? and i.seller_id = ?', [orderDbId, sellerId]);
  }
}

function fromLive(e: Live): OrderEventRecord {
  return {
    id: e.id,
    customerId: e.customerId,
    orderDbId: e.orderDbId,
    orderId: e.orderId,
    kind: e.kind as OrderEventKind,
    orderStatus: e.orderStatus as OrderStatus,
    paymentStatus: e.paymentStatus as PaymentStatus | null,
    at: new Date(e.at),
    readAt: null,
    shipmentId: e.shipmentId ?? null,
    carrier: e.carrier ?? null,
    trackingNumber: e.trackingNumber ?? null,
    sellerId: null,
  };
}
