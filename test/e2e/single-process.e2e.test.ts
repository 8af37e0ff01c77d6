import { print } from 'graphql';
import { OrderEventsDocument, type OrderEventsSubscription } from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { collect, connectWs } from '../helpers/ws-client';

/** One process on the in-process adapters (EVENT_BUS=memory, STOCK_GUARD=memory): the same promises hold. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ EVENT_BUS: 'memory', STOCK_GUARD: 'memory' });
});
afterAll(() => t?.close());

it('delivers order events through the in-process EventBus', async () => {
  expect([t.app.events.kind, t.app.stock.kind]).toEqual(['memory', 'memory']);
  const seller = await signUpAs(t.client, 'SELLER');
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token);
  const conn = connectWs(t.url, customer.token);
  await conn.opened;
  const events = collect<OrderEventsSubscription['orderEvents']>(conn, print(OrderEventsDocument), 'orderEvents');
  await new Promise((r) => setTimeout(r, 100));
  const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
  const [created] = await events.waitFor(1);
  expect(created).toMatchObject({ orderId: order.orderId, kind: 'CREATED', orderStatus: 'PAYMENT_PENDING' });
  await conn.client.dispose();
});

it('serves the same answers with graphql-js as the executor (GRAPHQL_JIT=false)', async () => {
  const plain = await startTestApp({ GRAPHQL_JIT: 'false' });
  try {
    const seller = await signUpAs(plain.client, 'SELLER');
    await createProduct(plain.client, seller.token, { name: '해석기' });
    const viaPlain = await plain.client.raw('{ products(first: 5) { totalCount edges { node { name seller { name } images { url } } } } }');
    expect(viaPlain.data).toEqual({
      products: { totalCount: 1, edges: [{ node: { name: '해석기', seller: { name: expect.any(String) }, images: [] } }] },
    });
    const refused = await plain.client.raw('mutation { createCategory(input: { name: "x" }) { id } }', {}, { token: seller.token });
    expect(refused.errors![0].extensions!.code).toBe('FORBIDDEN');
  } finally {
    await plain.close();
  }
});
