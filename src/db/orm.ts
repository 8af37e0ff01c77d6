import { DefaultLogger, MikroORM, type LogContext, type LoggerNamespace, type LoggerOptions, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import { MySqlDriver } from '@mikro-orm/mysql';
import path from 'node:path';
import type { Config, DatabaseConfig } from '../config';
import { entities } from '../entities';
import type { Logger } from '../logger';
import { migrationsList } from '../../migrations';
import { closeReadPool, openReadPool } from './read-pool';
import { readSqliteEnumsCorrectly } from './sqlite-schema';
import { isSqliteEm } from './sql';
import { beforeCommitSubscriber } from './before-commit';

/** MySQL in the production profile, SQLite (libsql) in the embedded one; services see the same SQL EntityManager. */
export type Orm = MikroORM<AbstractSqlDriver>;

/** Called with each SQL statement the ORM runs (without its parameters); used to count queries. */
export type QueryTap = (sql: string) => void;

/** A MikroORM logger that reports statements to a tap and logs nothing else. */
class TapLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly tap: QueryTap,
  ) {
    super(options);
  }

  override log(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    if (namespace === 'query' && context?.query) this.tap(context.query);
  }
}

/** The libsql (better-sqlite3 style) connection that knex hands to `afterCreate`. */
type SqliteConnection = { exec(sql: string): void; prepare(sql: string, ...rest: unknown[]): unknown };

/** MikroORM options for a database; shared by the app, the migrate script and the CLI. */
export function ormOptions(database: DatabaseConfig, logger?: Logger, onQuery?: QueryTap): Options<AbstractSqlDriver> {
  const tap = onQuery ? { debug: ['query' as const], loggerFactory: (options: LoggerOptions) => new TapLogger(options, onQuery) } : {};
  const common = {
    entities,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    // Query logging stays off: MikroORM prints bound parameters, which include password hashes.
    logger: logger ? (msg: string) => logger.debug({ orm: true }, msg) : undefined,
    debug: false,
    ...tap,
  };
  if (database.kind === 'sqlite') {
    // One file, one writer: every statement runs on the single connection, in arrival order.
    // WAL lets another process (say `npm run seed` beside the server) read meanwhile, and a writer
    // waits up to 5 s for the lock. Transactions begin IMMEDIATE (taking the write lock at once):
    // a deferred one that read first could not upgrade after another process wrote (SQLITE_BUSY_SNAPSHOT).
    const pool = {
      min: 1,
      max: 1,
      afterCreate: (connection: SqliteConnection, done: (err: Error | null, connection: unknown) => void) => {
        try {
          // Per connection: the pool replaces its connection every 10 s (knex's libsql dialect), and
          // MikroORM turns foreign keys on only for the first one.
          connection.exec('pragma journal_mode = wal; pragma busy_timeout = 5000; pragma foreign_keys = on;');
          const prepare = connection.prepare.bind(connection);
          connection.prepare = (sql: string, ...rest: unknown[]) => prepare(sql === 'BEGIN;' ? 'BEGIN IMMEDIATE;' : sql, ...rest);
          done(null, connection);
        } catch (err) {
          done(err as Error, connection);
        }
      },
    };
    return { ...common, driver: LibSqlDriver, dbName: database.file, pool } as Options<AbstractSqlDriver>;
  }
  return {
    ...common,
    driver: MySqlDriver,
    clientUrl: database.url,
    charset: 'utf8mb4',
    collate: 'utf8mb4_unicode_ci',
    timezone: '+00:00',
    pool: { min: 0, max: database.poolSize },
    // Creates the database named in DATABASE_URL when it does not exist yet.
    ensureDatabase: true,
    extensions: [Migrator],
    migrations: {
      // Beside the sources when run from TypeScript, beside the build when compiled.
      path: path.join(__dirname, '../../migrations'),
      pathTs: path.join(__dirname, '../../migrations'),
      snapshotName: '.snapshot',
      migrationsList,
      // MySQL commits DDL implicitly, so wrapping migrations in transactions only misleads.
      transactional: false,
      allOrNothing: false,
      emit: 'ts',
      snapshot: true,
    },
  } as Options<AbstractSqlDriver>;
}

/** Opens the ORM (creating the MySQL database or the SQLite file if needed). */
export async function openOrm(config: Pick<Config, 'database'>, logger?: Logger, onQuery?: QueryTap): Promise<Orm> {
  const orm = await MikroORM.init<AbstractSqlDriver>(ormOptions(config.database, logger, onQuery));
  // Steps queued with beforeCommit (db/before-commit.ts) run at each transaction's COMMIT.
  orm.em.getEventManager().registerSubscriber(beforeCommitSubscriber);
  if (config.database.kind === 'sqlite') readSqliteEnumsCorrectly(orm);
  else openReadPool(orm, config.database.readPoolSize);
  return orm;
}

/** How long connecting to a replica may take before a read falls back to the primary (db/replicas.ts). */
export const REPLICA_CONNECT_TIMEOUT_MS = 2000;

/**
 * An ORM on a read replica of the MySQL database (db/replicas.ts): the same entities and pool
 * sizes, read-only sessions (a write sent there by mistake fails instead of forking the replica's
 * data), no migrations and no CREATE DATABASE (the database comes from the primary by
 * replication). Opening it does not fail when the replica is down; its health check says so.
 */
export async function openReplicaOrm(
  database: Extract<DatabaseConfig, { kind: 'mysql' }>,
  url: string,
  logger?: Logger,
  onQuery?: QueryTap,
): Promise<Orm> {
  const base = ormOptions({ ...database, url }, logger, onQuery);
  const orm = await MikroORM.init<AbstractSqlDriver>({
    ...base,
    ensureDatabase: false,
    extensions: [],
    pool: {
      min: 0,
      max: database.poolSize,
      afterCreate: (connection: MysqlConnection, done: (err: Error | null, connection: unknown) => void) =>
        connection.query('set session transaction read only', (err) => done(err, connection)),
    },
    driverOptions: { connection: { connectTimeout: REPLICA_CONNECT_TIMEOUT_MS } },
  } as Options<AbstractSqlDriver>);
  openReadPool(orm, database.readPoolSize, { readOnly: true, connectTimeoutMs: REPLICA_CONNECT_TIMEOUT_MS });
  return orm;
}
type MysqlConnection = { query(sql: string, callback: (err: Error | null) => void): void };

/** Closes the ORM and the read pool beside it. */
export async function closeOrm(orm: Orm): Promise<void> {
  await closeReadPool(orm);
  await orm.close();
}

export const isSqlite = (orm: Orm): boolean => isSqliteEm(orm.em);

/**
 * Brings the schema up to date: MySQL through the committed migrations; SQLite (the embedded
 * profile, where there is nothing to migrate from) by diffing the entities against the file.
 * Returns what it applied.
 */
export async function migrateUp(orm: Orm): Promise<string[]> {
  if (isSqlite(orm)) {
    const diff = await orm.schema.getUpdateSchemaSQL({ safe: true });
    if (!diff.trim()) return [];
    await orm.schema.execute(diff);
    return ['sqlite schema update'];
  }
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
