import { TokenService } from './auth/tokens';
import type { Config } from './config';
import { closeOrm, migrateUp, openOrm, type Orm, type QueryTap } from './db/orm';
import { ReadRouter } from './db/read-route';
import { writeFenceMillis } from './db/replica-status';
import { ReplicaSet } from './db/replicas';
import { WriteFence } from './services/shared/write-fence';
import { createLogger, type Logger } from './logger';
import { buildAppSchema } from './schema/build-schema';
import { AccountResolver } from './resolvers/account/account.resolver';
import { CategoryResolver } from './resolvers/catalog/category.resolver';
import { ProductConnectionResolver, ProductResolver } from './resolvers/catalog/product.resolver';
import { CartResolver } from './resolvers/cart/cart.resolver';
import { ShippingAddressResolver } from './resolvers/shipping/shipping-address.resolver';
import { CarrierResolver, ShipmentResolver } from './resolvers/shipping/shipment.resolver';
import { CancelItemsResolver } from './resolvers/orders/cancel-items.resolver';
import { SettlementResolver } from './resolvers/settlement/settlement.resolver';
import { OrderConnectionResolver, OrderResolver } from './resolvers/orders/order.resolver';
import { PaymentResolver } from './resolvers/payments/payment.resolver';
import { NotificationResolver } from './resolvers/notifications/notification.resolver';
import { NotificationService } from './services/notifications/notification.service';
import { OrderFeed } from './services/notifications/order-feed';
import { OutboxRelay } from './services/notifications/outbox-relay';
import { AccountService } from './services/account/account.service';
import { LoginThrottle } from './services/account/login-throttle';
import { PasswordHasher } from './services/account/passwords';
import { CategoryService } from './services/catalog/category.service';
import { ProductImageService } from './services/catalog/product-image.service';
import { ProductListing } from './services/catalog/product-listing';
import { ProductService } from './services/catalog/product.service';
import { SqlNgramSearchIndex } from './services/catalog/search/sql-ngram-search-index';
import { indexMissingProducts } from './services/catalog/search/index-missing';
import { CartService } from './services/cart/cart.service';
import { ShippingAddressService } from './services/shipping/shipping-address.service';
import { PeriodicJob } from './services/jobs/periodic-job';
import { ActionLimit } from './services/shared/action-limit';
import { redactUrl } from './services/shared/redact-url';
import { closeRedis, connectRedis, describeRedis, type RedisClient, type RedisTarget } from './services/shared/redis-client';
import { createPayments } from './services/payments/create-payments';
import { CheckoutService } from './services/orders/checkout.service';
import { OrderLifecycle } from './services/orders/order-lifecycle';
import { OrderSweeper } from './services/orders/order-sweeper';
import { PurchaseConfirmation } from './services/shipping/purchase-confirmation';
import { SettlementLedger } from './services/settlement/settlement-ledger';
import { SellerPayouts } from './services/settlement/seller-payouts';
import { ShipmentService } from './services/shipping/shipment.service';
import { OrderService } from './services/orders/order.service';
import { MemoryStockGuard } from './services/stock/memory-stock-guard';
import { RedisStockGuard } from './services/stock/redis-stock-guard';
import { seedFromDatabase } from './services/stock/product-stock';
import type { StockGuard, StockLoader } from './services/stock/stock-guard';
import { createStorage } from './services/storage/create-storage';
import type { EventBus } from './services/events/event-bus';
import { MemoryEventBus } from './services/events/memory-event-bus';
import { RedisEventBus } from './services/events/redis-event-bus';
import { createHttpServer } from './server';
import { tossSdkUrlFor } from './demo/demo-route';
import { startEmbeddedToss } from './services/payments/embedded-toss';
import type { TossSandbox } from '../toss-sandbox';
import { PrometheusMetrics } from './telemetry/metrics';
import { startMetricsListener } from './telemetry/metrics-route';

export type App = Awaited<ReturnType<typeof createApp>>;

