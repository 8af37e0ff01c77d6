import {
  AddToCartDocument,
  CancelOrderDocument,
  ConfirmPaymentDocument,
  CreateShippedOrderDocument,
  ProductDocument,
  ProductsDocument,
  UpdateProductDocument,
  type CreateProductInput,
  type ProductStatus,
  type UpdateProductInput,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import { codeOf, type GraphQLClient } from '../helpers/graphql-client';
import { cancelItems, cancelWhole } from '../helpers/partial-refunds';
import { ADDRESS, createOrderWith, payOrder, startTwoInstanceWorld, type ShippedOrder, type TwoInstanceWorld } from '../helpers/shipping';
import { authorizeOrder } from '../helpers/toss';

/**
 * Issue #17, stock status follows stock: the order that takes a product's last unit makes it
 * SOLD_OUT in its own transaction, and every way units come back (cancel, payment failure, expiry,
 * refund, partial cancel, the seller's restock) makes it ON_SALE again, unless its seller hid it
 * or set SOLD_OUT by hand. Through the real endpoint, Toss's sandbox over HTTP.
 */
let w: TwoInstanceWorld;
beforeAll(async () => {
  w = await startTwoInstanceWorld();
}, 60_000);
afterAll(() => w?.close());

type Made = { id: string; categoryId: string };
type Seen = { status: ProductStatus; stock: number };

/** A product of seller A alone in a fresh category, so the category's listing shows it and nothing else. */
async function newProduct(input: Partial<CreateProductInput> = {}): Promise<Made & Seen> {
  const category = await createCategory(w.t.client, w.admin.token);
  const p = await createProduct(w.t.client, w.sellerA.token, { price: 5000, ...input, categoryId: category.id });
  return { id: p.id, categoryId: category.id, status: p.status, stock: p.stock };
}

/** The product as its seller reads it by id, and as the public listing (`products`) shows it ([] when not listed). */
async function seen(p: Made, client: GraphQLClient = w.t.client): Promise<{ product: Seen; listed: Seen[] }> {
  const { product } = await client.ok(ProductDocument, { id: p.id }, { token: w.sellerA.token });
  const { products } = await client.ok(ProductsDocument, { categoryId: p.categoryId });
  return {
    product: { status: product!.status, stock: product!.stock },
    listed: products.edges.map((e) => ({ status: e.node.status, stock: e.node.stock })),
  };
}
const onSale = (stock: number) => ({ product: { status: 'ON_SALE', stock }, listed: [{ status: 'ON_SALE', stock }] });
const soldOut = (stock: number) => ({ product: { status: 'SOLD_OUT', stock }, listed: [{ status: 'SOLD_OUT', stock }] });
const hidden = (stock: number) => ({ product: { status: 'HIDDEN', stock }, listed: [] });

async function order(p: Made, quantity: number, customer: TestAccount = w.customer, client = w.t.client): Promise<ShippedOrder> {
  const res = await createOrderWith(client, customer.token, [{ productId: p.id, quantity }], { shippingAddress: ADDRESS });
  if (res.errors) throw new Error(`createOrder failed: ${JSON.stringify(res.errors)}`);
  return res.data!.createOrder;
}
async function paidOrder(p: Made, quantity: number): Promise<ShippedOrder> {
  const o = await order(p, quantity);
  await payOrder(w.t.client, w.toss, w.customer.token, o.orderId);
  await w.toss.waitForWebhooks();
  return o;
}
const update = (p: Made, input: UpdateProductInput) =>
  w.t.client.ok(UpdateProductDocument, { id: p.id, input }, { token: w.sellerA.token }).then((r) => r.updateProduct);
const cancelUnpaid = (o: ShippedOrder) => w.t.client.ok(CancelOrderDocument, { orderId: o.orderId }, { token: w.customer.token });
async function declined(o: ShippedOrder): Promise<void> {
  const auth = authorizeOrder(w.toss, o, 'REJECT_CARD_COMPANY');
  const res = await w.t.client.request(ConfirmPaymentDocument, { input: auth }, { token: w.customer.token });
  expect(codeOf(res)).toBe('PAYMENT_FAILED');
}
/** Every unpaid order's window is over (this file's earlier unpaid orders too): the sweeper expires them. */
const expireAll = () => w.t.app.services.sweeper.expireOverdue(new Date(Date.now() + 3600_000));
async function refund(o: ShippedOrder): Promise<void> {
  const res = await cancelWhole(w.t.client, w.customer.token, o.orderId);
  expect(res.errors).toBeUndefined();
  expect(res.data!.cancelOrder.status).toBe('CANCELLED');
  await w.toss.waitForWebhooks();
}
async function cancelUnits(o: ShippedOrder, quantity: number): Promise<void> {
  const res = await cancelItems(w.t.client, w.customer.token, o.orderId, [{ itemId: o.items[0].id, quantity }]);
  expect(res.errors).toBeUndefined();
  await w.toss.waitForWebhooks();
}

describe('the last unit sold makes the product SOLD_OUT, and units coming back make it ON_SALE', () => {
  it('an order taking the last units: SOLD_OUT at once in `product` and `products`, no more orders; its cancel brings it back', async () => {
    const p = await newProduct({ stock: 3 });
    expect(await seen(p)).toEqual(onSale(3));
    await order(p, 1, w.otherCustomer);
    expect(await seen(p)).toEqual(onSale(2));
    const last = await order(p, 2);
    expect(await seen(p)).toEqual(soldOut(0));
    expect(await seen(p, w.two)).toEqual(soldOut(0));
    const again = await w.t.client.request(AddToCartDocument, { productId: p.id, quantity: 1 }, { token: w.otherCustomer.token });
    expect(codeOf(again)).toBe('OUT_OF_STOCK');
    await cancelUnpaid(last);
    expect(await seen(p)).toEqual(onSale(2));
  });

  it('a failed payment gives the units back: ON_SALE', async () => {
    const p = await newProduct({ stock: 1 });
    const o = await order(p, 1);
    expect(await seen(p)).toEqual(soldOut(0));
    await declined(o);
    expect(await seen(p)).toEqual(onSale(1));
  });

  it('an expired order gives the units back: ON_SALE', async () => {
    const p = await newProduct({ stock: 2 });
    await order(p, 2);
    expect(await seen(p)).toEqual(soldOut(0));
    expect(await expireAll()).toBeGreaterThanOrEqual(1);
    expect(await seen(p)).toEqual(onSale(2));
  });

  it('a refund (cancelOrder of a paid order) gives the units back: ON_SALE', async () => {
    const p = await newProduct({ stock: 2 });
    const o = await paidOrder(p, 2);
    expect(await seen(p)).toEqual(soldOut(0));
    await refund(o);
    expect(await seen(p)).toEqual(onSale(2));
  });

  it('a partial cancel (cancelOrderItems) gives its units back: ON_SALE, then more stock', async () => {
    const p = await newProduct({ stock: 3 });
    const o = await paidOrder(p, 3);
    expect(await seen(p)).toEqual(soldOut(0));
    await cancelUnits(o, 1);
    expect(await seen(p)).toEqual(onSale(1));
    await cancelUnits(o, 1);
    expect(await seen(p)).toEqual(onSale(2));
  });

  it("the seller's restock (updateProduct stock) puts it ON_SALE; other edits leave it SOLD_OUT; stock 0 sells it out", async () => {
    const p = await newProduct({ stock: 1 });
    await paidOrder(p, 1);
    expect(await seen(p)).toEqual(soldOut(0));
    expect(await update(p, { price: 6000, name: '새 이름' })).toMatchObject({ status: 'SOLD_OUT', stock: 0 });
    expect(await update(p, { stock: 5 })).toMatchObject({ status: 'ON_SALE', stock: 5 });
    expect(await seen(p)).toEqual(onSale(5));
    expect(await update(p, { stock: 0 })).toMatchObject({ status: 'SOLD_OUT', stock: 0 });
    expect(await seen(p)).toEqual(soldOut(0));
    // A restock that names SOLD_OUT keeps it SOLD_OUT.
    expect(await update(p, { stock: 4, status: 'SOLD_OUT' })).toMatchObject({ status: 'SOLD_OUT', stock: 4 });
    expect(await seen(p)).toEqual(soldOut(4));
  });
});

describe("the seller's own status", () => {
  it('a HIDDEN product stays HIDDEN through cancel, failure, expiry, refund, partial cancel and restock', async () => {
    const p = await newProduct({ stock: 6 });
    const [refunded, partial] = [await paidOrder(p, 1), await paidOrder(p, 2)];
    const [cancelled, failed] = [await order(p, 1), await order(p, 1)];
    await order(p, 1); // left to expire
    expect(await seen(p)).toEqual(soldOut(0));
    expect(await update(p, { status: 'HIDDEN' })).toMatchObject({ status: 'HIDDEN', stock: 0 });
    expect(await seen(p)).toEqual(hidden(0));
    await cancelUnpaid(cancelled);
    expect(await seen(p)).toEqual(hidden(1));
    await declined(failed);
    expect(await seen(p)).toEqual(hidden(2));
    await expireAll();
    expect(await seen(p)).toEqual(hidden(3));
    await refund(refunded);
    expect(await seen(p)).toEqual(hidden(4));
    await cancelUnits(partial, 1);
    expect(await seen(p)).toEqual(hidden(5));
    expect(await update(p, { stock: 9 })).toMatchObject({ status: 'HIDDEN', stock: 9 });
    expect(await seen(p)).toEqual(hidden(9));
    // Shown again, it is on sale (it has stock).
    expect(await update(p, { status: 'ON_SALE' })).toMatchObject({ status: 'ON_SALE', stock: 9 });
  });

  it('SOLD_OUT set by hand while stock is left stays SOLD_OUT through units coming back and a restock, until the seller sets ON_SALE', async () => {
    const p = await newProduct({ stock: 4 });
    const [refunded, partial] = [await paidOrder(p, 1), await paidOrder(p, 2)];
    const unpaid = await order(p, 1);
    expect(await seen(p)).toEqual(soldOut(0));
    await cancelUnpaid(unpaid);
    expect(await seen(p)).toEqual(onSale(1));
    expect(await update(p, { status: 'SOLD_OUT' })).toMatchObject({ status: 'SOLD_OUT', stock: 1 });
    await refund(refunded);
    expect(await seen(p)).toEqual(soldOut(2));
    await cancelUnits(partial, 1);
    expect(await seen(p)).toEqual(soldOut(3));
    expect(await update(p, { stock: 7 })).toMatchObject({ status: 'SOLD_OUT', stock: 7 });
    expect(await update(p, { status: 'ON_SALE' })).toMatchObject({ status: 'ON_SALE', stock: 7 });
    expect(await seen(p)).toEqual(onSale(7));
  });

  it('a product created with stock 0 is SOLD_OUT (or HIDDEN if asked); setting ON_SALE with stock 0 gives SOLD_OUT', async () => {
    expect(await newProduct({ stock: 0 })).toMatchObject({ status: 'SOLD_OUT', stock: 0 });
    expect(await newProduct({ stock: 0, status: 'ON_SALE' })).toMatchObject({ status: 'SOLD_OUT', stock: 0 });
    expect(await newProduct({ stock: 0, status: 'SOLD_OUT' })).toMatchObject({ status: 'SOLD_OUT', stock: 0 });
    expect(await newProduct({ stock: 3, status: 'SOLD_OUT' })).toMatchObject({ status: 'SOLD_OUT', stock: 3 });
    expect(await newProduct({ stock: 3 })).toMatchObject({ status: 'ON_SALE', stock: 3 });
    const p = await newProduct({ stock: 0, status: 'HIDDEN' });
    expect(await seen(p)).toEqual(hidden(0));
    expect(await update(p, { status: 'ON_SALE' })).toMatchObject({ status: 'SOLD_OUT', stock: 0 });
    expect(await seen(p)).toEqual(soldOut(0));
    expect(await update(p, { status: 'ON_SALE' })).toMatchObject({ status: 'SOLD_OUT', stock: 0 });
    expect(await update(p, { status: 'ON_SALE', stock: 2 })).toMatchObject({ status: 'ON_SALE', stock: 2 });
    expect(await seen(p)).toEqual(onSale(2));
  });
});

describe('races', () => {
  it('customers ordering the last units at once over two instances: exactly the stock is sold, SOLD_OUT at 0; cancelled at once, ON_SALE with all of it', async () => {
    const STOCK = 5;
    const CUSTOMERS = 12;
    const p = await newProduct({ stock: STOCK });
    const customers = await Promise.all(Array.from({ length: CUSTOMERS }, () => signUpAs(w.t.client, 'CUSTOMER')));
    for (const c of customers) await w.t.client.ok(AddToCartDocument, { productId: p.id, quantity: 1 }, { token: c.token });
    // Every cart is filled first, so the orders themselves race.
    const results = await Promise.all(
      customers.map((c, i) =>
        (i % 2 ? w.two : w.one).request(CreateShippedOrderDocument, { input: { shippingAddress: ADDRESS } }, { token: c.token }),
      ),
    );
    const won = results.flatMap((r, i) => (r.data ? [{ order: r.data.createOrder, customer: customers[i] }] : []));
    expect(won).toHaveLength(STOCK);
    expect(results.filter((r) => codeOf(r) === 'OUT_OF_STOCK')).toHaveLength(CUSTOMERS - STOCK);
    expect(await seen(p)).toEqual(soldOut(0));
    expect(await seen(p, w.two)).toEqual(soldOut(0));
    expect((await w.t.app.stock.counters([Number(p.id)])).get(Number(p.id))).toBe(0);

    await Promise.all(
      won.map(({ order: o, customer }, i) =>
        (i % 2 ? w.two : w.one).ok(CancelOrderDocument, { orderId: o.orderId }, { token: customer.token }),
      ),
    );
    expect(await seen(p)).toEqual(onSale(STOCK));
    expect((await w.t.app.stock.counters([Number(p.id)])).get(Number(p.id))).toBe(STOCK);
  });
});
