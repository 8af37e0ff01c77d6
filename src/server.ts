import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { graphqlUploadExpress } from 'graphql-upload-ts';
import { pingRedis, type RedisClient } from './services/shared/redis-client';
import { settleWithin } from './services/shared/time-limit';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import proxyaddr from 'proxy-addr';
import type { Config } from './config';
import type { GraphQLContext } from './context';
import type { Orm } from './db/orm';
import type { ReadRouter } from './db/read-route';
import { sqlOf } from './db/sql';
import { demoRouter, type DemoOptions } from './demo/demo-route';
import { GraphQLPipeline } from './graphql-pipeline';
import type { Logger } from './logger';
import { ErrorCode, isTooManyRequests } from './schema/errors';
import type { AccountService } from './services/account/account.service';
import type { EventBus } from './services/events/event-bus';
import type { OrderFeed } from './services/notifications/order-feed';
import type { PaymentWebhook } from './services/payments/payment-webhook';
import type { Storage } from './services/storage/storage';
import { mediaRouter } from './http/media-route';
import { NO_STORE } from './http/response-cache';
import { uploadGate } from './http/upload-gate';
import { attachWebSocketServer } from './ws-server';
import { tossWebhookRouter } from './http/webhook-route';
import type { PrometheusMetrics } from './telemetry/metrics';
import { metricsRoute } from './telemetry/metrics-route';
import { httpOperationSpan } from './telemetry/operation-span';

