/** Topics and their JSON-safe payloads. Typed so publishers and subscribers cannot drift apart. */
export type EventTopics = {
  /** A session was revoked (logout): every instance closes that session's WebSockets. */
  'auth.session-revoked': { sessionId: string };
  /** An order event was committed (published by the outbox relay, in id order). */
  'order.event': {
    id: number;
    customerId: number;
    orderDbId: number;
    orderId: string;
    kind: string;
    orderStatus: string;
    paymentStatus: string | null;
    /** ISO 8601. */
    at: string;
    /** Sellers to hear of it: those with lines in the order, or only the shipment's seller for a shipment's event. */
    sellerIds: number[];
    shipmentId?: number | null;
    carrier?: string | null;
    trackingNumber?: string | null;
  };
};
export type Topic = keyof EventTopics;
export type Unsubscribe = () => Promise<void>;

/**
 * The EventBus port: fan-out of small JSON messages to every app instance (Redis pub/sub) or
 * within one process (in-memory). Delivery is at-most-once; MySQL stays the source of truth.
 */
export interface EventBus {
  readonly kind: 'redis' | 'memory';
  publish<T extends Topic>(topic: T, payload: EventTopics[T]): Promise<void>;
  subscribe<T extends Topic>(topic: T, handler: (payload: EventTopics[T]) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}
