import type { EntityManager } from '@mikro-orm/knex';
import type { AuthState } from './auth/identity';
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
