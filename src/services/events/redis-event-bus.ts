import type Redis from 'ioredis';
import type { EventBus, EventTopics, Topic, Unsubscribe } from './event-bus';

type Handler = (payload: unknown) => void;

/** EventBus over Redis pub/sub: every instance subscribed to a topic receives each message. */
export class RedisEventBus implements EventBus {
  readonly kind = 'redis' as const;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(
    private readonly publisher: Redis,
    private readonly channelPrefix: string,
  ) {
    // A connection in subscriber mode cannot run other commands, so it gets its own.
    this.subscriber = publisher.duplicate();
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
    await this.publisher.publish(this.channelPrefix + topic, JSON.stringify(payload));
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
      await this.subscriber.unsubscribe(channel);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.subscriber.disconnect();
  }
}
