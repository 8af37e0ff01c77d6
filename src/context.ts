import type { EntityManager } from '@mikro-orm/knex';
import type { AuthState } from './auth/identity';
import type { Orm } from './db/orm';
import { ReadRoute } from './db/read-route';
import type { Replica, ReplicaSet } from './db/replicas';
import type { Logger } from './logger';
import { createCatalogLoaders } from './services/catalog/catalog.loaders';
import type { OrderFeed } from './services/notifications/order-feed';
import { createOrderLoaders } from './services/orders/order.loaders';

/** Per-request context handed to every resolver: its own EntityManager fork and who is calling. */
export type GraphQLContext = {
  em: EntityManager;
  /**
   * For plain-SQL reads outside any transaction (db/sql.ts) and nothing else: the ORM's root
   * EntityManager, so a read-only request (the listing) forks none. Never for entities.
   */
  reader: EntityManager;
  /**
   * For the reads of `@ReplicaReads` fields and the loaders (schema/replica-reads.ts): on a read
   * replica when the operation only browses and its caller has not just written, else the primary.
   */
  reads: ReadRoute;
  /** Sends this operation's `reads` to a replica (the pipeline's replica routing decides). */
  readFrom(replica: Replica, replicas: ReplicaSet): void;
  /**
   * Sends this operation's `reads` to the primary, whatever `readFrom` chose: the response cache
   * calls it for an answer it will keep (http/response-cache.ts). Before execution starts only.
   */
  readFromPrimary(): void;
  auth: AuthState;
  requestId: string;
  ip: string;
  logger: Logger;
  /** Per-request DataLoaders (batching the reads of one request). */
  loaders: Loaders;
  /** Live order events (used by subscriptions). */
  feed: OrderFeed;
};

/**
 * Every per-request DataLoader, made fresh for each request so nothing is cached across callers.
 * They read through the request's `reads` (a replica's or the primary's): the catalog's plain SQL,
 * the orders' entities (the primary's through the request's fork, made when first needed).
 */
export function createLoaders(reads: () => ReadRoute) {
  return { ...createCatalogLoaders((work) => reads().sql(work)), ...createOrderLoaders((work) => reads().entities(work)) };
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
  private route: ReadRoute | undefined;
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

  get reader(): EntityManager {
    return this.orm.em;
  }

  get reads(): ReadRoute {
    return (this.route ??= new ReadRoute(this.primary()));
  }

  readFrom(replica: Replica, replicas: ReplicaSet): void {
    this.route = new ReadRoute(this.primary(), replica, replicas);
  }

  readFromPrimary(): void {
    this.route = new ReadRoute(this.primary());
  }

  get loaders(): Loaders {
    return (this.made ??= createLoaders(() => this.reads));
  }

  private primary() {
    return { root: () => this.reader, fork: () => this.em };
  }

  get logger(): Logger {
    return (this.child ??= this.rootLogger.child({ requestId: this.requestId }));
  }
}
