import { Product } from '../../src/entities';
import { AddToCartDocument, CancelOrderDocument, CreateOrderDocument } from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';

/** A single process with STOCK_GUARD=memory (the in-process adapter) keeps the same promises. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ STOCK_GUARD: 'memory' });
});
afterAll(() => t?.close());

it('runs checkout on the in-process StockGuard: 40 buyers at once for 5 units -> 5 orders, and a cancel gives the unit back', async () => {
  expect(t.app.stock.kind).toBe('memory');
  const seller = await signUpAs(t.client, 'SELLER');
  const product = await createProduct(t.client, seller.token, { stock: 5 });
  const buyers = await Promise.all(Array.from({ length: 40 }, () => signUpAs(t.client, 'CUSTOMER')));
  for (const b of buyers) await t.client.ok(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: b.token });
  const results = await Promise.all(buyers.map((b) => t.client.request(CreateOrderDocument, {}, { token: b.token })));
  const ok = results.filter((r) => r.data?.createOrder);
  expect(ok).toHaveLength(5);
  expect(results.filter((r) => codeOf(r) === 'OUT_OF_STOCK')).toHaveLength(35);
  const stock = async () => (await t.app.orm.em.fork().findOneOrFail(Product, Number(product.id))).stock;
  expect(await stock()).toBe(0);
  expect((await t.app.stock.counters([Number(product.id)])).get(Number(product.id))).toBe(0);

  const winner = buyers[results.indexOf(ok[0])];
  await t.client.ok(CancelOrderDocument, { orderId: ok[0].data!.createOrder.orderId }, { token: winner.token });
  expect(await stock()).toBe(1);
  expect((await t.app.stock.counters([Number(product.id)])).get(Number(product.id))).toBe(1);
});
