import type { EntityManager } from '@mikro-orm/knex';
import { ProductStatus } from '../../entities';
import { asDate, sqlOf } from '../../db/sql';
import { badInput } from '../../schema/errors';
import { decodeCursor, encodeCursor, pageSize, type CursorValue } from '../shared/cursor';
import type { CatalogLoaders, CategoryRecord, SellerRecord } from './catalog.loaders';
import type { CategoryService } from './category.service';
import type { ProductRecord } from './product.service';
import type { SearchIndex } from './search/search-index';
import { MAX_SEARCH_LENGTH, MAX_SEARCH_WORDS, searchWords } from './search/search-text';

export type ProductSort = 'NEWEST' | 'NAME' | 'PRICE_ASC' | 'PRICE_DESC' | 'RELEVANCE';
export const MAX_PRODUCT_PAGE = 20;
/** The highest price a product can have (CreateProductInput): also the bound of a price filter. */
export const PRICE_FILTER_MAX = 100_000_000;

export type ProductListQuery = {
  first?: number | null;
  after?: string | null;
  sort?: ProductSort | null;
  categoryId?: string | null;
  search?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
};

/** Whose products a listing shows: the public listing's, or one seller's own catalog (every status but deleted). */
export type ProductScope = { kind: 'listed' } | { kind: 'seller'; sellerId: number; status?: ProductStatus | null };

/** A listing's rows as SQL (`from` and `where`, parameters in that order), reused for `totalCount`. */
export type ListFilter = { from: string; where: string; params: unknown[] };
/**
 * A page; `totalCount` when it was asked for (`withCount`) and the page has rows to carry it; the
 * sellers and categories of its products when asked for (`with`), read in the page's own statement.
 */
export type ProductPage = {
  items: ProductRecord[];
  cursors: string[];
  hasNextPage: boolean;
  filter: ListFilter;
  totalCount?: number;
  sellers?: SellerRecord[];
  categories?: CategoryRecord[];
};
/** What a page reads besides its products: `totalCount`, and each product's seller and category. */
export type PageOptions = { withCount?: boolean; withSeller?: boolean; withCategory?: boolean };

type ListedRow = {
  id: number;
  seller_id: number;
  category_id: number | null;
  name: string;
  description: string;
  price: number;
  stock: number;
  status: ProductStatus;
  created_at: unknown;
  updated_at: unknown;
  search_rank?: number | string;
  total_count?: number | string;
  seller_email?: string;
  seller_name?: string | null;
  seller_created_at?: unknown;
  category_name?: string | null;
  category_parent_id?: number | null;
};
type Keyset = { sql: string; params: unknown[] };

/**
 * Each sort: its order, the kind of value its cursor holds, the value of a row, and the keyset
 * condition for the rows after a cursor. The id breaks ties, so every order is total and stable;
 * each sort without a search is served by a `listed`-led index (product.entity.ts).
 */
const SORTS: Record<
  Exclude<ProductSort, 'RELEVANCE'> | 'RANKED',
  { order: string; outer?: string; value: CursorValue; of(r: ListedRow): string | number; after(v: string | number, id: number): Keyset }
> = {
  NEWEST: {
    order: 'p.created_at desc, p.id desc',
    value: 'epochMs',
    of: (r) => asDate(r.created_at).getTime(),
    after: (v, id) => newestAfter(new Date(Number(v)), id),
  },
  NAME: {
    order: 'p.name asc, p.id asc',
    value: 'text',
    of: (r) => r.name,
    after: (v, id) => ({ sql: '(p.name > ? or (p.name = ? and p.id > ?))', params: [v, v, id] }),
  },
  PRICE_ASC: {
    order: 'p.price asc, p.id asc',
    value: 'integer',
    of: (r) => Number(r.price),
    after: (v, id) => ({ sql: '(p.price > ? or (p.price = ? and p.id > ?))', params: [v, v, id] }),
  },
  PRICE_DESC: {
    order: 'p.price desc, p.id desc',
    value: 'integer',
    of: (r) => Number(r.price),
    after: (v, id) => ({ sql: '(p.price < ? or (p.price = ? and p.id < ?))', params: [v, v, id] }),
  },
  // RELEVANCE with a search: name matches (rank 0) before description-only matches (rank 1), each newest first.
  RANKED: {
    order: 'm.search_rank asc, p.created_at desc, p.id desc',
    outer: 'p.search_rank asc, p.created_at desc, p.id desc',
    value: 'rankEpochMs',
    of: (r) => `${Number(r.search_rank)}:${asDate(r.created_at).getTime()}`,
    after: (v, id) => {
      const [rank, at] = String(v).split(':').map(Number);
      const newer = newestAfter(new Date(at), id);
      return { sql: `(m.search_rank > ? or (m.search_rank = ? and ${newer.sql}))`, params: [rank, rank, ...newer.params] };
    },
  },
};

