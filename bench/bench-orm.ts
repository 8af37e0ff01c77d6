import 'reflect-metadata';
import { closeOrm, migrateUp, openOrm, type Orm } from '../src/db/orm';
import { SqlNgramSearchIndex } from '../src/services/catalog/search/sql-ngram-search-index';
import { MYSQL_URL } from './lib';

/**
 * The app's own ORM on a bench database (created and migrated if needed), for the set-up work a
 * benchmark does before its servers start: building the search index with the project's adapter.
 */
export async function withBenchOrm<T>(db: string, work: (orm: Orm, applied: string[]) => Promise<T>): Promise<T> {
  const orm = await openOrm({ database: { kind: 'mysql', url: `${MYSQL_URL}/${db}`, poolSize: 4, readPoolSize: 4 } });
  try {
    return await work(orm, await migrateUp(orm));
  } finally {
    await closeOrm(orm);
  }
}

/**
 * Indexes every product for search (`SqlNgramSearchIndex.reindex`, 1,000 products a batch), as
 * `npm run search:reindex` does. Benchmarks that seed products by SQL call it before their servers
 * start, so the app's boot catch-up (which indexes products lacking a search doc) finds nothing
 * to do and does not run beside the measurement. Returns the products indexed and the seconds taken.
 */
export async function indexProducts(orm: Orm, onBatch?: (indexed: number) => void): Promise<{ indexed: number; seconds: number }> {
  const started = Date.now();
  const progress = await new SqlNgramSearchIndex().reindex(orm.em.fork(), { batchSize: 1000, onBatch: (p) => onBatch?.(p.indexed) });
  return { indexed: progress.indexed, seconds: (Date.now() - started) / 1000 };
}
