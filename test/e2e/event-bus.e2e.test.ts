import Redis from 'ioredis';
import type { EventBus } from '../../src/services/events/event-bus';
import { MemoryEventBus } from '../../src/services/events/memory-event-bus';
import { RedisEventBus } from '../../src/services/events/redis-event-bus';
import { deleteRedisKeys, isolatedNames, TEST_REDIS_URL } from '../helpers/test-app';

const nextMessage = <T>(received: T[]) =>
  new Promise<void>((resolve) => {
    const started = received.length;
    const timer = setInterval(() => {
      if (received.length > started) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });

describe.each(['memory', 'redis'] as const)('%s EventBus', (kind) => {
  const { redisPrefix } = isolatedNames();
  const clients: Redis[] = [];
  const make = (): EventBus => {
    if (kind === 'memory') return shared;
    const redis = new Redis(TEST_REDIS_URL);
    clients.push(redis);
    return new RedisEventBus(redis, redisPrefix);
  };
  const shared = new MemoryEventBus();

  afterAll(async () => {
    await shared.close();
    for (const c of clients) c.disconnect();
    await deleteRedisKeys(redisPrefix);
  });

  it('delivers a JSON copy of each message to every subscriber, including another instance', async () => {
    const a = make();
    const b = make();
    const gotA: unknown[] = [];
    const gotB: unknown[] = [];
    const offA = await a.subscribe('auth.session-revoked', (p) => gotA.push(p));
    const offB = await b.subscribe('auth.session-revoked', (p) => gotB.push(p));
    const payload = { sessionId: 's-1' };
    const both = Promise.all([nextMessage(gotA), nextMessage(gotB)]);
    await a.publish('auth.session-revoked', payload);
    await both;
    expect(gotA).toEqual([payload]);
    expect(gotB).toEqual([payload]);
    expect(gotB[0]).not.toBe(payload);

    await offB();
    const onlyA = nextMessage(gotA);
    await a.publish('auth.session-revoked', { sessionId: 's-2' });
    await onlyA;
    await new Promise((r) => setTimeout(r, 50));
    expect(gotA).toHaveLength(2);
    expect(gotB).toHaveLength(1);
    await offA();
    if (kind === 'redis') {
      await a.close();
      await b.close();
    }
  });
});