function newestAfter(at: Date, id: number): Keyset {
  return { sql: '(p.created_at < ? or (p.created_at = ? and p.id < ?))', params: [at, at, id] };
}

const COLUMNS = 'p.id, p.seller_id, p.category_id, p.name, p.description, p.price, p.stock, p.status, p.created_at, p.updated_at';
const SELLER_COLUMNS = ', s.email as seller_email, s.name as seller_name, s.created_at as seller_created_at';
const CATEGORY_COLUMNS = ', c.name as category_name, c.parent_id as category_parent_id';

/**
 * Product listings: the public one (`products`) and a seller's own catalog (`myProducts`), with
 * search, category and price filters and every sort, keyset-paged. The hottest read, so one plain
 * statement per page (db/sql.ts): `totalCount` is a subquery of it when asked, and the products'
 * sellers and categories are joined to the page's own rows (the page is a derived table, so the join
 * touches its rows only: joined inside the page's query, MySQL sorted every listed product). A search
 * adds no statement (the SearchIndex's match is a derived table of the same statement).
 */
export class ProductListing {
  constructor(
    private readonly categories: CategoryService,
    private readonly searchIndex: SearchIndex,
  ) {}

  /** One page of the scope's products matching the query. */
  async list(
    em: EntityManager,
    query: ProductListQuery,
    scope: ProductScope = { kind: 'listed' },
    options: PageOptions = {},
  ): Promise<ProductPage> {
    const size = pageSize(query.first, MAX_PRODUCT_PAGE);
    const words = wordsOf(query.search);
    const filter = await this.filterOf(em, query, scope, words);
    const sortName = effectiveSort(query.sort, words.length > 0);
    const sort = SORTS[sortName];
    let where = filter.where;
    const params = [...filter.params];
    if (query.after) {
      const position = decodeCursor(query.after, sortName, sort.value);
      const keyset = sort.after(position.value, position.id);
      where += ` and ${keyset.sql}`;
      params.push(...keyset.params);
    }
    const rank = words.length > 0 ? ', m.search_rank' : '';
    // The count, when asked for, is a subquery of the page's own statement: one snapshot, so the page
    // and its totalCount always agree (two statements could straddle a product being hidden).
    const count = options.withCount ? `, (select count(*) from ${filter.from} where ${filter.where}) as total_count` : '';
    let sql = `select ${COLUMNS}${rank}${count} from ${filter.from} where ${where} order by ${sort.order} limit ?`;
    if (options.withSeller || options.withCategory) {
      sql =
        `select p.*${options.withSeller ? SELLER_COLUMNS : ''}${options.withCategory ? CATEGORY_COLUMNS : ''} from (${sql}) p` +
        (options.withSeller ? ' left join seller s on s.id = p.seller_id' : '') +
        (options.withCategory ? ' left join category c on c.id = p.category_id' : '') +
        ` order by ${sort.outer ?? sort.order}`;
    }
    const rows = await sqlOf(em).rows<ListedRow>(sql, [...(options.withCount ? filter.params : []), ...params, size + 1]);
    const page = rows.slice(0, size);
    return {
      // An empty first page means nothing matched in that same snapshot; past the end (`after`), the count is its own statement.
      totalCount: !options.withCount ? undefined : rows.length > 0 ? Number(rows[0].total_count) : query.after ? undefined : 0,
      items: page.map(toRecord),
      cursors: page.map((r) => encodeCursor({ sort: sortName, value: sort.of(r), id: Number(r.id) })),
      hasNextPage: rows.length > size,
      filter,
      // A row whose seller or category did not join (none, or gone) leaves that to the loaders.
      sellers: options.withSeller ? page.filter((r) => r.seller_name != null).map(toSeller) : undefined,
      categories: options.withCategory ? page.filter((r) => r.category_name != null).map(toCategory) : undefined,
    };
  }

