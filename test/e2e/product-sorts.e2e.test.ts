import { DeleteProductDocument, SearchProductsDocument, UpdateProductDocument, type ProductSort } from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asDate, sqlOf } from '../../src/db/sql';

let t: TestApp;
let seller: TestAccount;
type Row = { id: number; name: string; description: string; price: number; categoryId: number; createdAt: number };
let visible: Row[];
let categories: { parent: string; child: string; other: string };

const SORTS: ProductSort[] = ['PRICE_ASC', 'PRICE_DESC', 'NAME', 'NEWEST', 'RELEVANCE'];
// Few prices, so many products share one and ties must be broken by id.
const PRICES = [1000, 2500, 2500, 7000, 1000, 99000];
// Three creation times only (set by SQL below): NEWEST and RELEVANCE must break ties by id.
const TIMES = ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'].map((s) => new Date(s));
// Lowercase ASCII only, so JavaScript's order equals the database collation's; names repeat on purpose.
const nameFor = (i: number) => `${i % 4 === 0 ? 'apple' : 'pear'} ${String.fromCharCode(97 + ((i * 5) % 7))}`;
const descriptionFor = (i: number) => (i % 3 === 0 ? 'fresh apple juice' : i % 3 === 1 ? 'fresh fruit' : 'plain');

beforeAll(async () => {
  t = await startTestApp({ ADMIN_INVITE_CODE: TEST_INVITE_CODE });
  const admin = await signUpAs(t.client, 'ADMIN');
  seller = await signUpAs(t.client, 'SELLER');
  const parent = await createCategory(t.client, admin.token, 'parent');
  const child = await createCategory(t.client, admin.token, 'child', parent.id);
  const other = await createCategory(t.client, admin.token, 'other');
  categories = { parent: parent.id, child: child.id, other: other.id };
  const created: string[] = [];
  for (let i = 0; i < 40; i++) {
    const categoryId = [parent.id, child.id, other.id][i % 3];
    const product = await createProduct(t.client, seller.token, {
      name: nameFor(i),
      description: descriptionFor(i),
      price: PRICES[i % PRICES.length],
      categoryId,
    });
    created.push(product.id);
  }
  const sql = sqlOf(t.app.orm.em.fork());
  for (const [i, id] of created.entries()) {
    // Name matches and description matches share each time: ranks must not follow time.
    await sql.run('update product set created_at = ? where id = ?', [TIMES[Math.floor(i / 4) % 3], Number(id)]);
  }
  // Hidden and deleted products hold the search word too: they are never listed.
  await t.client.ok(UpdateProductDocument, { id: created[36], input: { status: 'HIDDEN' } }, { token: seller.token });
  await t.client.ok(DeleteProductDocument, { id: created[37] }, { token: seller.token });
  const rows = await sql.rows<{ id: number; name: string; description: string; price: number; category_id: number; created_at: unknown }>(
    'select id, name, description, price, category_id, created_at from product where listed',
  );
  visible = rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    description: r.description,
    price: Number(r.price),
    categoryId: Number(r.category_id),
    createdAt: asDate(r.created_at).getTime(),
  }));
});
afterAll(() => t?.close());

type Query = { search?: string; categoryIds?: number[]; minPrice?: number; maxPrice?: number };
const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The listing computed in JavaScript from the rows: the products a query finds, in a sort's order. */
function expectedIds(sort: ProductSort, q: Query = {}): string[] {
  const words = (q.search ?? '').split(/\s+/).map(squash).filter(Boolean);
  const rankOf = (r: Row) => (words.every((w) => squash(r.name).includes(w)) ? 0 : 1);
  const rows = visible.filter(
    (r) =>
      words.every((w) => squash(r.name).includes(w) || squash(r.description).includes(w)) &&
      (!q.categoryIds || q.categoryIds.includes(r.categoryId)) &&
      (q.minPrice === undefined || r.price >= q.minPrice) &&
      (q.maxPrice === undefined || r.price <= q.maxPrice),
  );
  const newest = (a: Row, b: Row) => b.createdAt - a.createdAt || b.id - a.id;
  const compare: Record<ProductSort, (a: Row, b: Row) => number> = {
    PRICE_ASC: (a, b) => a.price - b.price || a.id - b.id,
    PRICE_DESC: (a, b) => b.price - a.price || b.id - a.id,
    NAME: (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id),
    NEWEST: newest,
    RELEVANCE: words.length ? (a, b) => rankOf(a) - rankOf(b) || newest(a, b) : newest,
  };
  return rows.sort(compare[sort]).map((r) => String(r.id));
}

