import { SearchPageWithDetailsDocument } from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { sqlOf } from '../../src/db/sql';

let t: TestApp;
const queries: string[] = [];
let parentId: string;

// Every product holds all eight words (and 25 of them do), so each search below fills a page of 20.
const EIGHT_WORDS = 'red apple sweet crisp fresh juicy round organic';
const SEARCHES: Array<[label: string, search: string | undefined]> = [
  ['no search', undefined],
  ['nothing searchable', ' -!- '],
  ['1 word', 'apple'],
  ['2 words', 'apple fresh'],
  ['8 words', EIGHT_WORDS],
];

beforeAll(async () => {
  // Background jobs (outbox relay, sweeper) would add their own statements to the count: keep them quiet here.
  t = await startTestApp(
    { ADMIN_INVITE_CODE: TEST_INVITE_CODE, OUTBOX_RELAY_INTERVAL_MS: '60000', ORDER_SWEEP_INTERVAL_MS: '3600000' },
    { onQuery: (sql) => queries.push(sql) },
  );
  const admin = await signUpAs(t.client, 'ADMIN');
  const sellers = [await signUpAs(t.client, 'SELLER'), await signUpAs(t.client, 'SELLER'), await signUpAs(t.client, 'SELLER')];
  const parent = await createCategory(t.client, admin.token, 'fruit');
  const children = [await createCategory(t.client, admin.token, 'apples', parent.id), await createCategory(t.client, admin.token, 'more')];
  parentId = parent.id;
  const em = t.app.orm.em.fork();
  for (let i = 0; i < 25; i++) {
    const product = await createProduct(t.client, sellers[i % 3].token, {
      name: `red apple no ${i}`,
      description: 'sweet crisp fresh juicy round organic',
      categoryId: i % 2 === 0 ? parent.id : children[0].id,
    });
    // Two images each, so images are loaded too.
    for (const position of [1, 2]) {
      await sqlOf(em).run(
        "insert into product_image (product_id, storage_key, url, content_type, size, position, created_at) values (?, ?, ?, 'image/png', 1, ?, ?)",
        [Number(product.id), `k/${product.id}/${position}`, `http://x/${product.id}/${position}.png`, position, new Date()],
      );
    }
  }
  // Products elsewhere, so the category filter and the search both leave some out.
  await createProduct(t.client, sellers[0].token, { name: 'plain pear', description: 'green', categoryId: children[1].id });
  await createProduct(t.client, sellers[1].token, { name: 'red apple outside', description: EIGHT_WORDS });
});
afterAll(() => t?.close());

/** Statements one anonymous request for a page runs, with its page checked in full. */
async function statementsFor(search: string | undefined, first: number): Promise<string[]> {
  queries.length = 0;
  const { products } = await t.client.ok(SearchPageWithDetailsDocument, { search, first, categoryId: parentId });
  const ran = [...queries];
  expect(products.totalCount).toBe(25);
  expect(products.edges).toHaveLength(first);
  for (const { node } of products.edges) {
    expect(node.images).toHaveLength(2);
    expect(node.seller.name).toMatch(/^seller /);
    expect(['fruit', 'apples']).toContain(node.category!.name);
  }
  return ran;
}

describe('SQL statements per search page (no N+1, no statement per word)', () => {
  it.each(SEARCHES)('%s: exactly 6 statements for a page of 1 and a page of 20', async (_label, search) => {
    for (const first of [1, 20]) {
      const ran = await statementsFor(search, first);
      // 1. select id, parent_id from category            (the category filter's subtree)
      // 2. select p.* ... from product p [join the search's match] where ... order by ... limit ?   (the page)
      // 3. select ... from seller where id in (...)      (Product.seller, one batch)
      // 4. select ... from category where id in (...)    (Product.category, one batch)
      // 5. select ... from product_image where product_id in (...)   (Product.images, one batch)
      // 6. select count(*) ... the same from and where   (totalCount)
      expect({ search, first, count: ran.length }).toEqual({ search, first, count: 6 });
      expect(ran[0]).toMatch(/from category\b/);
      expect(ran[1]).toMatch(/from .*product p/s);
      expect(ran.filter((q) => /product_search_gram/.test(q))).toHaveLength(search?.trim().match(/[a-z]/) ? 2 : 0);
      expect(ran.filter((q) => /from seller where id in/.test(q))).toHaveLength(1);
      expect(ran.filter((q) => /from category where id in/.test(q))).toHaveLength(1);
      expect(ran.filter((q) => /from product_image where product_id in/.test(q))).toHaveLength(1);
      expect(ran.filter((q) => /^select count\(\*\) as n from/.test(q))).toHaveLength(1);
    }
  });

  it('is the same count for every search and page size', async () => {
    const counts = new Set<number>();
    for (const [, search] of SEARCHES) for (const first of [1, 7, 20]) counts.add((await statementsFor(search, first)).length);
    expect([...counts]).toEqual([6]);
  });
});
