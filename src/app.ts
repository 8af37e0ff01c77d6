import Redis from 'ioredis';
import { TokenService } from './auth/tokens';
import type { Config } from './config';
import { migrateUp, openOrm, type Orm } from './db/orm';
import { createLogger, type Logger } from './logger';
import { buildAppSchema } from './schema/build-schema';
import { AccountResolver } from './resolvers/account/account.resolver';
import { AccountService } from './services/account/account.service';
import { LoginThrottle } from './services/account/login-throttle';
import { PasswordHasher } from './services/account/passwords';
import type { EventBus } from './services/events/event-bus';
import { RedisEventBus } from './services/events/redis-event-bus';
import { createHttpServer } from './server';

export type App = Awaited<ReturnType<typeof createApp>>;

/** The composition root: opens MySQL and Redis, picks adapters, wires services and resolvers. */
export async function createApp(config: Config, options: { logger?: Logger } = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err) => logger.warn({ err }, 'error while closing'));
  };

  try {
    const orm: Orm = await openOrm(config, logger).catch((err) => {
      throw new Error(`Cannot open the database at ${redactUrl(config.databaseUrl)}: ${err.message}`);
    });
    closers.push(() => orm.close());
    if (config.migrateOnStart) {
      const applied = await migrateUp(orm);
      if (applied.length) logger.info({ applied }, 'applied database migrations');
    }

    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
    closers.push(() => redis.quit());
    await redis.connect().catch((err) => {
      throw new Error(`Cannot reach Redis at ${redactUrl(config.redisUrl)}: ${err.message}`);
    });

    const events: EventBus = new RedisEventBus(redis, config.redisKeyPrefix);
    closers.push(() => events.close());

    const accounts = new AccountService({
      tokens: new TokenService(config.authTokenSecret, config.authTokenTtlSeconds),
      passwords: new PasswordHasher(config.passwordHash),
      throttle: new LoginThrottle({ ...config.login, keyPrefix: config.redisKeyPrefix }, redis),
      events,
      adminInviteCode: config.adminInviteCode,
    });

    const resolverInstances = new Map<unknown, unknown>([[AccountResolver, new AccountResolver(accounts)]]);
    const schema = await buildAppSchema({ get: (cls) => resolverInstances.get(cls) });
    const server = await createHttpServer({ config, logger, schema, orm, redis, accounts, events });

    let url: string | null = null;
    return {
      config,
      logger,
      orm,
      redis,
      events,
      services: { accounts },
      get url() {
        if (!url) throw new Error('the app is not listening yet');
        return url;
      },
      async listen(): Promise<string> {
        url = await server.listen();
        return url;
      },
      /** Graceful stop: finish in-flight requests, then close MySQL and Redis. */
      async close(): Promise<void> {
        await server.stop();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
