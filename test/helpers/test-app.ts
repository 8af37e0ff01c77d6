import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { OrderSweeper } from '../../src/services/orders/order-sweeper';
import type { Logger } from '../../src/logger';
import { GraphQLClient } from './graphql-client';

/** Where the tests' MariaDB/MySQL server and Redis are. Tests always name them explicitly. */
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * `embedded`: test apps run on the embedded profile (a SQLite file, in-process EventBus and
 * StockGuard, no Redis) instead of MySQL + Redis. Set by the `embedded` jest project.
 */
export const TEST_PROFILE: 'production' | 'embedded' = process.env.TEST_PROFILE === 'embedded' ? 'embedded' : 'production';
export const EMBEDDED = TEST_PROFILE === 'embedded';
/**
 * A test of what only the production profile has: several instances sharing Redis, Redis itself,
 * or NODE_ENV=production (which requires DATABASE_URL). The embedded run leaves it to the production run.
 */
export const itProductionProfile: jest.It = EMBEDDED ? it.skip : it;
/** A token secret that passes production's rules (DATABASE_URL needs one; src/secret-strength.ts). Tests only. */
export const TEST_TOKEN_SECRET = 'test-suite-token-secret-4f9c2a7e1b8d6035';

export type TestApp = {
  app: App;
  url: string;
  client: GraphQLClient;
  dbName: string;
  redisPrefix: string;
  /** Environment a separate app process needs to join this one (same database and Redis prefix). */
  peerEnv: Record<string, string>;
  /** Boots another instance on the same database and Redis prefix (a second app server); on the embedded profile, this one. */
  startPeer(): Promise<{ app: App; url: string; client: GraphQLClient; close(): Promise<void> }>;
  close(): Promise<void>;
};

/** Names for one test file's own database and Redis key prefix. */
export function isolatedNames() {
  const id = `${process.pid.toString(36)}${randomBytes(4).toString('hex')}`;
  return { dbName: `mp_test_${id}`, redisPrefix: `mp_test:${id}:` };
}

/**
 * Boots the real app (migrations included) on a free loopback port, against a fresh database and
 * a private Redis key prefix. `close()` stops it and removes both.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  /** `mysqlUrl`: another server than TEST_MYSQL_URL for the database (say a replicated primary, helpers/mariadb-replica.ts). */
  options: { logger?: Logger; onQuery?: (sql: string) => void; mysqlUrl?: string } = {},
): Promise<TestApp> {
  const { dbName, redisPrefix } = isolatedNames();
  const mysqlUrl = options.mysqlUrl ?? TEST_MYSQL_URL;
  const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-media-'));
  const stores: Record<string, string> = EMBEDDED
    ? { SQLITE_FILE: path.join(mediaDir, 'test.sqlite'), LOCAL_STORAGE_DIR: path.join(mediaDir, 'uploads') }
    : {
        DATABASE_URL: `${mysqlUrl}/${dbName}`,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: redisPrefix,
        LOCAL_STORAGE_DIR: mediaDir,
      };
  const baseEnv = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_APP_LOG_LEVEL ?? 'silent',
    AUTH_TOKEN_SECRET: TEST_TOKEN_SECRET,
    ...stores,
    // Cheaper hashing keeps the suite fast; production uses the OWASP baseline.
    PASSWORD_HASH_MEMORY_KIB: '4096',
    PASSWORD_HASH_TIME_COST: '1',
    // Tests fire hundreds of requests from one address; the limits have their own test.
    RATE_LIMIT_IP_PER_MINUTE: '0',
    RATE_LIMIT_ACCOUNT_PER_MINUTE: '0',
    // The same for sign-ups and orders (one customer often holds many unpaid orders here); see order-limits.
    ORDER_MAX_PENDING_PER_CUSTOMER: '0',
    ORDER_CREATE_PER_MINUTE: '0',
    SIGNUP_PER_IP_PER_HOUR: '0',
    // Every webhook here comes from loopback; the per-IP webhook limit has its own test (toss-webhook).
    TOSS_WEBHOOK_PER_IP_PER_MINUTE: '0',
    // Tests read their own writes anonymously at once; the response cache has its own tests (response-cache).
    RESPONSE_CACHE_TTL_SECONDS: '0',
    ...env,
  };
  const config = loadConfig(baseEnv);
  const app = await createApp(config, options);
  const url = await app.listen();
  return {
    app,
    url,
    dbName,
    redisPrefix,
    peerEnv: { ...baseEnv, MIGRATE_ON_START: 'false' },
    client: new GraphQLClient(`${url}/graphql`),
    async startPeer() {
      // The embedded profile runs one process (its adapters are in-process): its "second instance" is this one.
      if (EMBEDDED) return { app, url, client: new GraphQLClient(`${url}/graphql`), close: async () => undefined };
      const peer = await createApp({ ...config, migrateOnStart: false }, options);
      const peerUrl = await peer.listen();
      return { app: peer, url: peerUrl, client: new GraphQLClient(`${peerUrl}/graphql`), close: () => peer.close() };
    },
    async close() {
      // A stop after its Redis died (the outage tests) can fail: the rest is then closed by hand.
      await app.close().catch(async () => {
        await app.events.close().catch(() => undefined);
        app.redis?.disconnect();
        await app.orm.close(true).catch(() => undefined);
      });
      if (!EMBEDDED) {
        await dropDatabase(dbName, mysqlUrl);
        await deleteRedisKeys(redisPrefix);
      }
      fs.rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}

export async function dropDatabase(dbName: string, mysqlUrl = TEST_MYSQL_URL): Promise<void> {
  const conn = await mysql.createConnection(mysqlUrl);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  } finally {
    await conn.end();
  }
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The app's order sweeper with no grace period: settles every stale stock hold at once (tests only). */
export function sweeperWithoutGrace(app: App): OrderSweeper {
  return new OrderSweeper({
    em: () => app.orm.em.fork(),
    lifecycle: app.services.lifecycle,
    stock: app.stock,
    logger: app.logger,
    reservationGraceMs: 0,
    confirmations: app.services.confirmations,
  });
}