type Variables = { search?: string; sort?: ProductSort; categoryId?: string; minPrice?: number; maxPrice?: number };

/** Every page of a listing, `first` at a time, checking each page's totalCount. */
async function pageThrough(variables: Variables, first: number) {
  const ids: string[] = [];
  const totals = new Set<number>();
  let after: string | null | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const { products } = await t.client.ok(SearchProductsDocument, { ...variables, first, after });
    ids.push(...products.edges.map((e) => e.node.id));
    totals.add(products.totalCount);
    expect(products.edges.length).toBe(products.pageInfo.hasNextPage ? first : products.edges.length);
    if (!products.pageInfo.hasNextPage) return { ids, totals: [...totals] };
    after = products.pageInfo.endCursor;
  }
  throw new Error('more than 100 pages');
}

async function expectListing(variables: Variables, q: Query, first: number) {
  const expected = expectedIds(variables.sort ?? (q.search ? 'RELEVANCE' : 'NEWEST'), q);
  const { ids, totals } = await pageThrough(variables, first);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(expected);
  expect(totals).toEqual([expected.length]);
  return ids;
}

const subtree = () => [Number(categories.parent), Number(categories.child)];

describe('product sorts, paged', () => {
  it('has the data the cases need: price ties, name and description matches sharing creation times', () => {
    expect(visible).toHaveLength(38);
    const inName = visible.filter((r) => r.name.includes('apple'));
    const inDescriptionOnly = visible.filter((r) => !r.name.includes('apple') && r.description.includes('apple'));
    expect([inName.length, inDescriptionOnly.length]).toEqual([9, 10]);
    for (const group of [inName, inDescriptionOnly]) expect(new Set(group.map((r) => r.createdAt)).size).toBe(3);
    expect(visible.filter((r) => r.price === 2500).length).toBeGreaterThan(10);
  });

  it.each(SORTS)('%s without search: every page, 3 and 7 at a time, in the order computed from the rows', async (sort) => {
    await expectListing({ sort }, {}, 3);
    await expectListing({ sort }, {}, 7);
  });

  it.each(SORTS)('%s with a search ("apple" and "fresh apple"), 2 at a time', async (sort) => {
    const found = await expectListing({ sort, search: 'apple' }, { search: 'apple' }, 2);
    expect(found.length).toBe(19);
    await expectListing({ sort, search: 'fresh apple' }, { search: 'fresh apple' }, 2);
  });

  it.each(SORTS)('%s with a category (and the ones under it), with and without a search', async (sort) => {
    await expectListing({ sort, categoryId: categories.parent }, { categoryIds: subtree() }, 4);
    await expectListing({ sort, categoryId: categories.child }, { categoryIds: [Number(categories.child)] }, 4);
    await expectListing({ sort, categoryId: categories.parent, search: 'apple' }, { categoryIds: subtree(), search: 'apple' }, 3);
  });

  it.each(SORTS)('%s with a price range (inclusive bounds, min == max), with and without search and category', async (sort) => {
    const one = await expectListing({ sort, minPrice: 2500, maxPrice: 2500 }, { minPrice: 2500, maxPrice: 2500 }, 3);
    expect(one.length).toBe(visible.filter((r) => r.price === 2500).length);
    await expectListing({ sort, minPrice: 1000, maxPrice: 7000 }, { minPrice: 1000, maxPrice: 7000 }, 5);
    await expectListing({ sort, minPrice: 7000 }, { minPrice: 7000 }, 3);
    await expectListing({ sort, maxPrice: 999 }, { maxPrice: 999 }, 3);
    await expectListing(
      { sort, search: 'apple', categoryId: categories.parent, minPrice: 1000, maxPrice: 2500 },
      { search: 'apple', categoryIds: subtree(), minPrice: 1000, maxPrice: 2500 },
      2,
    );
  });

  it('defaults: RELEVANCE with a search, NEWEST without (and RELEVANCE without a search lists newest first)', async () => {
    await expectListing({ search: 'apple' }, { search: 'apple' }, 5);
    await expectListing({}, {}, 9);
    await expectListing({ sort: 'RELEVANCE' }, {}, 9);
    await expectListing({ sort: 'RELEVANCE', search: ' !? ' }, {}, 9);
  });

  it('RELEVANCE: every name match (newest first, ties by id) before every description-only match', async () => {
    const { ids } = await pageThrough({ search: 'apple' }, 1);
    const rank = (id: string) => (squash(visible.find((r) => String(r.id) === id)!.name).includes('apple') ? 0 : 1);
    const ranks = ids.map(rank);
    expect(ranks).toEqual([...ranks].sort());
    expect(ranks.filter((r) => r === 0).length).toBeGreaterThan(2);
    expect(ranks.filter((r) => r === 1).length).toBeGreaterThan(2);
    expect(ids).toEqual(expectedIds('RELEVANCE', { search: 'apple' }));
  });
});

