import { Cluster } from 'ioredis';
import type { RedisClient } from '../shared/redis-client';
import { settleWithin } from '../shared/time-limit';
import type { EventBus, EventTopics, Topic, Unsubscribe } from './event-bus';

type Handler = (payload: unknown) => void;

/** How long an unsubscribe may wait for Redis before the handler is simply gone. */
const UNSUBSCRIBE_WAIT_MS = 2000;

/**
 * PUBLISH with the channel named as the script's key: a Cluster sends it to the master of the channel's
 * slot every time (a bare PUBLISH goes to any node), so one channel's messages leave in the order they
 * were published. Redis Cluster forwards every PUBLISH to all nodes, so a subscriber on any node gets it.
 */
const PUBLISH_ON_SLOT = `return redis.call('PUBLISH', KEYS[1], ARGV[1])`;

/** EventBus over Redis pub/sub: every instance subscribed to a topic receives each message. */
export class RedisEventBus implements EventBus {
  readonly kind = 'redis' as const;
  private readonly subscriber: RedisClient;
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(
    private readonly publisher: RedisClient,
    private readonly channelPrefix: string,
  ) {
    // A connection in subscriber mode cannot run other commands, so it gets its own. A Cluster's copy
    // subscribes on one node and, when that node fails, subscribes again on another (ioredis).
    this.subscriber = publisher.duplicate();
    // Its connection errors are the same nodes' as the publisher's, which are logged (connectRedis); unheard, ioredis prints them.
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string, message: string) => {
      const handlers = this.handlers.get(channel);
      if (!handlers) return;
      let payload: unknown;
      try {
        payload = JSON.parse(message);
      } catch {
        return;
      }
      for (const handler of handlers) handler(payload);
    });
  }

  async publish<T extends Topic>(topic: T, payload: EventTopics[T]): Promise<void> {
    const channel = this.channelPrefix + topic;
    if (this.publisher instanceof Cluster) await this.publisher.eval(PUBLISH_ON_SLOT, 1, channel, JSON.stringify(payload));
    else await this.publisher.publish(channel, JSON.stringify(payload));
  }

  async subscribe<T extends Topic>(topic: T, handler: (payload: EventTopics[T]) => void): Promise<Unsubscribe> {
    const channel = this.channelPrefix + topic;
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(handler as Handler);
    return async () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(handler as Handler) || current.size > 0) return;
      this.handlers.delete(channel);
      // Nothing handles the channel any more; a Redis that cannot hear the UNSUBSCRIBE now (an outage,
      // a shutdown during one) only sends messages nobody reads, until its connection closes.
      // Bounded (its failure or lateness is ignored): with every node down, a Cluster queues the command until one comes back.
      await settleWithin(this.subscriber.unsubscribe(channel), UNSUBSCRIBE_WAIT_MS);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.subscriber.disconnect();
  }
}
