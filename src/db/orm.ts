import { DefaultLogger, MikroORM, type LogContext, type LoggerNamespace, type LoggerOptions, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MySqlDriver } from '@mikro-orm/mysql';
import path from 'node:path';
import type { Config } from '../config';
import { entities } from '../entities';
import type { Logger } from '../logger';
import { migrationsList } from '../../migrations';

export type Orm = MikroORM<MySqlDriver>;

/** MikroORM options for a config; shared by the app, the migrate script and the CLI. */
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

export function ormOptions(
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize'>,
  logger?: Logger,
  onQuery?: QueryTap,
): Options<MySqlDriver> {
  const tap = onQuery ? { debug: ['query' as const], loggerFactory: (options: LoggerOptions) => new TapLogger(options, onQuery) } : {};
  return {
    driver: MySqlDriver,
    clientUrl: config.databaseUrl,
    entities,
    charset: 'utf8mb4',
    collate: 'utf8mb4_unicode_ci',
    timezone: '+00:00',
    pool: { min: 0, max: config.databasePoolSize },
    // Creates the database named in DATABASE_URL when it does not exist yet.
    ensureDatabase: true,
    allowGlobalContext: false,
    forceUtcTimezone: true,
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
    // Query logging stays off: MikroORM prints bound parameters, which include password hashes.
    logger: logger ? (msg) => logger.debug({ orm: true }, msg) : undefined,
    debug: false,
    ...tap,
  };
}

/** Opens the ORM (creating the database if needed). */
export async function openOrm(config: Pick<Config, 'databaseUrl' | 'databasePoolSize'>, logger?: Logger, onQuery?: QueryTap): Promise<Orm> {
  return MikroORM.init<MySqlDriver>(ormOptions(config, logger, onQuery));
}

/** Applies pending migrations; returns the names it applied. */
export async function migrateUp(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