/** The composition root: opens MySQL and Redis, picks adapters, wires services and resolvers. */
export async function createApp(config: Config, options: { logger?: Logger; onQuery?: QueryTap } = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => logger.warn({ err }, 'error while closing'));
  };

  try {
    for (const line of describeProfile(config)) logger.info(line);
    // Prometheus metrics exist only where they can be scraped: a listener of their own, or the main port with a token.
    const { metrics: metricsConfig } = config.telemetry;
    const metrics = metricsConfig.listener || metricsConfig.token ? new PrometheusMetrics({ ...metricsConfig, logger }) : null;
    const orm: Orm = await openOrm(config, logger, options.onQuery).catch((err: Error) => {
      throw new Error(`Cannot open the database at ${describeDatabase(config)}: ${err.message}`);
    });
    closers.push(() => closeOrm(orm));
    // SQLite has no migrations to hold back: its schema always follows the entities.
    if (config.migrateOnStart || config.database.kind === 'sqlite') {
      const applied = await migrateUp(orm);
      if (applied.length) logger.info({ applied }, 'applied database migrations');
    }

    // The production profile shares Redis (one node or a Cluster) between instances; the embedded one runs without it.
    let redis: RedisClient | null = null;
    const target = redisTarget(config);
    if (target) {
      redis = await connectRedis(target, logger);
      const client = redis;
      closers.push(() => closeRedis(client));
    }
    // Read replicas (DATABASE_REPLICA_URLS): browsing reads only, checked and fenced (README "Scaling out").
    const replicas = await ReplicaSet.open(config.database, orm, logger, options.onQuery);
    if (replicas) closers.push(() => replicas.close());
    const router =
      replicas && config.database.kind === 'mysql' && config.database.replicas
        ? new ReadRouter(
            replicas,
            new WriteFence({ ttlMs: writeFenceMillis(config.database.replicas), keyPrefix: config.redisKeyPrefix }, redis, logger),
          )
        : null;

    const needRedis = (what: string): RedisClient => {
      if (!redis) throw new Error(`${what} needs REDIS_URL or REDIS_CLUSTER_NODES`);
      return redis;
    };

    // The embedded profile's payments: the Toss sandbox, in this process, with its test keys.
    let paymentConfig = config.payments;
    let sandbox: TossSandbox | null = null;
    if (config.payments.sandbox) {
      const embedded = await startEmbeddedToss(config.payments);
      sandbox = embedded.sandbox;
      closers.push(() => embedded.sandbox.close());
      paymentConfig = embedded.payments;
      logger.info(`Toss sandbox (in-process, test keys): ${embedded.sandbox.url}`);
    }

    // Redis pub/sub reaches every instance; the in-process bus serves a single process.
    const events: EventBus =
      config.eventBus === 'redis' ? new RedisEventBus(needRedis('EVENT_BUS=redis'), config.redisKeyPrefix) : new MemoryEventBus();
    closers.push(() => events.close());

    const accounts = new AccountService({
      tokens: new TokenService(config.authTokenSecret, config.authTokenTtlSeconds),
      passwords: new PasswordHasher(config.passwordHash),
      throttle: new LoginThrottle({ ...config.login, keyPrefix: config.redisKeyPrefix }, redis, logger),
      signUps: new ActionLimit(
        {
          name: 'signups',
          points: config.rateLimit.signUpsPerIpPerHour,
          windowSeconds: 3600,
          keyPrefix: config.redisKeyPrefix,
          message: 'Too many accounts were created from your network. Try again later.',
        },
        redis,
        logger,
      ),
      events,
      adminInviteCode: config.adminInviteCode,
      logger,
    });

    const storage = createStorage(config.storage, config.publicUrl);
    closers.push(() => storage.close());
    await storage.ping().catch((err) => {
      throw new Error(`Storage (${storage.kind}) is not usable: ${err.message}`);
    });
    // MySQL is the source of truth for stock; the guard seeds its counters from it when they are missing.
    const loadStock: StockLoader = seedFromDatabase(orm.em);
    const stock: StockGuard =
      config.stock.guard === 'redis'
        ? new RedisStockGuard(needRedis('STOCK_GUARD=redis'), config.redisKeyPrefix, loadStock, { logger })
        : new MemoryStockGuard(loadStock);

    const categories = new CategoryService();
    const searchIndex = new SqlNgramSearchIndex();
    const products = new ProductService(categories, stock, searchIndex, logger);
    const listing = new ProductListing(categories, searchIndex);
    // Products the index lacks (rows from before search existed, or written by SQL) are indexed in the background.
    closers.push(indexMissingProducts(orm, searchIndex, logger));
    const productImages = new ProductImageService({
      products,
      storage,
      maxFileBytes: config.uploadMaxFileBytes,
      maxImagePixels: config.uploadMaxImagePixels,
      logger,
    });

    // Order events: written with each change, published after commit by the outbox relay.
    const relay = new OutboxRelay({ em: () => orm.em.fork(), events, logger, metrics: metrics ?? undefined });
    const onEvent = () => relay.kick();
    const feed = new OrderFeed({ em: () => orm.em.fork(), events });
    await feed.start();
    closers.push(() => feed.close());
    const relayJob = new PeriodicJob('outbox relay', config.orders.outboxRelayIntervalMs, async () => void (await relay.runOnce()), logger);
    closers.push(() => relayJob.stop());

    const cart = new CartService(config.orders);
    const lifecycle = new OrderLifecycle({ stock, logger, onEvent });
    const orderRate = new ActionLimit(
      {
        name: 'orders',
        points: config.rateLimit.ordersPerCustomerPerMinute,
        windowSeconds: 60,
        keyPrefix: config.redisKeyPrefix,
        message: 'Too many orders in a minute. Try again shortly.',
      },
      redis,
      logger,
    );
    const checkout = new CheckoutService({
      stock,
      paymentWindowSeconds: config.orders.paymentWindowSeconds,
      limits: config.orders,
      orderRate,
      logger,
      onEvent,
    });
    const payments = createPayments(paymentConfig, { em: () => orm.em.fork(), lifecycle, stock, logger, metrics: metrics ?? undefined });
    const shipments = new ShipmentService(lifecycle);
    const ledger = new SettlementLedger({ commissionBps: config.settlement.commissionBps });
    const payouts = new SellerPayouts();
    const confirmations = new PurchaseConfirmation({ lifecycle, ledger, logger, confirmAfterDays: config.orders.purchaseConfirmDays });
    const orders = new OrderService(lifecycle, payments.refunds, shipments);
    const sweeper = new OrderSweeper({
      confirmations,
      em: () => orm.em.fork(),
      lifecycle,
      stock,
      logger,
      reservationGraceMs: config.stock.reservationGraceSeconds * 1000,
    });
    const upkeep = new PeriodicJob(
      'order upkeep',
      config.orders.sweepIntervalMs,
      async () => {
        await sweeper.runOnce();
        await payments.reconciler?.runOnce();
      },
      logger,
    );
    closers.push(() => upkeep.stop());

    const resolverInstances = new Map<unknown, unknown>([
      [AccountResolver, new AccountResolver(accounts)],
      [CategoryResolver, new CategoryResolver(categories)],
      [ProductResolver, new ProductResolver(products, listing, productImages)],
      [ProductConnectionResolver, new ProductConnectionResolver(listing)],
      [CartResolver, new CartResolver(cart)],
      [OrderResolver, new OrderResolver(orders, checkout)],
      [OrderConnectionResolver, new OrderConnectionResolver(orders)],
      [PaymentResolver, new PaymentResolver(payments.service)],
      [NotificationResolver, new NotificationResolver(new NotificationService())],
      [ShippingAddressResolver, new ShippingAddressResolver(new ShippingAddressService())],
      [ShipmentResolver, new ShipmentResolver(shipments, confirmations, orders)],
      [CarrierResolver, new CarrierResolver()],
      [CancelItemsResolver, new CancelItemsResolver(payments.partialRefunds, orders)],
      [SettlementResolver, new SettlementResolver(ledger, payouts)],
    ]);
    const schema = await buildAppSchema({ get: (cls) => resolverInstances.get(cls) });
    const server = await createHttpServer({
      config,
      logger,
      schema,
      orm,
      redis,
      accounts,
      events,
      storage,
      webhook: payments.webhook,
      feed,
      router,
      demo: { tossClientKey: paymentConfig.clientKey, tossSdkUrl: tossSdkUrlFor(paymentConfig.apiUrl) },
      metrics,
    });
    metrics?.observe({ outboxLagSeconds: () => relay.lagSeconds(), connections: server.connections });

    let url: string | null = null;
    let metricsUrl: string | null = null;
    return {
      config,
      logger,
      orm,
      replicas,
      redis,
      events,
      storage,
      stock,
      payments,
      feed,
      relay,
      services: {
        accounts,
        categories,
        products,
        listing,
        searchIndex,
        productImages,
        cart,
        checkout,
        orders,
        lifecycle,
        sweeper,
        shipments,
        confirmations,
        ledger,
        payouts,
      },
      get url() {
        if (!url) throw new Error('the app is not listening yet');
        return url;
      },
      /** The metrics listener's `/metrics` URL (METRICS_PORT); null without one. */
      get metricsUrl() {
        return metricsUrl;
      },
      async listen(): Promise<string> {
        if (metrics && metricsConfig.listener) {
          const listener = await startMetricsListener(metrics, metricsConfig.listener, logger);
          closers.push(() => listener.close());
          metricsUrl = listener.url;
          logger.info(`metrics: ${listener.url}`);
        }
        url = await server.listen();
        // The sandbox tells this app about payment status changes, as Toss would.
        sandbox?.setWebhookUrl(`${url}/webhooks/toss`);
        upkeep.start();
        relayJob.start();
        return url;
      },
      /** Graceful stop: finish in-flight requests, then close MySQL and Redis. */
      async close(): Promise<void> {
        logger.debug('stopping the HTTP and WebSocket server');
        try {
          await server.stop();
        } catch (err) {
          // MySQL, Redis and the jobs still close (say, a Redis outage failed the sockets' clean-up).
          logger.warn({ err }, 'error while stopping the HTTP and WebSocket server');
        }
        logger.debug('closing MySQL, Redis and the event bus');
        await closeAll();
        logger.debug('closed');
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** One line per port: the profile and the adapter each port runs on. */
export function describeProfile(config: Config): string[] {
  const storage =
    config.storage.kind === 's3'
      ? `S3 bucket ${config.storage.bucket} (${config.storage.publicUrl})`
      : `local disk ${config.storage.directory}`;
  const target = redisTarget(config);
  const inProcess = (kind: 'redis' | 'memory') => (kind === 'redis' && target ? describeRedis(target) : 'in-process');
  const payments = config.payments.sandbox
    ? 'Toss sandbox, in-process, with its test keys'
    : config.payments.secretKey
      ? `Toss API ${config.payments.apiUrl}`
      : 'off (TOSS_SECRET_KEY is not set)';
  return [
    `profile: ${config.profile}${config.profile === 'embedded' ? ' (no DATABASE_URL: SQLite, one process; the lines below say what each port uses)' : ''}`,
    `database: ${describeDatabase(config)}`,
    ...(config.database.kind === 'mysql' && config.database.replicas?.urls.length
      ? [
          `read replicas: ${config.database.replicas.urls.map((url) => redactUrl(url, { hideQuery: true })).join(', ')} (browsing reads; lag bound ${config.database.replicas.maxLagSeconds} s)`,
        ]
      : []),
    `storage: ${storage}`,
    `event bus: ${inProcess(config.eventBus)}`,
    `stock guard: ${inProcess(config.stock.guard)}`,
    `payments: ${payments}`,
  ];
}

function describeDatabase(config: Config): string {
  return config.database.kind === 'sqlite'
    ? `SQLite ${config.database.file}`
    : `MySQL ${redactUrl(config.database.url, { hideQuery: true })}`;
}

/** REDIS_CLUSTER_NODES (REDIS_URL then unused), else REDIS_URL; null on the embedded profile. */
function redisTarget(config: Config): RedisTarget | null {
  if (config.redisCluster) return { cluster: config.redisCluster };
  return config.redisUrl ? { url: config.redisUrl } : null;
}
