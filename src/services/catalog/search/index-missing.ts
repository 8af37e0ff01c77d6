import type { Orm } from '../../../db/orm';
import type { Logger } from '../../../logger';
import type { SearchIndex } from './search-index';

/**
 * Starts indexing, in the background, the products the search index lacks: after the migration
 * that brought search, or rows written by SQL (`npm run search:reindex` does all of them on
 * demand). Safe with several instances at once: each batch locks its products' rows. Returns
 * the closer that stops it between two batches and waits for it.
 */
export function indexMissingProducts(orm: Orm, index: SearchIndex, logger: Logger): () => Promise<void> {
  const stop = new AbortController();
  const run = index
    .reindex(orm.em.fork(), {
      onlyMissing: true,
      signal: stop.signal,
      onBatch: (p) => logger.info({ indexed: p.indexed }, 'search index: indexing products it lacked'),
    })
    .then((p) => {
      if (p.indexed > 0) logger.info({ indexed: p.indexed }, 'search index: every product is indexed');
    })
    .catch((err: unknown) => {
      if (!stop.signal.aborted) logger.warn({ err }, 'search index: could not index the products it lacks; run npm run search:reindex');
    });
  return async () => {
    stop.abort();
    await run;
  };
}
