import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { closeOrm, migrateUp, openOrm } from '../db/orm';
import { SqlNgramSearchIndex } from '../services/catalog/search/sql-ngram-search-index';

/**
 * `npm run search:reindex [-- --missing]`: rebuilds the product search index of the configured
 * database (every product, deleted ones dropped; `--missing` only those it lacks), in batches
 * that each lock their products' rows, so it runs safely beside serving instances.
 */
async function main() {
  const config = loadConfig();
  const orm = await openOrm(config);
  try {
    if (config.migrateOnStart || config.database.kind === 'sqlite') await migrateUp(orm);
    const started = Date.now();
    const onlyMissing = process.argv.includes('--missing');
    const result = await new SqlNgramSearchIndex().reindex(orm.em.fork(), {
      onlyMissing,
      batchSize: 500,
      onBatch: (p) => process.stdout.write(`\rindexed ${p.indexed}, dropped ${p.removed}`),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `\nSearch index rebuilt${onlyMissing ? ' (missing products only)' : ''}: ${result.indexed} indexed, ${result.removed} deleted dropped, ${seconds} s.`,
    );
  } finally {
    await closeOrm(orm);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