  /** How many products a listing's filter matches, across all pages. */
  async count(em: EntityManager, filter: ListFilter): Promise<number> {
    const [row] = await sqlOf(em).rows<{ n: number | string }>(
      `select count(*) as n from ${filter.from} where ${filter.where}`,
      filter.params,
    );
    return Number(row.n);
  }

  private async filterOf(em: EntityManager, query: ProductListQuery, scope: ProductScope, words: string[]): Promise<ListFilter> {
    const filter: ListFilter = { from: 'product p', where: '', params: [] };
    if (words.length > 0) {
      const match = this.searchIndex.match(words, scope.kind === 'seller' ? { sellerId: scope.sellerId } : {});
      filter.from = `(${match.sql}) m join product p on p.id = m.product_id`;
      filter.params.push(...match.params);
    }
    const conditions: string[] = [];
    if (scope.kind === 'listed') {
      conditions.push('p.listed = true');
    } else {
      conditions.push('p.seller_id = ? and p.deleted_at is null');
      filter.params.push(scope.sellerId);
      if (scope.status) {
        conditions.push('p.status = ?');
        filter.params.push(scope.status);
      }
    }
    if (query.categoryId != null) {
      const ids = await this.categories.subtreeIds(em, query.categoryId, 'categoryId');
      conditions.push(`p.category_id in (${ids.map(() => '?').join(', ')})`);
      filter.params.push(...ids);
    }
    const { minPrice, maxPrice } = priceRange(query);
    if (minPrice != null) {
      conditions.push('p.price >= ?');
      filter.params.push(minPrice);
    }
    if (maxPrice != null) {
      conditions.push('p.price <= ?');
      filter.params.push(maxPrice);
    }
    filter.where = conditions.join(' and ');
    return filter;
  }
}

/** RELEVANCE ranks a search; without one there is nothing to rank, and it lists newest first. */
function effectiveSort(sort: ProductSort | null | undefined, searching: boolean): keyof typeof SORTS {
  const wanted = sort ?? (searching ? 'RELEVANCE' : 'NEWEST');
  if (wanted !== 'RELEVANCE') return wanted;
  return searching ? 'RANKED' : 'NEWEST';
}

/** The words a search must all match; BAD_USER_INPUT when it is too long. */
function wordsOf(search: string | null | undefined): string[] {
  if (search == null) return [];
  if ([...search].length > MAX_SEARCH_LENGTH) throw badInput('search', `must be at most ${MAX_SEARCH_LENGTH} characters`);
  const words = searchWords(search);
  if (words.length > MAX_SEARCH_WORDS) throw badInput('search', `must have at most ${MAX_SEARCH_WORDS} words`);
  return words;
}

function priceRange(query: ProductListQuery): { minPrice?: number | null; maxPrice?: number | null } {
  for (const field of ['minPrice', 'maxPrice'] as const) {
    const value = query[field];
    if (value != null && (!Number.isInteger(value) || value < 0 || value > PRICE_FILTER_MAX)) {
      throw badInput(field, `must be a whole number of won between 0 and ${PRICE_FILTER_MAX}`);
    }
  }
  if (query.minPrice != null && query.maxPrice != null && query.minPrice > query.maxPrice) {
    throw badInput('maxPrice', 'must not be below minPrice');
  }
  return query;
}

function toRecord(r: ListedRow): ProductRecord {
  return {
    id: Number(r.id),
    sellerId: Number(r.seller_id),
    categoryId: r.category_id === null ? null : Number(r.category_id),
    name: r.name,
    description: r.description,
    price: Number(r.price),
    stock: Number(r.stock),
    status: r.status,
    createdAt: asDate(r.created_at),
    updatedAt: asDate(r.updated_at),
  };
}

function toSeller(r: ListedRow): SellerRecord {
  return { id: Number(r.seller_id), email: r.seller_email!, name: r.seller_name!, createdAt: asDate(r.seller_created_at) };
}

function toCategory(r: ListedRow): CategoryRecord {
  const parentId = r.category_parent_id;
  return { id: Number(r.category_id), name: r.category_name!, parentId: parentId == null ? null : Number(parentId) };
}

/** Hands a page's joined sellers and categories to the request's loaders, so its products' `seller` and `category` read nothing more. */
export function primeLoaders(loaders: CatalogLoaders, page: ProductPage): void {
  for (const seller of page.sellers ?? []) loaders.sellerById.prime(seller.id, seller);
  for (const category of page.categories ?? []) loaders.categoryById.prime(category.id, category);
}
