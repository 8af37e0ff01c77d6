import { IsolationLevel, type QueryResult, type Transaction } from '@mikro-orm/core';
import { BaseSqlitePlatform, type EntityManager } from '@mikro-orm/knex';

/**
 * Plain SQL for the hottest paths (checkout, auth, listing). MikroORM's query builder costs
 * roughly half a millisecond of CPU per statement to build, and `em.transactional` another
 * half to open and close; a prepared string on the bare connection costs a tenth of that.
 * Statements stay portable SQL with `?` placeholders, so they run on MySQL and on the embedded
 * profile's SQLite alike; `forUpdate` is the one clause that differs. Everything else uses the ORM.
 */
export type Sql = {
  /** ` for update` on MySQL; empty on SQLite, whose one writer already holds the whole database. */
  readonly forUpdate: string;
  rows<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** An insert, update or delete: the affected row count and the new id (for an insert). */
  run(sql: string, params?: readonly unknown[]): Promise<{ affectedRows: number; insertId: number }>;
};

export const isSqliteEm = (em: EntityManager): boolean => em.getPlatform() instanceof BaseSqlitePlatform;

/** A mysql2 connection as knex's pool hands it out (callback API). */
type Mysql2Connection = { query(sql: string, values: unknown[], callback: (err: Error | null, rows: unknown) => void): void };
type QueryLog = { logQuery(query: string, context: { query: string; params: unknown[] }): void };
type KnexClient = { acquireConnection(): Promise<Mysql2Connection>; releaseConnection(connection: Mysql2Connection): Promise<void> };

/**
 * A read outside any transaction, straight on a pooled mysql2 connection: the statement and its
 * values go to mysql2 as they are, skipping MikroORM's and knex's per-statement work (formatting
 * the values into the string, the query runner, the log context), which cost about as much CPU
 * as the database round trip on the listing page. Statements still reach the query tap, when one is set.
 */
async function directRead<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const connection = em.getConnection();
  // MikroORM's query log (protected): the same entry connection.execute would make.
  if (em.config.get('debug')) (connection as unknown as QueryLog).logQuery(sql, { query: sql, params });
  const client = (connection.getKnex() as unknown as { client: KnexClient }).client;
  const conn = await client.acquireConnection();
  try {
    return await new Promise<T[]>((resolve, reject) => conn.query(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
  } finally {
    await client.releaseConnection(conn);
  }
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
    rows: <T>(sql: string, params: readonly unknown[] = []) =>
      !sqlite && !ctx ? directRead<T>(em, sql, [...params]) : (connection.execute(sql, bind(params), 'all', ctx) as Promise<T[]>),
    async run(sql: string, params: readonly unknown[] = []) {
      const result = await connection.execute<QueryResult>(sql, bind(params), 'run', ctx);
      return { affectedRows: result.affectedRows, insertId: Number(result.insertId) };
    },
  };
}

/** Plain SQL on the EntityManager's connection (inside its transaction, if it has one). */
export const sqlOf = (em: EntityManager): Sql => executor(em, em.getTransactionContext());

/**
 * Runs `work` in a transaction of plain SQL: committed when it resolves, rolled back when it
 * throws. `readCommitted` drops InnoDB's gap locks, for a transaction whose locking reads must
 * not block other sessions' inserts.
 */
export async function sqlTransaction<T>(
  em: EntityManager,
  work: (sql: Sql) => Promise<T>,
  options: { readCommitted?: boolean } = {},
): Promise<T> {
  const connection = em.getConnection();
  // SQLite transactions are always serializable (one writer at a time), so the level is MySQL's only.
  const readCommitted = options.readCommitted && !isSqliteEm(em);
  const trx = await connection.begin(readCommitted ? { isolationLevel: IsolationLevel.READ_COMMITTED } : {});
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
  return value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value));
}
export const asDateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : asDate(value));
