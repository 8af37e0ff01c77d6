import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { graphqlUploadExpress } from 'graphql-upload-ts';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { createLoaders, type GraphQLContext } from './context';
import type { Orm } from './db/orm';
import { sqlOf } from './db/sql';
import type { Logger } from './logger';
import { ErrorCode, isExpectedCode, serviceUnavailable } from './schema/errors';
import type { AccountService } from './services/account/account.service';
import type { EventBus } from './services/events/event-bus';
import { attachWebSocketServer } from './ws-server';
import { jitGateway } from './schema/jit-gateway';
import { queryLimits } from './schema/limits';
import { refuseNulCharacters } from './schema/input-hygiene';
import { RequestRateLimit } from './services/shared/request-rate-limit';
import type { OrderFeed } from './services/notifications/order-feed';
import type { PaymentWebhook } from './services/payments/payment-webhook';
import type { Storage } from './services/storage/storage';
import type Redis from 'ioredis';
import { demoRouter, type DemoOptions } from './demo/demo-route';
import { tossWebhookRouter } from './http/webhook-route';

type Deps = {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  orm: Orm;
  /** Null in the embedded profile: counters then live in this process. */
  redis: Redis | null;
  accounts: AccountService;
  events: EventBus;
  storage: Storage;
  /** Toss webhooks; null when payments are not configured (the route then answers 503). */
  webhook: PaymentWebhook | null;
  feed: OrderFeed;
  /** The storefront page at /demo. */
  demo: DemoOptions;
};

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Express 5 + Apollo (HTTP, uploads) + graphql-ws on one port, with health checks and a graceful stop. */
export async function createHttpServer(deps: Deps) {
  const { config, logger, schema, orm, redis, accounts, storage } = deps;
  const rateLimit = new RequestRateLimit({ ...config.rateLimit, keyPrefix: config.redisKeyPrefix }, redis, logger);
  const app = express();
  app.disable('x-powered-by');
  // Express would hash every response body for an ETag; GraphQL POST answers are never revalidated.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  const httpServer = http.createServer(app);
  const ws = await attachWebSocketServer({ httpServer, schema, orm, accounts, events: deps.events, logger, feed: deps.feed });

  const apollo = new ApolloServer<GraphQLContext>({
    // Queries and mutations run compiled by graphql-jit unless GRAPHQL_JIT=false (see BENCHMARKS.md).
    ...(config.graphqlJit ? { gateway: jitGateway(schema) } : { schema }),
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT handling (drain, then close MySQL and Redis).
    stopOnTerminationSignals: false,
    introspection: config.graphql.introspection,
    includeStacktraceInErrorResponses: false,
    formatError: maskUnexpected,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // No HTTP cache hints are used; disabling it also spares a wrapper around every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      {
        async serverWillStart() {
          return { drainServer: () => ws.dispose() };
        },
      },
      !config.graphql.introspection
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      refuseNulCharacters(),
      queryLimits(schema, config.graphql),
      requestLogging(logger),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [database, redisState, storageState] = await Promise.all([
      // Both MySQL pools: MikroORM's (transactions) and the read pool (plain reads).
      probe(async () => {
        const em = orm.em.fork();
        await Promise.all([em.getConnection().execute('select 1'), sqlOf(em).rows('select 1')]);
      }),
      redis ? probe(() => redis.ping()) : Promise.resolve('not used'),
      probe(() => storage.ping()),
    ]);
    const ok = [database, redisState, storageState].every((c) => c === 'ok' || c === 'not used');
    const databaseKey = config.database.kind === 'sqlite' ? 'sqlite' : 'mysql';
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'unavailable', [databaseKey]: database, redis: redisState, storage: storageState });
  });

  // Toss's PAYMENT_STATUS_CHANGED deliveries (allow-list, per-IP limit, then a look-up at Toss).
  app.use(tossWebhookRouter({ config, redis, logger, webhook: deps.webhook }));

  if (config.storage.kind === 'local') {
    // Images stored on local disk are served here; their keys are random, so nothing is guessable.
    app.use(
      '/media',
      express.static(config.storage.directory, { index: false, dotfiles: 'deny', fallthrough: false, maxAge: '1d', immutable: true }),
    );
  }

  // The demo storefront hands out the demo logins, so production does not serve it.
  if (!config.isProduction) app.use('/demo', demoRouter(deps.demo));

  app.use(
    '/graphql',
    cors<cors.CorsRequest>({ origin: config.corsOrigins, exposedHeaders: ['x-request-id'] }),
    express.json({ limit: '1mb' }),
    graphqlUploadExpress({ maxFileSize: config.uploadMaxFileBytes, maxFiles: 10 }),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<GraphQLContext> => {
        const header = req.headers['x-request-id'];
        const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
        res.setHeader('x-request-id', requestId);
        const em = orm.em.fork();
        const requestLogger = logger.child({ requestId });
        const ip = req.ip ?? 'unknown';
        try {
          const auth = await accounts.authenticate(em, req.headers.authorization);
          await rateLimit.consume(ip, auth);
          return { em, auth, requestId, ip, logger: requestLogger, loaders: createLoaders(em), feed: deps.feed };
        } catch (err) {
          if (err instanceof GraphQLError && err.extensions.code === ErrorCode.TOO_MANY_REQUESTS) {
            // Answered as HTTP 429 with Retry-After, and as a coded GraphQL error in the body.
            const retryAfter = String(err.extensions.retryAfter);
            throw new GraphQLError(err.message, {
              extensions: { ...err.extensions, http: { status: 429, headers: new Map([['retry-after', retryAfter]]) } },
            });
          }
          requestLogger.error({ err }, 'could not authenticate the request');
          throw serviceUnavailable();
        }
      },
    }),
  );
  app.use(jsonErrors(logger));

  return {
    httpServer,
    /** Starts listening; resolves to the base URL. */
    listen(): Promise<string> {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          const { port } = httpServer.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
          resolve(`http://${host}:${port}`);
        });
      });
    },
    /** Stops accepting, lets in-flight requests finish, closes sockets. */
    async stop(): Promise<void> {
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)))]);
    return 'ok';
  } catch (err) {
    return err instanceof Error && err.message === 'timeout' ? 'timeout' : 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** Known errors pass as they are; anything else becomes a bare INTERNAL_SERVER_ERROR (logged by the plugin below). */
function maskUnexpected(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (isExpectedCode(formatted.extensions?.code)) return formatted;
  return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/** Logs each operation (debug; variables at trace, with secrets redacted) and every unexpected error with its request id. */
function requestLogging(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = performance.now();
      const log = contextValue?.logger ?? logger;
      if (log.isLevelEnabled('trace')) log.trace({ operation: request.operationName, variables: request.variables }, 'graphql request');
      return {
        async didEncounterErrors({ contextValue, errors, request }) {
          for (const error of errors) {
            if (isExpectedCode(error.extensions?.code)) continue;
            (contextValue?.logger ?? logger).error(
              { err: unwrapResolverError(error), operation: request.operationName },
              'unexpected error',
            );
          }
        },
        async willSendResponse({ response, errors }) {
          const ms = Math.round((performance.now() - started) * 10) / 10;
          const codes = errors?.map((e) => e.extensions?.code);
          log.debug({ operation: request.operationName, ms, status: response.http.status, codes }, 'graphql response');
        },
      };
    },
  };
}

/** Errors raised before GraphQL runs (bad JSON, body too large, upload limits) as GraphQL-shaped JSON. */
function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, 'unhandled HTTP error');
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : 'BAD_REQUEST';
    const message = status === 500 ? 'Internal server error' : String(err?.message ?? 'Bad request');
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
