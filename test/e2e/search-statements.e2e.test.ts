import { SearchPageWithDetailsDocument } from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { sqlOf } from '../../src/db/sql';

let t: TestApp;
const queries: string[] = [];
let parentId: string;
let sellerToken: string;

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
  sellerToken = sellers[0].token;
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
  it.each(SEARCHES)('%s: exactly 3 statements for a page of 1 and a page of 20', async (_label, search) => {
    for (const first of [1, 20]) {
      const ran = await statementsFor(search, first);
      // 1. select id, parent_id from category            (the category filter's subtree)
      // 2. select p.*, seller and category columns from (
      //      select p.*, (select count(*) ... the same from and where) ... from product p [join the search's match]
      //      where ... order by ... limit ?   (the page, with totalCount in the same statement: one snapshot)
      //    ) p left join seller s ... left join category c ...   (Product.seller and Product.category, for the page's rows only)
      // 3. select ... from product_image where product_id in (...)   (Product.images, one batch)
      expect({ search, first, count: ran.length }).toEqual({ search, first, count: 3 });
      expect(ran[0]).toMatch(/from category\b/);
      expect(ran[1]).toMatch(/from .*product p/s);
      expect(ran[1]).toMatch(/\) p left join seller s on s\.id = p\.seller_id left join category c on c\.id = p\.category_id/);
      expect(ran.filter((q) => /product_search_gram/.test(q))).toHaveLength(search?.trim().match(/[a-z]/) ? 1 : 0);
      expect(ran.filter((q) => /from seller\b/.test(q))).toHaveLength(0);
      expect(ran.filter((q) => /from category where id in/.test(q))).toHaveLength(0);
      expect(ran.filter((q) => /from product_image where product_id in/.test(q))).toHaveLength(1);
      expect(ran.filter((q) => /^select count\(\*\) as n from/.test(q))).toHaveLength(0);
      expect(ran[1]).toMatch(/\(select count\(\*\) from .* as total_count/s);
    }
  });

  it('is the same count for every search and page size', async () => {
    const counts = new Set<number>();
    for (const [, search] of SEARCHES) for (const first of [1, 7, 20]) counts.add((await statementsFor(search, first)).length);
    expect([...counts]).toEqual([3]);
  });

  it('joins the seller and category only when the page asks for them, fragments included', async () => {
    const run = async (query: string, token?: string) => {
      queries.length = 0;
      const res = await t.client.raw<Record<string, { edges: Array<{ node: Record<string, any> }> }>>(query, {}, { token });
      expect(res.errors).toBeUndefined();
      return { ran: [...queries], edges: Object.values(res.data!)[0].edges };
    };
    const bare = await run('{ products(first: 3) { edges { node { id name } } } }');
    expect(bare.ran).toHaveLength(1);
    expect(bare.ran[0]).not.toMatch(/join seller|join category/);

    const viaFragments = await run(
      `query { products(first: 3) { ...Page } }
       fragment Page on ProductConnection { edges { ... on ProductEdge { node { ...Node } } } }
       fragment Node on Product { seller { name } category { name } }`,
    );
    // The page and its sellers and categories; nothing for Product.seller or Product.category.
    expect(viaFragments.ran).toHaveLength(1);
    expect(viaFragments.ran[0]).toMatch(/left join seller s .* left join category c/s);
    for (const { node } of viaFragments.edges) {
      expect(node.seller.name).toMatch(/^seller /);
      expect(['fruit', 'apples', 'more', null]).toContain(node.category?.name ?? null);
    }

    const sellerOnly = await run('{ products(first: 3) { edges { node { seller { id } } } } }');
    expect(sellerOnly.ran).toHaveLength(1);
    expect(sellerOnly.ran[0]).toMatch(/left join seller s/);
    expect(sellerOnly.ran[0]).not.toMatch(/join category/);
  });

  it("myProducts: the seller's page with its seller and categories, and one batch of images", async () => {
    queries.length = 0;
    const res = await t.client.raw<{ myProducts: { totalCount: number; edges: Array<{ node: Record<string, any> }> } }>(
      '{ myProducts(first: 20) { totalCount edges { node { id seller { name } category { name } images { url } } } } }',
      {},
      { token: sellerToken },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.myProducts.edges.length).toBeGreaterThan(5);
    for (const { node } of res.data!.myProducts.edges) {
      expect(node.seller.name).toMatch(/^seller /);
      expect(node.category.name).toBeTruthy();
    }
    // The session check and the account lookup of a signed-in call come first; the listing itself is the page and the images.
    const listing = queries.filter((q) => /\bproduct(_image)? /.test(q) || /from (seller|category) where id in/.test(q));
    expect(listing).toHaveLength(2);
    expect(listing[0]).toMatch(/left join seller s .* left join category c/s);
    expect(listing[1]).toMatch(/from product_image where product_id in/);
  });
});
