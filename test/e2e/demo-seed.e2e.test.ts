import { Category, Customer, Product, ProductImage } from '../../src/entities';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemo } from '../../src/services/demo/demo-seed';
import { LoginDocument, ProductsDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

it('seeds demo data (accounts that log in, categories, products with real images), and a second run adds nothing', async () => {
  const progress: number[] = [];
  const first = await seedDemo(t.app, { products: 12, onProgress: (done) => progress.push(done) });
  expect(first.created).toEqual({ accounts: 4, categories: 5, products: 12 });
  expect(progress.at(-1)).toBe(12);
  const em = t.app.orm.em.fork();
  expect(await em.count(Product)).toBe(12);
  expect(await em.count(ProductImage)).toBe(12);

  const again = await seedDemo(t.app, { products: 12 });
  expect(again.created).toEqual({ accounts: 0, categories: 0, products: 0 });
  expect([await em.fork().count(Product), await em.fork().count(Category), await em.fork().count(Customer)]).toEqual([12, 5, 1]);

  const login = await t.client.ok(LoginDocument, { input: { role: 'CUSTOMER', email: DEMO_ACCOUNTS.customer, password: DEMO_PASSWORD } });
  expect(login.login.token).toBeTruthy();
  const { products } = await t.client.ok(ProductsDocument, { first: 3 });
  const image = products.edges[0].node.images[0];
  const served = await fetch(new URL(image.url, t.url));
  expect(served.status).toBe(200);
  expect(
    Buffer.from(await served.arrayBuffer())
      .subarray(1, 4)
      .toString(),
  ).toBe('PNG');
});
