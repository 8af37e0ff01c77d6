import {
  CategoriesDocument,
  CreateCategoryDocument,
  CreateProductDocument,
  DeleteProductDocument,
  ProductDocument,
  ProductsDocument,
  UpdateProductDocument,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';

let t: TestApp;
let admin: TestAccount, seller: TestAccount, otherSeller: TestAccount, customer: TestAccount;

beforeAll(async () => {
  t = await startTestApp({ ADMIN_INVITE_CODE: TEST_INVITE_CODE });
  [admin, seller, otherSeller, customer] = await Promise.all([
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER', '김치 공방'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'CUSTOMER'),
  ]);
});
afterAll(() => t?.close());

const validProduct = { name: '배추김치 1kg', description: '국산 배추', price: 15000, stock: 5 };

describe('categories', () => {
  it('an admin creates categories, optionally under a parent, and everyone lists them', async () => {
    const food = await createCategory(t.client, admin.token, '식품');
    const kimchi = await createCategory(t.client, admin.token, '김치', food.id);
    expect(kimchi.parent).toEqual({ id: food.id, name: '식품' });
    const { categories } = await t.client.ok(CategoriesDocument);
    expect(categories).toEqual(
      expect.arrayContaining([
        { id: food.id, name: '식품', parent: null },
        { id: kimchi.id, name: '김치', parent: { id: food.id, name: '식품' } },
      ]),
    );
  });

  it('refuses a duplicate name (CONFLICT), an unknown parent (NOT_FOUND) and a blank name (BAD_USER_INPUT)', async () => {
    await createCategory(t.client, admin.token, '음료');
    const dup = await t.client.request(CreateCategoryDocument, { input: { name: '음료' } }, { token: admin.token });
    expect(codeOf(dup)).toBe('CONFLICT');
    const orphan = await t.client.request(CreateCategoryDocument, { input: { name: '주스', parentId: '999999' } }, { token: admin.token });
    expect(codeOf(orphan)).toBe('NOT_FOUND');
    expect(orphan.errors![0].extensions!.field).toBe('parentId');
    const blank = await t.client.request(CreateCategoryDocument, { input: { name: '  ' } }, { token: admin.token });
    expect(codeOf(blank)).toBe('BAD_USER_INPUT');
    expect(blank.errors![0].extensions!.field).toBe('name');
  });

  it('is admin-only: sellers and customers are FORBIDDEN, anonymous callers UNAUTHENTICATED', async () => {
    for (const token of [seller.token, customer.token]) {
      expect(codeOf(await t.client.request(CreateCategoryDocument, { input: { name: `x${token.length}` } }, { token }))).toBe('FORBIDDEN');
    }
    expect(codeOf(await t.client.request(CreateCategoryDocument, { input: { name: 'anon' } }))).toBe('UNAUTHENTICATED');
  });
});

describe('creating products', () => {
  it('a seller creates a product that anyone can read, with its seller and category', async () => {
    const category = await createCategory(t.client, admin.token);
    const product = await createProduct(t.client, seller.token, { ...validProduct, categoryId: category.id });
    expect(product).toMatchObject({ ...validProduct, status: 'ON_SALE', category: { id: category.id }, images: [] });
    expect(product.seller).toEqual({ id: seller.id, name: '김치 공방', role: 'SELLER' });
    const read = await t.client.ok(ProductDocument, { id: product.id });
    expect(read.product).toEqual(product);
  });

  it('is seller-only: a customer or an admin is FORBIDDEN, an anonymous caller UNAUTHENTICATED', async () => {
    for (const token of [customer.token, admin.token]) {
      expect(codeOf(await t.client.request(CreateProductDocument, { input: validProduct }, { token }))).toBe('FORBIDDEN');
    }
    expect(codeOf(await t.client.request(CreateProductDocument, { input: validProduct }))).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['name', { name: '' }],
    ['name', { name: '   ' }],
    ['name', { name: 'n'.repeat(101) }],
    ['description', { description: 'd'.repeat(5001) }],
    ['price', { price: 0 }],
    ['price', { price: -5 }],
    ['price', { price: 100_000_001 }],
    ['stock', { stock: -1 }],
    ['stock', { stock: 1_000_001 }],
  ])('refuses a bad %s (%j) with BAD_USER_INPUT naming the field', async (field, override) => {
    const result = await t.client.request(CreateProductDocument, { input: { ...validProduct, ...override } }, { token: seller.token });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.field).toBe(field);
  });

  it('accepts the boundaries: 100-char name, 5000-char description, price 1 and 100,000,000, stock 0 and 1,000,000', async () => {
    for (const input of [
      { ...validProduct, name: 'n'.repeat(100), description: 'd'.repeat(5000), price: 1, stock: 0 },
      { ...validProduct, price: 100_000_000, stock: 1_000_000 },
    ]) {
      expect((await t.client.request(CreateProductDocument, { input }, { token: seller.token })).errors).toBeUndefined();
    }
  });

  it('refuses an unknown category with NOT_FOUND naming categoryId', async () => {
    const result = await t.client.request(
      CreateProductDocument,
      { input: { ...validProduct, categoryId: '424242' } },
      { token: seller.token },
    );
    expect(codeOf(result)).toBe('NOT_FOUND');
    expect(result.errors![0].extensions!.field).toBe('categoryId');
  });
});

