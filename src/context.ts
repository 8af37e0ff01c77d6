import type { EntityManager } from '@mikro-orm/knex';
import type { AuthState } from './auth/identity';
import type { Orm } from './db/orm';
import type { Logger } from './logger';
import { createCatalogLoaders } from './services/catalog/catalog.loaders';
import type { OrderFeed } from './services/notifications/order-feed';
import { createOrderLoaders } from './services/orders/order.loaders';

/** Per-request context handed to every resolver: its own EntityManager fork and who is calling. */
export type GraphQLContext = {
  em: EntityManager;
  auth: AuthState;
  requestId: string;
  ip: string;
  logger: Logger;
  /** Per-request DataLoaders (batching the reads of one request). */
  loaders: Loaders;
  /** Live order events (used by subscriptions). */
  feed: OrderFeed;
};

/** Every per-request DataLoader, made fresh for each request so nothing is cached across callers. */
export function createLoaders(em: EntityManager) {
  return { ...createCatalogLoaders(em), ...createOrderLoaders(em) };
}
export type Loaders = ReturnType<typeof createLoaders>;

/**
 * The context of one operation on any transport. The EntityManager fork, the loaders and the
 * child logger are made when a resolver first asks (a subscription that reads through the
 * OrderFeed never does, which keeps idle sockets small). The getters live on the prototype, so
 * Apollo's shallow copy of the context keeps them lazy.
 */
export class RequestContext implements GraphQLContext {
  readonly auth: AuthState;
  readonly requestId: string;
  readonly ip: string;
  readonly feed: OrderFeed;
  private readonly orm: Orm;
  private readonly rootLogger: Logger;
  private forked: EntityManager | undefined;
  private made: Loaders | undefined;
  private child: Logger | undefined;

  constructor(input: { auth: AuthState; requestId: string; ip: string; feed: OrderFeed; orm: Orm; logger: Logger }) {
    this.auth = input.auth;
    this.requestId = input.requestId;
    this.ip = input.ip;
    this.feed = input.feed;
    this.orm = input.orm;
    this.rootLogger = input.logger;
  }

  get em(): EntityManager {
    return (this.forked ??= this.orm.em.fork());
  }

  get loaders(): Loaders {
    return (this.made ??= createLoaders(this.em));
  }

  get logger(): Logger {
    return (this.child ??= this.rootLogger.child({ requestId: this.requestId }));
  }
}
