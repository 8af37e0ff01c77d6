import type { EntityManager } from '@mikro-orm/core';
import type { AuthState } from './auth/identity';
import type { Logger } from './logger';

/** Per-request context handed to every resolver: its own EntityManager fork and who is calling. */
export type GraphQLContext = {
  em: EntityManager;
  auth: AuthState;
  requestId: string;
  ip: string;
  logger: Logger;
};