describe('changing products', () => {
  it('the owning seller changes only the fields given, and can remove the category', async () => {
    const category = await createCategory(t.client, admin.token);
    const product = await createProduct(t.client, seller.token, { ...validProduct, categoryId: category.id });
    const changed = await t.client.ok(UpdateProductDocument, { id: product.id, input: { price: 9900, stock: 3 } }, { token: seller.token });
    expect(changed.updateProduct).toMatchObject({ name: validProduct.name, price: 9900, stock: 3, category: { id: category.id } });
    expect(new Date(changed.updateProduct.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(product.updatedAt).getTime());
    const uncategorized = await t.client.ok(
      UpdateProductDocument,
      { id: product.id, input: { categoryId: null } },
      { token: seller.token },
    );
    expect(uncategorized.updateProduct.category).toBeNull();
  });

  it('another seller or a customer is FORBIDDEN, anonymous UNAUTHENTICATED, an unknown id NOT_FOUND', async () => {
    const product = await createProduct(t.client, seller.token);
    const update = (token?: string, id = product.id) => t.client.request(UpdateProductDocument, { id, input: { price: 1 } }, { token });
    expect(codeOf(await update(otherSeller.token))).toBe('FORBIDDEN');
    expect(codeOf(await update(customer.token))).toBe('FORBIDDEN');
    expect(codeOf(await update(undefined))).toBe('UNAUTHENTICATED');
    expect(codeOf(await update(seller.token, '987654'))).toBe('NOT_FOUND');
    expect(codeOf(await update(seller.token, 'not-an-id'))).toBe('NOT_FOUND');
    expect((await t.client.ok(ProductDocument, { id: product.id })).product!.price).toBe(12000);
  });

  it('refuses bad values on update, naming the field', async () => {
    const product = await createProduct(t.client, seller.token);
    const result = await t.client.request(UpdateProductDocument, { id: product.id, input: { stock: -3 } }, { token: seller.token });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.field).toBe('stock');
    const unknown = await t.client.request(
      UpdateProductDocument,
      { id: product.id, input: { categoryId: '777777' } },
      { token: seller.token },
    );
    expect(codeOf(unknown)).toBe('NOT_FOUND');
  });
});

describe('deleting products', () => {
  it('is a soft delete by the owning seller: the product vanishes from product(id) and products, and cannot be changed', async () => {
    const product = await createProduct(t.client, seller.token);
    expect(codeOf(await t.client.request(DeleteProductDocument, { id: product.id }, { token: otherSeller.token }))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(DeleteProductDocument, { id: product.id }, { token: customer.token }))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(DeleteProductDocument, { id: product.id }))).toBe('UNAUTHENTICATED');
    expect(await t.client.ok(DeleteProductDocument, { id: product.id }, { token: seller.token })).toEqual({ deleteProduct: true });

    expect((await t.client.ok(ProductDocument, { id: product.id })).product).toBeNull();
    expect((await t.client.ok(ProductDocument, { id: product.id }, { token: seller.token })).product).toBeNull();
    const listed = await t.client.ok(ProductsDocument, { first: 20 });
    expect(listed.products.edges.map((e) => e.node.id)).not.toContain(product.id);
    expect(codeOf(await t.client.request(UpdateProductDocument, { id: product.id, input: { price: 5 } }, { token: seller.token }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await t.client.request(DeleteProductDocument, { id: product.id }, { token: seller.token }))).toBe('NOT_FOUND');

    // The row stays for past orders.
    const row = await t.app.orm.em
      .fork()
      .getConnection()
      .execute('select deleted_at from product where id = ?', [Number(product.id)]);
    expect(row[0].deleted_at).not.toBeNull();
  });
});

describe('hidden products', () => {
  it('are unlisted and invisible to everyone but their seller', async () => {
    const product = await createProduct(t.client, seller.token, { status: 'HIDDEN' });
    expect((await t.client.ok(ProductDocument, { id: product.id })).product).toBeNull();
    expect((await t.client.ok(ProductDocument, { id: product.id }, { token: otherSeller.token })).product).toBeNull();
    expect((await t.client.ok(ProductDocument, { id: product.id }, { token: customer.token })).product).toBeNull();
    expect((await t.client.ok(ProductDocument, { id: product.id }, { token: seller.token })).product!.status).toBe('HIDDEN');
    const ids = (await t.client.ok(ProductsDocument, { first: 20 })).products.edges.map((e) => e.node.id);
    expect(ids).not.toContain(product.id);

    await t.client.ok(UpdateProductDocument, { id: product.id, input: { status: 'ON_SALE' } }, { token: seller.token });
    expect((await t.client.ok(ProductDocument, { id: product.id })).product!.status).toBe('ON_SALE');
  });

  it('SOLD_OUT products stay listed', async () => {
    const product = await createProduct(t.client, seller.token, { status: 'SOLD_OUT', stock: 0 });
    const ids = (await t.client.ok(ProductsDocument, { first: 20 })).products.edges.map((e) => e.node.id);
    expect(ids).toContain(product.id);
  });
});
