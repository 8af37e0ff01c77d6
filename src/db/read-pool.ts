import { createPool, type Pool, type PoolOptions } from 'mysql2';
import type { EntityManager } from '@mikro-orm/knex';
import type { Orm } from './orm';

/**
 * A second MySQL pool, for plain reads outside transactions (the listing page, its loaders, the
 * session check). Transactions stay on MikroORM's small pool (DATABASE_POOL_SIZE), where more
 * connections only add lock contention on hot rows (see BENCHMARKS.md); reads take no locks, so
 * they get their own connections (DATABASE_READ_POOL_SIZE) and never queue behind a checkout.
 * Same server, user and session settings as MikroORM's connections, so rows come back alike.
 */
const pools = new WeakMap<object, Pool>();

type ConnectionOptions = { getConnectionOptions(): PoolOptions };

/**
 * `readOnly` (a read replica's pool, db/replicas.ts): every connection's session refuses writes,
 * and connecting gives up after `connectTimeoutMs`, so a replica that is down costs a read little.
 */
export function openReadPool(orm: Orm, size: number, replica?: { readOnly: true; connectTimeoutMs: number }): void {
  const connection = orm.em.getConnection();
  const options = (connection as unknown as ConnectionOptions).getConnectionOptions();
  const extra = replica ? { connectTimeout: replica.connectTimeoutMs } : {};
  const pool = createPool({ ...options, ...extra, connectionLimit: size, maxIdle: size, enableKeepAlive: true });
  // Sent on the new connection before any statement a caller queues on it.
  if (replica) pool.on('connection', (c) => c.query('set session transaction read only', () => undefined));
  pools.set(connection, pool);
}

/** The read pool of this EntityManager's database, if it has one (MySQL only). */
export const readPoolOf = (em: EntityManager): Pool | undefined => pools.get(em.getConnection());

export async function closeReadPool(orm: Orm): Promise<void> {
  const connection = orm.em.getConnection();
  const pool = pools.get(connection);
  pools.delete(connection);
  if (pool) await new Promise<void>((resolve) => pool.end(() => resolve()));
}