type Deps = {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  orm: Orm;
  /** Null in the embedded profile: counters then live in this process. */
  redis: RedisClient | null;
  accounts: AccountService;
  events: EventBus;
  storage: Storage;
  /** Toss webhooks; null when payments are not configured (the route then answers 503). */
  webhook: PaymentWebhook | null;
  feed: OrderFeed;
  /** Read replicas' routing (DATABASE_REPLICA_URLS), reported on /readyz; null without replicas. */
  router: ReadRouter | null;
  /** The storefront page at /demo. */
  demo: DemoOptions;
  /** Prometheus metrics (null: off). README "Observability". */
  metrics: PrometheusMetrics | null;
};

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Express 5 + Apollo (HTTP, uploads) + graphql-ws on one port, with health checks and a graceful stop. */
export async function createHttpServer(deps: Deps) {
  const { config, logger, schema, orm, redis, accounts, storage } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Express would hash every response body for an ETag; GraphQL POST answers are never revalidated.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  const httpServer = http.createServer(app);
  let ws: { dispose(): Promise<void> } | null = null;
  const telemetry = { metrics: deps.metrics, tracing: config.telemetry.tracing };
  const pipeline = new GraphQLPipeline({ config, logger, schema, orm, redis, accounts, feed: deps.feed, telemetry, router: deps.router }, [
    ApolloServerPluginDrainHttpServer({ httpServer }),
    // Cache hints are read from the document before execution (schema/cache-control.ts), which
    // spares the wrapper Apollo's own plugin puts around every field resolver.
    ApolloServerPluginCacheControlDisabled(),
    {
      async serverWillStart() {
        return { drainServer: async () => ws?.dispose() };
      },
    },
    !config.graphql.introspection
      ? ApolloServerPluginLandingPageDisabled()
      : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
  ]);
  const apollo = pipeline.apollo;
  const wsServer = await attachWebSocketServer({
    httpServer,
    pipeline,
    accounts,
    events: deps.events,
    logger,
    orm,
    redis,
    config,
    clientIp: (req) => proxyaddr(req, app.get('trust proxy fn')),
  });
  ws = wsServer;

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
      redis ? probe(() => pingRedis(redis)) : Promise.resolve('not used'),
      probe(() => storage.ping()),
    ]);
    const ok = [database, redisState, storageState].every((c) => c === 'ok' || c === 'not used');
    const databaseKey = config.database.kind === 'sqlite' ? 'sqlite' : 'mysql';
    // Each replica as its last check saw it; replicas never make the instance unready (reads fall back to the primary).
    const replicas = deps.router ? { replicas: deps.router.replicas.reports() } : {};
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'unavailable', [databaseKey]: database, redis: redisState, storage: storageState, ...replicas });
  });

  // Prometheus's scrape on this port needs the token; without one, /metrics is not here (404). README "Observability".
  const metricsToken = config.telemetry.metrics.token;
  if (deps.metrics && metricsToken) app.get('/metrics', metricsRoute(deps.metrics, metricsToken, logger));

  // Toss's PAYMENT_STATUS_CHANGED deliveries (allow-list, per-IP limit, then a look-up at Toss).
  app.use(tossWebhookRouter({ config, redis, logger, webhook: deps.webhook, metrics: deps.metrics }));

  if (config.storage.kind === 'local') {
    // Images stored on local disk are served here; their keys are random, so nothing is guessable.
    app.use('/media', mediaRouter(config.storage.directory));
  }

  // The demo storefront hands out the demo logins, so production does not serve it.
  if (!config.isProduction) app.use('/demo', demoRouter(deps.demo));

  app.use(
    '/graphql',
    // The operation's span around the rest of the request, when tracing is on.
    ...(config.telemetry.tracing ? [httpOperationSpan] : []),
    noStoreUnlessPublic,
    cors<cors.CorsRequest>({ origin: config.corsOrigins, exposedHeaders: ['x-request-id'] }),
    allowSafeGet,
    express.json({ limit: '1mb' }),
    uploadGate({
      authenticate: (authorization) => pipeline.authenticate(authorization),
      uploads: graphqlUploadExpress({ maxFileSize: config.uploadMaxFileBytes, maxFiles: 10 }),
    }),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<GraphQLContext> => {
        const header = req.headers['x-request-id'];
        const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
        res.setHeader('x-request-id', requestId);
        const ip = req.ip ?? 'unknown';
        const auth = await pipeline.authenticate(req.headers.authorization);
        try {
          await pipeline.admit(ip, auth);
        } catch (err) {
          if (isTooManyRequests(err)) {
            // Answered as HTTP 429 with Retry-After, and as a coded GraphQL error in the body.
            const retryAfter = String(err.extensions.retryAfter);
            throw new GraphQLError(err.message, {
              extensions: { ...err.extensions, http: { status: 429, headers: new Map([['retry-after', retryAfter]]) } },
            });
          }
          throw err;
        }
        return pipeline.context({ auth, ip, requestId });
      },
    }),
  );
  app.use(jsonErrors(logger));

  return {
    httpServer,
    /** Open WebSockets and running subscriptions here. */
    connections: () => wsServer.stats(),
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

/** Every /graphql answer, refusals before GraphQL included, is `private, no-store` unless the response cache says public. */
const noStoreUnlessPublic: express.RequestHandler = (_req, res, next) => {
  res.setHeader('cache-control', NO_STORE);
  next();
};

/**
 * Queries over GET (a CDN can cache them, README "Caching") without Apollo's preflight header.
 * Apollo's CSRF prevention keeps refusing every POST a cross-site page could send without a
 * preflight (simple content types, multipart uploads). A GET is let through it because here it
 * cannot do harm: Apollo runs only queries over GET (a mutation answers 405), and no credential
 * rides along on its own (accounts authenticate with an `Authorization` header, never a cookie),
 * so a cross-site page can only read what it could read anonymously, and CORS still decides
 * whether it may see the answer.
 */
const allowSafeGet: express.RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') req.headers['apollo-require-preflight'] = 'true';
  next();
};

/** One dependency's state for /readyz: `ok`, `down` (its check failed) or `timeout` (no answer within `timeoutMs`). */
async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<string> {
  // Started inside a promise, so a check that throws at once is `down` as well.
  const outcome = await settleWithin(Promise.resolve().then(check), timeoutMs);
  return outcome.kind === 'done' ? 'ok' : outcome.kind === 'late' ? 'timeout' : 'down';
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