describe('bad paging and filter input', () => {
  const endCursorOf = async (variables: Variables) =>
    (await t.client.ok(SearchProductsDocument, { ...variables, first: 2 })).products.pageInfo.endCursor!;

  it('refuses a cursor of one sort with another (BAD_USER_INPUT on after), searched or not', async () => {
    for (const from of SORTS) {
      const cursor = await endCursorOf({ sort: from, search: 'apple' });
      for (const to of SORTS.filter((s) => s !== from)) {
        const answer = await t.client.request(SearchProductsDocument, { sort: to, search: 'apple', after: cursor, first: 2 });
        expect([from, to, codeOf(answer), answer.errors?.[0].extensions?.field]).toEqual([from, to, 'BAD_USER_INPUT', 'after']);
      }
    }
    // A RELEVANCE cursor of a search holds a rank: without the search the listing is NEWEST and refuses it.
    const ranked = await endCursorOf({ sort: 'RELEVANCE', search: 'apple' });
    expect(codeOf(await t.client.request(SearchProductsDocument, { sort: 'RELEVANCE', after: ranked }))).toBe('BAD_USER_INPUT');
  });

  it('refuses forged cursors (BAD_USER_INPUT on after)', async () => {
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged: Array<[ProductSort, string]> = [
      ['PRICE_ASC', forge(['PRICE_ASC', '1000', 5])],
      ['PRICE_ASC', forge(['PRICE_ASC', 1000.5, 5])],
      ['PRICE_DESC', forge(['PRICE_DESC', 1e300, 5])],
      ['PRICE_DESC', forge(['PRICE_DESC', 1000, 0])],
      ['PRICE_ASC', forge(['PRICE_ASC', 1000, '5'])],
      ['PRICE_ASC', forge(['PRICE_ASC', 1000, 5, 'extra'])],
      ['NAME', forge(['NAME', 17, 5])],
      ['NEWEST', forge(['NEWEST', 'yesterday', 5])],
      ['RELEVANCE', forge(['RANKED', '0:abc', 5])],
      ['RELEVANCE', forge(['RANKED', '0:1 or 1=1', 5])],
      ['RELEVANCE', forge(['RANKED', 0, 5])],
      ['RELEVANCE', forge(['RELEVANCE', '0:1767225600000', 5])],
      ['PRICE_ASC', forge({ sort: 'PRICE_ASC', value: 1000, id: 5 })],
      ['PRICE_ASC', 'not a cursor'],
      ['PRICE_ASC', forge(['PRICE_ASC', 1000, 5]).slice(0, -3)],
      ['PRICE_ASC', 'x'.repeat(3000)],
    ];
    for (const [sort, after] of forged) {
      const answer = await t.client.request(SearchProductsDocument, { sort, search: 'apple', after });
      expect([after, codeOf(answer), answer.errors?.[0].extensions?.field]).toEqual([after, 'BAD_USER_INPUT', 'after']);
    }
  });

  it('refuses prices below 0, above 100000000, and a minPrice above maxPrice (BAD_USER_INPUT with the field)', async () => {
    const cases: Array<[Variables, string]> = [
      [{ minPrice: -1 }, 'minPrice'],
      [{ maxPrice: -1 }, 'maxPrice'],
      [{ minPrice: 100_000_001 }, 'minPrice'],
      [{ maxPrice: 100_000_001 }, 'maxPrice'],
      [{ minPrice: 2501, maxPrice: 2500 }, 'maxPrice'],
      [{ minPrice: 5, maxPrice: 1, search: 'apple', sort: 'PRICE_ASC' }, 'maxPrice'],
    ];
    for (const [variables, field] of cases) {
      const answer = await t.client.request(SearchProductsDocument, variables);
      expect([variables, codeOf(answer), answer.errors?.[0].extensions?.field]).toEqual([variables, 'BAD_USER_INPUT', field]);
    }
    // The bounds themselves are accepted.
    const edge = await t.client.ok(SearchProductsDocument, { minPrice: 0, maxPrice: 100_000_000 });
    expect(edge.products.totalCount).toBe(visible.length);
    const top = await t.client.ok(SearchProductsDocument, { minPrice: 100_000_000, maxPrice: 100_000_000 });
    expect(top.products.totalCount).toBe(0);
  });
});
