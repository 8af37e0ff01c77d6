import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf, sqlTransaction, type Sql } from '../../../db/sql';
import type { ReindexOptions, ReindexProgress, SearchDoc, SearchIndex, SearchMatch } from './search-index';
import { indexGrams, normalize, queryGrams } from './search-text';

/** Rows per multi-row insert: well under SQLite's and MySQL's placeholder limits. */
const INSERT_CHUNK = 1000;
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/**
 * Ids per `delete ... where product_id in (...)`: MariaDB turns an IN list of 1,000 values or more
 * (in_predicate_conversion_threshold) into a subquery, and a DELETE then scans the whole gram
 * table instead of its product_id index (a reindex in batches of 1,000 read every gram row per batch).
 */
const DELETE_CHUNK = 500;

/**
 * The SearchIndex on plain SQL tables, the same on MySQL 8, MariaDB and SQLite (README
 * "Search"): `product_search_gram` holds every character and every pair of neighbouring
 * characters of a product's normalized name and description, `product_search_doc` the normalized
 * texts. A query word's grams narrow the products to the few holding them all (index range
 * reads); each word is then checked as a whole with `instr` on the stored text, which also says
 * whether it is in the name (rank 0) or only the description (rank 1). A one-character word is one
 * gram and needs no more: "쌀" and "가방" are exact index lookups, where MySQL's full-text index
 * skips short words and MariaDB's cannot split Korean compounds at all.
 */
export class SqlNgramSearchIndex implements SearchIndex {
  index(sql: Sql, doc: SearchDoc): Promise<void> {
    return this.indexMany(sql, [doc]);
  }

  async remove(sql: Sql, productId: number): Promise<void> {
    await this.removeMany(sql, [productId]);
  }

  /** Indexes several products (again) with a few multi-row statements. */
  private async indexMany(sql: Sql, docs: readonly SearchDoc[]): Promise<void> {
    if (docs.length === 0) return;
    await this.removeMany(
      sql,
      docs.map((d) => d.id),
    );
    const texts = docs.map((d) => ({ id: d.id, name: normalize(d.name), body: normalize(d.description) }));
    await sql.run(
      `insert into product_search_doc (product_id, name_text, body_text) values ${texts.map(() => '(?, ?, ?)').join(', ')}`,
      texts.flatMap((t) => [t.id, t.name, t.body]),
    );
    const rows = texts.flatMap((t) => [...new Set([...indexGrams(t.name), ...indexGrams(t.body)])].map((gram) => [gram, t.id]));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      await sql.run(`insert into product_search_gram (gram, product_id) values ${chunk.map(() => '(?, ?)').join(', ')}`, chunk.flat());
    }
  }

  private async removeMany(sql: Sql, productIds: readonly number[]): Promise<void> {
    for (let i = 0; i < productIds.length; i += DELETE_CHUNK) {
      const ids = productIds.slice(i, i + DELETE_CHUNK);
      await sql.run(`delete from product_search_gram where product_id in (${placeholders(ids.length)})`, ids);
      await sql.run(`delete from product_search_doc where product_id in (${placeholders(ids.length)})`, ids);
    }
  }

  match(words: readonly string[]): SearchMatch {
    const grams = [...new Set(words.flatMap(queryGrams))];
    const inName = words.map(() => 'instr(d.name_text, ?) > 0').join(' and ');
    const anywhere = words.map(() => '(instr(d.name_text, ?) > 0 or instr(d.body_text, ?) > 0)').join(' and ');
    return {
      sql: `select d.product_id, case when ${inName} then 0 else 1 end as search_rank
              from (select product_id from product_search_gram where gram in (${placeholders(grams.length)})
                     group by product_id having count(*) = ?) g
              join product_search_doc d on d.product_id = g.product_id
             where ${anywhere}`,
      params: [...words, ...grams, grams.length, ...words.flatMap((w) => [w, w])],
    };
  }

  async reindex(em: EntityManager, options: ReindexOptions = {}): Promise<ReindexProgress> {
    const batchSize = options.batchSize ?? 200;
    const progress: ReindexProgress = { indexed: 0, removed: 0 };
    let after = 0;
    while (!options.signal?.aborted) {
      const ids = (
        await sqlOf(em).rows<{ id: number }>(
          options.onlyMissing
            ? `select p.id from product p left join product_search_doc d on d.product_id = p.id
                where p.id > ? and p.deleted_at is null and d.product_id is null order by p.id limit ?`
            : 'select id from product where id > ? order by id limit ?',
          [after, batchSize],
        )
      ).map((r) => Number(r.id));
      if (ids.length === 0) return progress;
      after = ids[ids.length - 1];
      await sqlTransaction(em, async (sql) => {
        // Locked like an update locks them, so a rename running now lands before or after, never half.
        const rows = await sql.rows<{ id: number; name: string; description: string; deleted_at: unknown }>(
          `select id, name, description, deleted_at from product where id in (${placeholders(ids.length)}) order by id${sql.forUpdate}`,
          ids,
        );
        const live = rows.filter((r) => r.deleted_at === null || r.deleted_at === undefined);
        const deleted = rows.filter((r) => !live.includes(r)).map((r) => Number(r.id));
        await this.removeMany(sql, deleted);
        await this.indexMany(
          sql,
          live.map((r) => ({ id: Number(r.id), name: r.name, description: r.description })),
        );
        progress.indexed += live.length;
        progress.removed += deleted.length;
      });
      options.onBatch?.({ ...progress });
    }
    return progress;
  }
}
