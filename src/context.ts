import type { EntityManager } from '@mikro-orm/knex';
import type { AuthState } from './auth/identity';
import type { Logger } from './logger';
import type { CatalogLoaders } from './services/catalog/catalog.loaders';

/** Per-request context handed to every resolver: its own EntityManager fork and who is calling. */
export type GraphQLContext = {
  em: EntityManager;
  auth: AuthState;
  requestId: string;
  ip: string;
  logger: Logger;
  /** Per-request DataLoaders (batching the reads of one request). */
  loaders: CatalogLoaders;
};
