import {
  ProductPageDocument,
  ProductsDocument,
  UpdateProductDocument,
  DeleteProductDocument,
  type ProductSort,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { asDate, sqlOf } from '../../src/db/sql';

let t: TestApp;
let seller: TestAccount;
const queries: string[] = [];
type Row = { id: string; name: string; createdAt: string };
let visible: Row[];
let categories: { parent: string; child: string; other: string };

// Lowercase letters only, so JavaScript's ordering equals the database collation's; some names repeat on purpose.
const nameFor = (i: number) => `item ${String.fromCharCode(97 + ((i * 7) % 26))}${String.fromCharCode(97 + (i % 3))}`;

beforeAll(async () => {
  // Background jobs (outbox relay, sweeper) would add their own statements to the count: keep them quiet here.
  t = await startTestApp(
    { ADMIN_INVITE_CODE: TEST_INVITE_CODE, OUTBOX_RELAY_INTERVAL_MS: '60000', ORDER_SWEEP_INTERVAL_MS: '3600000' },
    { onQuery: (sql) => queries.push(sql) },
  );
  const admin = await signUpAs(t.client, 'ADMIN');
  seller = await signUpAs(t.client, 'SELLER');
  const parent = await createCategory(t.client, admin.token, 'parent');
  const child = await createCategory(t.client, admin.token, 'child', parent.id);
  const other = await createCategory(t.client, admin.token, 'other');
  categories = { parent: parent.id, child: child.id, other: other.id };

  const created: Row[] = [];
  for (let i = 0; i < 49; i++) {
    const categoryId = i % 3 === 0 ? parent.id : i % 3 === 1 ? child.id : other.id;
    created.push(await createProduct(t.client, seller.token, { name: nameFor(i), categoryId }));
  }
  // Give a run of products the very same creation time, so ties must be broken by id.
  await sqlOf(t.app.orm.em.fork()).run('update product set created_at = ? where id between ? and ?', [
    new Date('2026-01-01T00:00:00.000Z'),
    Number(created[10].id),
    Number(created[19].id),
  ]);
  // Two hidden and two deleted products: 45 remain listed.
  for (const p of created.slice(45, 47))
    await t.client.ok(UpdateProductDocument, { id: p.id, input: { status: 'HIDDEN' } }, { token: seller.token });
  for (const p of created.slice(47, 49)) await t.client.ok(DeleteProductDocument, { id: p.id }, { token: seller.token });
  const rows: Array<{ id: number; name: string; created_at: Date }> = await t.app.orm.em
    .fork()
    .getConnection()
    .execute('select id, name, created_at from product where listed');
  visible = rows.map((r) => ({ id: String(r.id), name: r.name, createdAt: asDate(r.created_at).toISOString() }));
});
afterAll(() => t?.close());

const expectedOrder = (sort: ProductSort, rows = visible) =>
  [...rows]
    .sort((a, b) =>
      sort === 'NEWEST'
        ? b.createdAt.localeCompare(a.createdAt) || Number(b.id) - Number(a.id)
        : a.name < b.name
          ? -1
          : a.name > b.name
            ? 1
            : Number(a.id) - Number(b.id),
    )
    .map((r) => r.id);

async function pageThrough(sort: ProductSort, first: number, categoryId?: string) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let after: string | null | undefined;
  for (;;) {
    const { products } = await t.client.ok(ProductPageDocument, { first, after, sort, categoryId });
    ids.push(...products.edges.map((e) => e.node.id));
    sizes.push(products.edges.length);
    if (!products.pageInfo.hasNextPage) break;
    after = products.pageInfo.endCursor;
  }
  return { ids, sizes };
}

describe('products listing', () => {
  it('has 45 listed products: hidden and deleted ones are left out of the list and the count', async () => {
    expect(visible).toHaveLength(45);
    const { products } = await t.client.ok(ProductsDocument, { first: 1 });
    expect(products.totalCount).toBe(45);
  });

  it.each<ProductSort>(['NEWEST', 'NAME'])('pages through all 45 by %s with no gap or repeat, in a stable order', async (sort) => {
    const { ids, sizes } = await pageThrough(sort, 20);
    expect(sizes).toEqual([20, 20, 5]);
    expect(new Set(ids).size).toBe(45);
    expect(ids).toEqual(expectedOrder(sort));
    // Small pages walk the same order.
    expect((await pageThrough(sort, 7)).ids).toEqual(ids);
  });

  it('defaults to 20 newest first', async () => {
    const { products } = await t.client.ok(ProductsDocument, {});
    expect(products.edges.map((e) => e.node.id)).toEqual(expectedOrder('NEWEST').slice(0, 20));
    expect(products.pageInfo.hasNextPage).toBe(true);
  });

  it('filters by category, including the categories under it', async () => {
    const rows: Array<{ id: number; category_id: number }> = await t.app.orm.em
      .fork()
      .getConnection()
      .execute('select id, category_id from product where listed');
    const idsIn = (...categoryIds: string[]) =>
      visible.filter((r) => rows.some((row) => String(row.id) === r.id && categoryIds.includes(String(row.category_id))));

    const child = await pageThrough('NEWEST', 20, categories.child);
    expect(child.ids).toEqual(expectedOrder('NEWEST', idsIn(categories.child)));
    const parent = await pageThrough('NAME', 20, categories.parent);
    expect(parent.ids).toEqual(expectedOrder('NAME', idsIn(categories.parent, categories.child)));
    expect(parent.ids.length).toBeGreaterThan(child.ids.length);

    const { products } = await t.client.ok(ProductsDocument, { first: 1, categoryId: categories.parent });
    expect(products.totalCount).toBe(parent.ids.length);
    const { products: other } = await t.client.ok(ProductsDocument, { first: 1, categoryId: categories.other });
    expect(other.totalCount + parent.ids.length).toBe(45);
  });

  it('refuses a page size outside 1..20, a malformed cursor, a cursor of another sort, and an unknown category', async () => {
    for (const first of [0, 21, -1]) {
      const result = await t.client.request(ProductsDocument, { first });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.field).toBe('first');
    }
    const bad = await t.client.request(ProductsDocument, { after: 'not-a-cursor' });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0].extensions!.field).toBe('after');
    const byName = await t.client.ok(ProductPageDocument, { first: 2, sort: 'NAME' });
    expect(codeOf(await t.client.request(ProductsDocument, { sort: 'NEWEST', after: byName.products.pageInfo.endCursor }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(await t.client.request(ProductsDocument, { categoryId: '99999' }))).toBe('NOT_FOUND');
  });

  it('costs a constant number of SQL queries per page, whatever its size (no N+1)', async () => {
    // Two images per product, so images are loaded too.
    const em = t.app.orm.em.fork();
    for (const row of visible) {
      for (const position of [1, 2]) {
        await sqlOf(em).run(
          "insert into product_image (product_id, storage_key, url, content_type, size, position, created_at) values (?, ?, ?, 'image/png', 1, ?, ?)",
          [Number(row.id), `k/${row.id}/${position}`, `http://x/${row.id}/${position}.png`, position, new Date()],
        );
      }
    }
    const count = async (first: number) => {
      queries.length = 0;
      const { products } = await t.client.ok(ProductsDocument, { first, categoryId: categories.parent });
      expect(products.edges.every((e) => e.node.images.length === 2 && e.node.seller.id === seller.id)).toBe(true);
      return queries.length;
    };
    const small = await count(3);
    const large = await count(15);
    expect(large).toBe(small);
    // category tree + page + sellers + categories + images + count
    expect(large).toBeLessThanOrEqual(6);
  });
});
