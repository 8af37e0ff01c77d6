import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Identity } from './auth/identity';
import { createLoaders, type GraphQLContext } from './context';
import type { Orm } from './db/orm';
import type { Logger } from './logger';
import { unauthenticated } from './schema/errors';
import type { AccountService } from './services/account/account.service';
import type { EventBus, Unsubscribe } from './services/events/event-bus';
import type { OrderFeed } from './services/notifications/order-feed';

/** graphql-ws close code for a connection whose session was revoked (logout). */
export const CLOSE_SESSION_REVOKED = 4401;

type Deps = {
  httpServer: Server;
  schema: GraphQLSchema;
  orm: Orm;
  accounts: AccountService;
  events: EventBus;
  logger: Logger;
  feed: OrderFeed;
};

/**
 * graphql-ws on `/graphql`. A connection must authenticate in its `connection_init` payload
 * (`{ authorization: "Bearer <token>" }`); otherwise graphql-ws closes it with 4403. When a
 * session is revoked on any instance, its sockets here are closed with 4401.
 */
export async function attachWebSocketServer({ httpServer, schema, orm, accounts, events, logger, feed }: Deps) {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const identities = new WeakMap<WebSocket, Identity>();
  const socketsBySession = new Map<string, Set<WebSocket>>();

  const forget = (socket: WebSocket) => {
    const identity = identities.get(socket);
    if (!identity) return;
    const sockets = socketsBySession.get(identity.sessionId);
    sockets?.delete(socket);
    if (sockets?.size === 0) socketsBySession.delete(identity.sessionId);
  };

  const unsubscribeRevocations: Unsubscribe = await events.subscribe('auth.session-revoked', ({ sessionId }) => {
    for (const socket of socketsBySession.get(sessionId) ?? []) socket.close(CLOSE_SESSION_REVOKED, 'Session revoked');
    socketsBySession.delete(sessionId);
  });

  const cleanup = useServer<Record<string, unknown> | undefined, Record<string, never>>(
    {
      schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const auth = await accounts.authenticate(orm.em.fork(), params.authorization ?? params.Authorization);
        if (auth.kind !== 'authenticated') return false;
        const socket = ctx.extra.socket;
        identities.set(socket, auth.identity);
        let sockets = socketsBySession.get(auth.identity.sessionId);
        if (!sockets) socketsBySession.set(auth.identity.sessionId, (sockets = new Set()));
        sockets.add(socket);
        socket.once('close', () => forget(socket));
        return true;
      },
      onSubscribe: async (ctx) => {
        // Re-check on every subscribe, in case a revocation message was missed.
        const identity = identities.get(ctx.extra.socket);
        if (!identity || !(await accounts.isSessionActive(orm.em.fork(), identity.sessionId))) {
          ctx.extra.socket.close(CLOSE_SESSION_REVOKED, 'Session revoked');
          return [unauthenticated('Your session has ended. Log in again.')];
        }
        return undefined;
      },
      // graphql-ws builds this once per subscription and keeps it for the subscription's life.
      // Subscriptions read through the OrderFeed, so the EntityManager fork, the loaders and the
      // child logger are made only if a resolver asks (keeping idle connections small).
      context: (ctx): GraphQLContext => {
        const identity = identities.get(ctx.extra.socket);
        const requestId = randomUUID();
        let em: GraphQLContext['em'] | undefined;
        let loaders: GraphQLContext['loaders'] | undefined;
        let child: Logger | undefined;
        return {
          get em() {
            return (em ??= orm.em.fork());
          },
          get loaders() {
            return (loaders ??= createLoaders(this.em));
          },
          get logger() {
            return (child ??= logger.child({ requestId }));
          },
          auth: identity ? { kind: 'authenticated', identity } : { kind: 'anonymous' },
          requestId,
          ip: ctx.extra.request.socket.remoteAddress ?? 'unknown',
          feed,
        };
      },
    },
    wsServer,
  );

  return {
    async dispose() {
      await unsubscribeRevocations();
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
