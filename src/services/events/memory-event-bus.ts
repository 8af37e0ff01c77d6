import { EventEmitter } from 'node:events';
import type { EventBus, EventTopics, Topic, Unsubscribe } from './event-bus';

/** In-process EventBus for a single instance. Payloads are JSON round-tripped, as over Redis. */
export class MemoryEventBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish<T extends Topic>(topic: T, payload: EventTopics[T]): Promise<void> {
    const copy = JSON.parse(JSON.stringify(payload)) as EventTopics[T];
    // Deliver asynchronously, like a network bus, so publishers never run subscriber code inline.
    setImmediate(() => this.emitter.emit(topic, copy));
  }

  async subscribe<T extends Topic>(topic: T, handler: (payload: EventTopics[T]) => void): Promise<Unsubscribe> {
    this.emitter.on(topic, handler);
    return async () => {
      this.emitter.off(topic, handler);
    };
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
