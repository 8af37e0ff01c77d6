import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf } from '../../db/sql';
import { Category } from '../../entities';
import { appError, conflict, ErrorCode } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';

export type CategoryData = { name: string; parentId?: string | null };

/** Categories: created by admins, read by everyone. */
export class CategoryService {
  /** Creates a category (unique name), optionally under an existing parent. */
  async create(em: EntityManager, data: CategoryData): Promise<Category> {
    const name = data.name.trim();
    const parent = data.parentId != null ? await this.require(em, data.parentId, 'parentId') : null;
    if (await em.count(Category, { name })) throw nameTaken(name);
    const category = em.create(Category, { name, parent });
    try {
      await em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw nameTaken(name);
      throw err;
    }
    return category;
  }

  /** Every category, by name. */
  list(em: EntityManager): Promise<Category[]> {
    return em.find(Category, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  /** The category with this id, or NOT_FOUND naming `field`. */
  async require(em: EntityManager, id: string | number, field: string): Promise<Category> {
    const numeric = parseNumericId(id);
    const category = numeric ? await em.findOne(Category, { id: numeric }) : null;
    if (!category) throw unknownCategory(id, field);
    return category;
  }

  /**
   * The ids of a category and all categories under it (so filtering by a parent includes its
   * children), from one read of the category tree; NOT_FOUND naming `field` if it does not exist.
   */
  async subtreeIds(em: EntityManager, id: string | number, field: string): Promise<number[]> {
    const rootId = parseNumericId(id);
    const rows = (await sqlOf(em).rows<{ id: number; parent_id: number | null }>('select id, parent_id from category')).map((r) => ({
      id: Number(r.id),
      parent: r.parent_id === null ? null : Number(r.parent_id),
    }));
    if (!rootId || !rows.some((row) => row.id === rootId)) throw unknownCategory(id, field);
    const children = new Map<number, number[]>();
    for (const row of rows) {
      if (row.parent !== null) children.set(row.parent, [...(children.get(row.parent) ?? []), row.id]);
    }
    const ids: number[] = [];
    const queue = [rootId];
    while (queue.length) {
      const id = queue.shift()!;
      if (ids.includes(id)) continue;
      ids.push(id);
      queue.push(...(children.get(id) ?? []));
    }
    return ids;
  }
}

const nameTaken = (name: string) => conflict(`A category named "${name}" already exists.`, 'name');
const unknownCategory = (id: string | number, field: string) =>
  appError(ErrorCode.NOT_FOUND, `${field}: category ${id} does not exist.`, { field });
