import type { EntityManager } from '@mikro-orm/knex';
import { asDate, sqlOf, sqlTransaction } from '../../db/sql';
import type { OrderEventKind } from '../../entities';
import type { Logger } from '../../logger';
import { NO_METRICS, type BusinessMetrics } from '../shared/business-metrics';
import type { EventBus } from '../events/event-bus';
import { EVENT_COLUMNS, toEventRecord, type EventRow } from './order-event-records';

const BATCH = 500;

/**
 * Publishes committed order events from the outbox (order_status_change rows with no
 * `publishedAt`) through the EventBus, then marks them published, in one transaction. The rows
 * are locked while they are published, so relays on several instances take turns and events
 * go out in id order; a crash before the mark only means they go out again (subscribers drop
 * ids they have already sent). A rolled-back change never wrote a row, so it is never published.
 */
export class OutboxRelay {
  private running: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly deps: {
      em: () => EntityManager;
      events: EventBus;
      logger: Logger;
      /** Told of the events each committed batch published (one instance publishes each event). */
      metrics?: BusinessMetrics;
    },
  ) {}

  /** Seconds since the oldest unpublished event was written (0 when none waits): how far the relay lags. */
  async lagSeconds(now = new Date()): Promise<number> {
    const [row] = await sqlOf(this.deps.em()).rows<{ oldest: unknown }>(
      'select min(at) as oldest from order_status_change where published_at is null',
    );
    if (row?.oldest === null || row?.oldest === undefined) return 0;
    return Math.max(0, (now.getTime() - asDate(row.oldest).getTime()) / 1000);
  }

  /** Publishes soon (coalescing calls): used right after a change commits. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    void this.runOnce().catch((err: unknown) => this.deps.logger.warn({ err }, 'outbox relay failed; retrying on the next pass'));
  }

  /** Publishes every unpublished event; returns how many. */
  runOnce(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    return this.running;
  }

  private async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const sent = await this.publishBatch();
      // Counted once the batch's mark committed: a batch rolled back (and published again later) counts once.
      if (sent.length) (this.deps.metrics ?? NO_METRICS).orderEventsPublished(sent);
      total += sent.length;
      if (sent.length < BATCH) return total;
    }
  }

  /** Publishes one batch; resolves to the kinds of the events it published, once their mark has committed. */
  private publishBatch(): Promise<OrderEventKind[]> {
    return sqlTransaction(
      this.deps.em(),
      async (sql) => {
        const rows = await sql.rows<EventRow>(
          `select ${EVENT_COLUMNS} from order_status_change where published_at is null order by id limit ${BATCH}${sql.forUpdate}`,
        );
        if (rows.length === 0) return [];
        const events = rows.map(toEventRecord);
        const orderIds = [...new Set(events.map((e) => e.orderDbId))];
        const sellers = await sql.rows<{ order_id: number; seller_id: number }>(
          `select distinct order_id, seller_id from order_item where order_id in (${orderIds.map(() => '?').join(', ')})`,
          orderIds,
        );
        const sellersOf = new Map<number, number[]>();
        for (const s of sellers) {
          const orderDbId = Number(s.order_id);
          sellersOf.set(orderDbId, [...(sellersOf.get(orderDbId) ?? []), Number(s.seller_id)]);
        }
        // All at once: each publish is sent in call order (one Redis connection executes them in
        // that order) without waiting for the one before, so a batch costs one round trip, not one each.
        await Promise.all(
          events.map((event) =>
            this.deps.events.publish('order.event', {
              id: event.id,
              customerId: event.customerId,
              orderDbId: event.orderDbId,
              orderId: event.orderId,
              kind: event.kind,
              orderStatus: event.orderStatus,
              paymentStatus: event.paymentStatus,
              at: event.at.toISOString(),
              sellerIds: event.sellerId !== null ? [event.sellerId] : (sellersOf.get(event.orderDbId) ?? []),
              shipmentId: event.shipmentId,
              carrier: event.carrier,
              trackingNumber: event.trackingNumber,
            }),
          ),
        );
        await sql.run(`update order_status_change set published_at = ? where id in (${events.map(() => '?').join(', ')})`, [
          new Date(),
          ...events.map((e) => e.id),
        ]);
        return events.map((e) => e.kind);
        // READ COMMITTED: the locking read takes no gap lock, so orders keep inserting their events meanwhile.
      },
      // On the read pool: after a burst of changes, the relay would otherwise wait behind every request
      // queued for the transaction pool, and their events behind it (BENCHMARKS.md, "Fan-out").
      { readCommitted: true, readPool: true },
    );
  }
}
