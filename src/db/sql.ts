import { type QueryResult, type Transaction } from '@mikro-orm/core';
import { BaseSqlitePlatform, type EntityManager } from '@mikro-orm/knex';
import { readPoolOf } from './read-pool';

/**
 * Plain SQL for the hottest paths (checkout, order status changes, auth, listing). MikroORM's query builder costs
 * roughly half a millisecond of CPU per statement to build, and `em.transactional` another
 * half to open and close; a prepared string on the bare connection costs a tenth of that.
 * Statements stay portable SQL with `?` placeholders, so they run on MySQL and on the embedded
 * profile's SQLite alike; `forUpdate` is the one clause that differs. Everything else uses the ORM.
 */
export type Sql = {
  /** ` for update` on MySQL; empty on SQLite, whose one writer already holds the whole database. */
  readonly forUpdate: string;
  /** ` lock in share mode` on MySQL/MariaDB (both know this spelling); empty on SQLite. */
  readonly forShare: string;
  rows<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** An insert, update or delete: the affected row count and, for an insert, the first new row's id. */
  run(sql: string, params?: readonly unknown[]): Promise<{ affectedRows: number; insertId: number }>;
};

export const isSqliteEm = (em: EntityManager): boolean => em.getPlatform() instanceof BaseSqlitePlatform;

type QueryLog = { logQuery(query: string, context: { query: string; params: unknown[] }): void };

/** A mysql2 pool or connection (callback API), as the read pool and knex's pool hand them out. */
type Queryable = { query(sql: string, values: unknown[], callback: (err: Error | null, result: unknown) => void): void };

/**
 * A statement straight on mysql2 (the read pool outside transactions, `read-pool.ts`; a connection
 * of MikroORM's pool inside `mysqlTransaction`): the statement and its values go as they are,
 * skipping MikroORM's and knex's per-statement work (formatting the values into the string, the
 * query runner, the log context), which cost about as much CPU as the database round trip on the
 * listing page. Statements still reach the query tap, when one is set.
 */
function direct<T>(em: EntityManager, target: Queryable, sql: string, params: unknown[]): Promise<T> {
  // MikroORM's query log (protected): the same entry connection.execute would make.
  if (em.config.get('debug')) (em.getConnection() as unknown as QueryLog).logQuery(sql, { query: sql, params });
  return new Promise<T>((resolve, reject) => target.query(sql, params, (err, result) => (err ? reject(err) : resolve(result as T))));
}

function executor(em: EntityManager, ctx?: Transaction): Sql {
  const connection = em.getConnection();
  const sqlite = isSqliteEm(em);
  // SQLite keeps dates as epoch milliseconds (as MikroORM writes them); MySQL takes Date values.
  const bind = sqlite
    ? (params: readonly unknown[]) => params.map((p) => (p instanceof Date ? p.getTime() : p))
    : (params: readonly unknown[]) => [...params];
  return {
    forUpdate: sqlite ? '' : ' for update',
    forShare: sqlite ? '' : ' lock in share mode',
    rows: <T>(sql: string, params: readonly unknown[] = []) => {
      const pool = ctx ? undefined : readPoolOf(em);
      return pool ? direct<T[]>(em, pool, sql, [...params]) : (connection.execute(sql, bind(params), 'all', ctx) as Promise<T[]>);
    },
    async run(sql: string, params: readonly unknown[] = []) {
      const result = await connection.execute<QueryResult>(sql, bind(params), 'run', ctx);
      // MySQL reports the first id of a multi-row insert, SQLite the last (its rows get consecutive ids too).
      const insertId = sqlite ? Number(result.insertId) - result.affectedRows + 1 : Number(result.insertId);
      return { affectedRows: result.affectedRows, insertId };
    },
  };
}

/** Plain SQL on the EntityManager's connection (inside its transaction, if it has one). */
export const sqlOf = (em: EntityManager): Sql => executor(em, em.getTransactionContext());

/**
 * Plain SQL outside the EntityManager's transaction, as a fresh `em.fork()` reads: what is
 * committed now (the read pool on MySQL), never a caller's uncommitted rows.
 */
export const committedSqlOf = (em: EntityManager): Sql => executor(em);

type KnexClient = { acquireConnection(): Promise<Queryable>; releaseConnection(connection: Queryable): Promise<unknown> };
type KnexConnection = { ensureConnection(): Promise<void>; getKnex(): { client: KnexClient } };

/**
 * Plain SQL straight on a mysql2 connection of MikroORM's pool (the transaction pool), inside a
 * transaction `mysqlTransaction` opened on it. Statements reach the query tap, when one is set.
 */
