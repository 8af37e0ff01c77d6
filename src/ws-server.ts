import type { IncomingMessage, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  GraphQLError,
  subscribe,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { RedisClient } from './services/shared/redis-client';
import { WebSocketServer, type WebSocket } from 'ws';
import { ANONYMOUS, type AuthState, type Identity } from './auth/identity';
import type { Config } from './config';
import type { GraphQLContext } from './context';
import type { Orm } from './db/orm';
import type { AdmittedOperation, GraphQLPipeline, OperationRequest } from './graphql-pipeline';
import type { Logger } from './logger';
import { isTooManyRequests, tooManyRequests, unauthenticated } from './schema/errors';
import type { AccountService } from './services/account/account.service';
import type { EventBus, Unsubscribe } from './services/events/event-bus';
import { SocketSlots } from './services/shared/socket-slots';

/** Close codes this server uses besides graphql-ws's own (4400, 4403 unauthenticated, 4408 no `connection_init` in time). */
export const CloseCode = {
  /** The connection's session was revoked (logout) or has expired. */
  SESSION_ENDED: 4401,
  /** Too many requests from this client, or too many open sockets for this account. */
  TOO_MANY: 4429,
  /** A store needed to admit the connection did not answer; try again shortly. */
  TRY_AGAIN_LATER: 1013,
} as const;

type Deps = {
  httpServer: Server;
  pipeline: GraphQLPipeline;
  accounts: AccountService;
  events: EventBus;
  logger: Logger;
  orm: Orm;
  redis: RedisClient | null;
  config: Config;
  /** The client's address as HTTP sees it (TRUST_PROXY applies the same way). */
  clientIp: (request: IncomingMessage) => string;
};

type SocketState = {
  identity: Identity;
  auth: AuthState;
  ip: string;
  slot: { key: string; holder: string };
  /** Ids of the operations admitted and not yet complete. */
  open: Set<string>;
  /** The running subscriptions, stopped when the socket closes whatever graphql-ws still knows of them. */
  running: Map<string, AsyncIterator<unknown>>;
};
type Extra = { socket: WebSocket; request: IncomingMessage };

/**
 * graphql-ws on `/graphql`, behind the same GraphQLPipeline as HTTP: the upgrade counts against
 * the client IP's rate limit; `connection_init` must come within WS_CONNECTION_INIT_TIMEOUT_MS,
 * fit in WS_MAX_MESSAGE_BYTES like every message, and carry a valid token
 * (`{ authorization: "Bearer <token>" }`, else 4403); each account holds at most
 * WS_MAX_SOCKETS_PER_ACCOUNT sockets across instances. Every operation on the socket is counted
 * in the IP and account rate limits, passes the pipeline's validation rules and checks (queries
 * and mutations run through Apollo Server itself) and leaves through its error masking; at most
 * WS_MAX_OPERATIONS_PER_SOCKET run at once. Each socket's session is checked on every operation
 * and every WS_SESSION_CHECK_SECONDS; an ended one closes the socket with 4401, as a revocation
 * published by any instance does at once.
 */
export async function attachWebSocketServer(deps: Deps) {
  const { httpServer, pipeline, accounts, events, logger, orm, config } = deps;
  const limits = config.ws;
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const sockets = new Map<WebSocket, SocketState>();
  const operations = new WeakMap<object, AdmittedOperation>();
  const slots = new SocketSlots(
    { max: limits.maxSocketsPerAccount, ttlMs: 3 * limits.sessionCheckSeconds * 1000, keyPrefix: config.redisKeyPrefix },
    deps.redis,
  );

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => void upgrade(request, socket, head);
  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://x').pathname !== '/graphql') return refuseUpgrade(socket, 404, 'Not Found');
    try {
      await pipeline.admit(deps.clientIp(request), ANONYMOUS);
    } catch (err) {
      if (isTooManyRequests(err)) {
        pipeline.refused(err.extensions.code);
        return refuseUpgrade(socket, 429, 'Too Many Requests', { 'Retry-After': String(err.extensions.retryAfter) });
      }
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    wsServer.handleUpgrade(request, socket, head, (ws) => {
      wsServer.emit('connection', ws, request);
      // graphql-ws's adapter prints socket errors with console.error; a client can cause them at will
      // (an oversized or malformed frame, which ws answers by closing the socket itself), so they
      // go to the log at debug level instead.
      ws.removeAllListeners('error');
      ws.on('error', (err) => logger.debug({ err: err.message }, 'WebSocket client error'));
    });
  };
  httpServer.on('upgrade', onUpgrade);

  const unsubscribeRevocations: Unsubscribe = await events.subscribe('auth.session-revoked', ({ sessionId }) => {
    for (const [socket, state] of sockets)
      if (state.identity.sessionId === sessionId) socket.close(CloseCode.SESSION_ENDED, 'Session revoked');
  });

  // Catches what a missed revocation message or an expired token would leave open, and keeps the live sockets' slots.
  const recheck = setInterval(() => void recheckSessions(), limits.sessionCheckSeconds * 1000);
  recheck.unref();
  const recheckSessions = async () => {
    try {
      const states = [...sockets];
      const live = await accounts.activeSessions(orm.em.fork(), [...new Set(states.map(([, s]) => s.identity.sessionId))]);
      for (const [socket, state] of states) if (!live.has(state.identity.sessionId)) socket.close(CloseCode.SESSION_ENDED, 'Session ended');
      await slots.refresh(states.filter(([, s]) => live.has(s.identity.sessionId)).map(([, s]) => s.slot));
    } catch (err) {
      logger.warn({ err }, 'could not re-check the WebSocket sessions');
    }
  };

  const refuse = (socket: WebSocket, code: number, reason: string) => {
    socket.close(code, reason);
    return false;
  };

  /** Everything an operation on a socket must pass before it runs; errors are the client's answer. */
  const admit = async (socket: WebSocket, id: string, payload: OperationRequest): Promise<ExecutionArgs | GraphQLError[]> => {
    const state = sockets.get(socket);
    if (!state) return [unauthenticated('Your session has ended. Log in again.')];
    // Counted here rather than from graphql-ws's own table, which forgets a query the client
    // "completes" while it still runs; the place is taken at once, so concurrent subscribes cannot all fit.
    // An id is one operation until it completes: graphql-ws forgets an id the client "completes"
    // while it is still being admitted, and a reused id would leave the first operation running unseen.
    if (state.open.has(id))
      return [new GraphQLError(`Operation ${id} is still open; use another id.`, { extensions: { code: 'BAD_REQUEST' } })];
    if (state.open.size >= limits.maxOperationsPerSocket)
      return [tooManyRequests(1, `At most ${limits.maxOperationsPerSocket} operations may be open on one connection. Complete one first.`)];
    state.open.add(id);
    let admitted = false;
    try {
      const refused = await checkCaller(socket, state);
      if (refused) return refused;
      const prepared = pipeline.prepare(payload);
      if (Array.isArray(prepared)) return prepared;
      const contextValue = pipeline.context({ auth: state.auth, ip: state.ip, requestId: randomUUID() });
      operations.set(contextValue, prepared);
      admitted = true;
      return {
        schema: pipeline.schema,
        document: prepared.document,
        operationName: prepared.operationName,
        variableValues: prepared.variables,
        contextValue,
      };
    } finally {
      if (!admitted) state.open.delete(id);
    }
  };

  /** The caller's budget and session, as on every HTTP request. */
  const checkCaller = async (socket: WebSocket, state: SocketState): Promise<GraphQLError[] | null> => {
    try {
      await pipeline.admit(state.ip, state.auth);
    } catch (err) {
      if (err instanceof GraphQLError) return [err];
      throw err;
    }
    // Re-checked on every operation too, in case a revocation message was missed.
    if (!(await accounts.isSessionActive(orm.em.fork(), state.identity.sessionId))) {
      socket.close(CloseCode.SESSION_ENDED, 'Session revoked');
      return [unauthenticated('Your session has ended. Log in again.')];
    }
    return null;
  };

  const cleanup = useServer<Record<string, unknown> | undefined, Extra>(
    {
      // Close reasons never carry an error's own text, whatever NODE_ENV says.
      isProd: true,
      connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const ip = deps.clientIp(request);
        let auth: AuthState;
        try {
          auth = await pipeline.authenticate(params.authorization ?? params.Authorization);
          if (auth.kind !== 'authenticated') return false;
          await pipeline.admit(ip, auth);
        } catch (err) {
          if (!isTooManyRequests(err)) return refuse(socket, CloseCode.TRY_AGAIN_LATER, 'Try again later');
          pipeline.refused(err.extensions.code);
          return refuse(socket, CloseCode.TOO_MANY, 'Too many requests');
        }
        const { identity } = auth;
        const slot = { key: `${identity.role}:${identity.accountId}`, holder: randomUUID() };
        const taken = await slots.take(slot.key, slot.holder).catch((err: unknown) => {
          logger.warn({ err }, 'could not count the WebSocket connections');
          return null;
        });
        if (taken === null) return refuse(socket, CloseCode.TRY_AGAIN_LATER, 'Try again later');
        if (!taken) {
          // Counted with the other rate-limit refusals (README "Observability").
          pipeline.refused('TOO_MANY_REQUESTS');
          return refuse(socket, CloseCode.TOO_MANY, 'Too many open connections for this account');
        }
        if (socket.readyState !== socket.OPEN) {
          void slots.release(slot.key, slot.holder).catch(() => undefined);
          return false;
        }
        const state: SocketState = { identity, auth, ip, slot, open: new Set(), running: new Map() };
        sockets.set(socket, state);
        socket.once('close', () => {
          for (const iterator of state.running.values()) void iterator.return?.();
          sockets.delete(socket);
          void slots.release(slot.key, slot.holder).catch((err: unknown) => logger.warn({ err }, 'could not release a WebSocket slot'));
        });
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        try {
          return await admit(ctx.extra.socket, id, payload);
        } catch (err) {
          // Logged and masked by onError, like any unexpected error.
          return [new GraphQLError('Internal server error', { originalError: err instanceof Error ? err : new Error(String(err)) })];
        }
      },
      onOperation: (ctx, id, _payload, _args, result) => {
        const state = sockets.get(ctx.extra.socket);
        if (state && isAsyncIterator(result)) state.running.set(id, result);
      },
      onComplete: (ctx, id) => {
        const state = sockets.get(ctx.extra.socket);
        state?.open.delete(id);
        state?.running.delete(id);
      },
      // Queries and mutations: Apollo Server runs them, with every plugin HTTP has.
      // (Their errors arrive formatted, which onNext passes on as they are.)
      execute: (args: ExecutionArgs) => {
        const operation = operations.get(args.contextValue as object)!;
        return pipeline.traced(operation, () =>
          pipeline.execute(operation, args.contextValue as GraphQLContext),
        ) as Promise<ExecutionResult>;
      },
      // A subscription's start (its source stream) in its operation span, when tracing is on.
      subscribe: (args: ExecutionArgs) => pipeline.traced(operations.get(args.contextValue as object)!, () => subscribe(args)),
      onNext: (_ctx, _id, _payload, args, result) => formatResult(pipeline, result, (args.contextValue as GraphQLContext).logger),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => pipeline.formatError(e)),
    },
    wsServer,
  );

  return {
    /** Open sockets and running subscriptions on this instance (the metrics' gauges). */
    stats(): { sockets: number; subscriptions: number } {
      let subscriptions = 0;
      for (const state of sockets.values()) subscriptions += state.running.size;
      return { sockets: sockets.size, subscriptions };
    },
    async dispose() {
      clearInterval(recheck);
      httpServer.off('upgrade', onUpgrade);
      try {
        await unsubscribeRevocations();
      } finally {
        await cleanup.dispose();
      }
    },
  };
}

/** Subscription results carry GraphQLErrors (formatted and masked here); Apollo's results come formatted already. */
function formatResult(
  pipeline: GraphQLPipeline,
  result: { data?: unknown; errors?: readonly unknown[]; extensions?: unknown },
  logger: Logger,
): FormattedExecutionResult {
  const { errors, ...rest } = result;
  if (!errors) return rest as FormattedExecutionResult;
  return {
    ...(rest as FormattedExecutionResult),
    errors: errors.map((e) => (e instanceof GraphQLError ? pipeline.formatError(e, logger) : (e as GraphQLFormattedError))),
  };
}

function isAsyncIterator(value: unknown): value is AsyncIterator<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterator<unknown>).next === 'function';
}

function refuseUpgrade(socket: Duplex, status: number, text: string, headers: Record<string, string> = {}) {
  const lines = [
    `HTTP/1.1 ${status} ${text}`,
    'Connection: close',
    'Content-Length: 0',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n`);
}
