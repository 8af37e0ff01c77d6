import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf, sqlTransaction, type Sql } from '../../../db/sql';
import type { ReindexOptions, ReindexProgress, SearchDoc, SearchIndex, SearchMatch } from './search-index';
import { indexGrams, normalize, queryGrams } from './search-text';

/** Rows per multi-row insert: well under SQLite's and MySQL's placeholder limits. */
const INSERT_CHUNK = 1000;
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** A product's normalized texts, as stored in `product_search_doc`. */
type StoredText = { id: number; name: string; body: string };
const gramsOf = (text: StoredText): string[] => [...new Set([...indexGrams(text.name), ...indexGrams(text.body)])];

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
  index(sql: Sql, doc: SearchDoc, options: { isNew?: boolean } = {}): Promise<void> {
    return this.write(sql, [doc], options.isNew ?? false);
  }

  async remove(sql: Sql, productId: number): Promise<void> {
    await this.removeMany(sql, [productId]);
  }

  /**
   * Writes the entries of several products with a few multi-row statements, changing only what
   * changed: the grams a new text lost are deleted by primary key, the ones it gained inserted.
   * Nothing is ever deleted that is not there (a new product's `isNew`), because on InnoDB a
   * delete that finds no row locks the gap where it would be, and two product creations doing
   * that at once deadlock on each other's inserts.
   */
  private async write(sql: Sql, docs: readonly SearchDoc[], isNew: boolean): Promise<void> {
    if (docs.length === 0) return;
    const stored = isNew
      ? new Map<number, StoredText>()
      : await this.storedTexts(
          sql,
          docs.map((d) => d.id),
        );
    const inserts: StoredText[] = [];
    const newGrams: Array<[string, number]> = [];
    for (const doc of docs) {
      const text: StoredText = { id: doc.id, name: normalize(doc.name), body: normalize(doc.description) };
      const before = stored.get(doc.id);
      if (!before) {
        inserts.push(text);
        for (const gram of gramsOf(text)) newGrams.push([gram, text.id]);
        continue;
      }
      if (before.name === text.name && before.body === text.body) continue;
      const had = new Set(gramsOf(before));
      const has = new Set(gramsOf(text));
      const lost = [...had].filter((g) => !has.has(g));
      for (const gram of has) if (!had.has(gram)) newGrams.push([gram, text.id]);
      await this.deleteGrams(sql, text.id, lost);
      await sql.run('update product_search_doc set name_text = ?, body_text = ? where product_id = ?', [text.name, text.body, text.id]);
    }
    if (inserts.length > 0) {
      await sql.run(
        `insert into product_search_doc (product_id, name_text, body_text) values ${inserts.map(() => '(?, ?, ?)').join(', ')}`,
        inserts.flatMap((t) => [t.id, t.name, t.body]),
      );
    }
    for (let i = 0; i < newGrams.length; i += INSERT_CHUNK) {
      const chunk = newGrams.slice(i, i + INSERT_CHUNK);
      await sql.run(`insert into product_search_gram (gram, product_id) values ${chunk.map(() => '(?, ?)').join(', ')}`, chunk.flat());
    }
  }

  /** Drops products' entries: their grams by primary key (read from their stored texts), then the texts. */
  private async removeMany(sql: Sql, productIds: readonly number[]): Promise<void> {
    if (productIds.length === 0) return;
    const stored = await this.storedTexts(sql, productIds);
    for (const text of stored.values()) await this.deleteGrams(sql, text.id, gramsOf(text));
    const ids = [...stored.keys()];
    if (ids.length > 0) await sql.run(`delete from product_search_doc where product_id in (${placeholders(ids.length)})`, ids);
  }

  private async deleteGrams(sql: Sql, productId: number, grams: readonly string[]): Promise<void> {
    for (let i = 0; i < grams.length; i += INSERT_CHUNK) {
      const chunk = grams.slice(i, i + INSERT_CHUNK);
      await sql.run(`delete from product_search_gram where product_id = ? and gram in (${placeholders(chunk.length)})`, [
        productId,
        ...chunk,
      ]);
    }
  }

  /**
   * The stored texts of these products. A plain read: every writer of a product's entries holds
   * the product's row locked first (created in the transaction, or locked by update, delete and
   * reindex), so no other writer can change them meanwhile, and the read's snapshot, taken after
   * that lock, sees the last one's commit. A locking read would also lock the gaps of products
   * not indexed yet, where concurrent writers' inserts then deadlock.
   */
  private async storedTexts(sql: Sql, productIds: readonly number[]): Promise<Map<number, StoredText>> {
    const rows = await sql.rows<{ product_id: number; name_text: string; body_text: string }>(
      `select product_id, name_text, body_text from product_search_doc where product_id in (${placeholders(productIds.length)})`,
      productIds,
    );
    return new Map(rows.map((r) => [Number(r.product_id), { id: Number(r.product_id), name: r.name_text, body: r.body_text }]));
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
        await this.write(
          sql,
          live.map((r) => ({ id: Number(r.id), name: r.name, description: r.description })),
          false,
        );
        progress.indexed += live.length;
        progress.removed += deleted.length;
      });
      options.onBatch?.({ ...progress });
    }
    return progress;
  }
}