function connectionExecutor(em: EntityManager, connection: Queryable): Sql & { exec(sql: string): Promise<unknown> } {
  const exec = (sql: string, params: unknown[] = []): Promise<unknown> => direct(em, connection, sql, params);
  return {
    forUpdate: ' for update',
    forShare: ' lock in share mode',
    exec,
    rows: <T>(sql: string, params: readonly unknown[] = []) => exec(sql, [...params]) as Promise<T[]>,
    async run(sql: string, params: readonly unknown[] = []) {
      const result = (await exec(sql, [...params])) as { affectedRows: number; insertId: number | string };
      return { affectedRows: result.affectedRows, insertId: Number(result.insertId) };
    },
  };
}

/**
 * A MySQL transaction on a connection taken from MikroORM's pool: BEGIN, the work's statements
 * and COMMIT go to mysql2 as they are. MikroORM's and knex's transaction machinery (a knex
 * transaction client built per transaction, the query runner and MikroORM's formatting for each
 * statement) cost about as much CPU as the statements' round trips on the checkout (see
 * BENCHMARKS.md, "Checkout and fan-out on a shared host"); the connection, its session settings and the pool's size are
 * the same. Errors are the driver's (MySQL's errno, which retryOnDeadlock reads).
 */
async function mysqlTransaction<T>(
  em: EntityManager,
  work: (sql: Sql) => Promise<T>,
  options: { readCommitted?: boolean; readPool?: boolean },
): Promise<T> {
  const { connection, release } = await takeConnection(em, options.readPool === true);
  const readCommitted = options.readCommitted === true;
  try {
    const sql = connectionExecutor(em, connection);
    // Like knex's: the level applies to the next transaction only.
    if (readCommitted) await sql.exec('set transaction isolation level read committed');
    await sql.exec('begin');
    try {
      const result = await work(sql);
      await sql.exec('commit');
      return result;
    } catch (err) {
      await sql.exec('rollback').catch(() => undefined);
      throw err;
    }
  } finally {
    await release();
  }
}

type PoolConnection = Queryable & { release(): void };
type CallbackPool = { getConnection(callback: (err: Error | null, connection: PoolConnection) => void): void };

/** A connection of MikroORM's pool (the transaction pool), or of the read pool when asked and there is one. */
async function takeConnection(em: EntityManager, readPool: boolean): Promise<{ connection: Queryable; release(): Promise<unknown> }> {
  const pool = readPool ? (readPoolOf(em) as unknown as CallbackPool | undefined) : undefined;
  if (pool) {
    const connection = await new Promise<PoolConnection>((resolve, reject) =>
      pool.getConnection((err, c) => (err ? reject(err) : resolve(c))),
    );
    return { connection, release: async () => connection.release() };
  }
  const orm = em.getConnection() as unknown as KnexConnection;
  await orm.ensureConnection();
  const client = orm.getKnex().client;
  const connection = await client.acquireConnection();
  // A connection that died meanwhile is dropped by the pool's validation on its next acquire.
  return { connection, release: () => client.releaseConnection(connection) };
}

/**
 * Runs `work` in a transaction of plain SQL: committed when it resolves, rolled back when it
 * throws. `readCommitted` drops InnoDB's gap locks, for a transaction whose locking reads must
 * not block other sessions' inserts. `readPool`: on a connection of the read pool (same primary),
 * for background work that must not queue behind the requests waiting for the transaction pool.
 */
export async function sqlTransaction<T>(
  em: EntityManager,
  work: (sql: Sql) => Promise<T>,
  options: { readCommitted?: boolean; readPool?: boolean } = {},
): Promise<T> {
  // SQLite transactions are always serializable (one writer at a time), so the level is MySQL's only.
  if (!isSqliteEm(em)) return mysqlTransaction(em, work, options);
  const connection = em.getConnection();
  const trx = await connection.begin();
  try {
    const result = await work(executor(em, trx));
    await connection.commit(trx);
    return result;
  } catch (err) {
    await connection.rollback(trx).catch(() => undefined);
    throw err;
  }
}

/** A column that holds a date, as drivers return it (Date, epoch ms or text), as a Date. */
export function asDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const text = String(value);
  // MySQL's `2026-11-24 05:55:19.123` (the connection's time zone is UTC) has no zone of its own,
  // and JavaScript would read it in the process's local time zone.
  return new Date(MYSQL_DATETIME.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}
const MYSQL_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/;
export const asDateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : asDate(value));
