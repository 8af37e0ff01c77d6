import {
  AddToCartDocument,
  CartDocument,
  ClearCartDocument,
  DeleteProductDocument,
  RemoveFromCartDocument,
  UpdateProductDocument,
} from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';

let t: TestApp;
let seller: TestAccount, customer: TestAccount, otherCustomer: TestAccount;

beforeAll(async () => {
  t = await startTestApp();
  [seller, customer, otherCustomer] = await Promise.all([
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'CUSTOMER'),
    signUpAs(t.client, 'CUSTOMER'),
  ]);
});
afterAll(() => t?.close());

const add = (productId: string, quantity: number, token = customer.token) =>
  t.client.request(AddToCartDocument, { productId, quantity }, { token });
const cartOf = async (token = customer.token) => (await t.client.ok(CartDocument, {}, { token })).cart;

describe('cart', () => {
  beforeEach(() => t.client.ok(ClearCartDocument, {}, { token: customer.token }));

  it('adds a product with its current price, line total and availability, and raises the quantity when added again', async () => {
    const kimchi = await createProduct(t.client, seller.token, { name: '김치 1kg', price: 12000, stock: 10 });
    const first = await add(kimchi.id, 2);
    expect(first.errors).toBeUndefined();
    expect(first.data!.addToCart).toEqual({
      lines: [
        {
          product: { id: kimchi.id, name: '김치 1kg', stock: 10, status: 'ON_SALE' },
          quantity: 2,
          unitPrice: 12000,
          lineTotal: 24000,
          available: true,
        },
      ],
      totalAmount: 24000,
    });
    const again = await t.client.ok(AddToCartDocument, { productId: kimchi.id, quantity: 3 }, { token: customer.token });
    expect(again.addToCart.lines).toHaveLength(1);
    expect(again.addToCart.lines[0]).toMatchObject({ quantity: 5, lineTotal: 60000 });
    expect(again.addToCart.totalAmount).toBe(60000);
  });

  it('keeps one cart per customer', async () => {
    const p = await createProduct(t.client, seller.token);
    await add(p.id, 1);
    expect(await cartOf(otherCustomer.token)).toEqual({ lines: [], totalAmount: 0 });
    expect((await cartOf()).lines).toHaveLength(1);
  });

  it('refuses a quantity below 1 (BAD_USER_INPUT naming quantity) and one above the stock, counting what is already in the cart (OUT_OF_STOCK)', async () => {
    const p = await createProduct(t.client, seller.token, { stock: 3 });
    for (const quantity of [0, -1]) {
      const res = await add(p.id, quantity);
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.field).toBe('quantity');
    }
    expect(codeOf(await add(p.id, 4))).toBe('OUT_OF_STOCK');
    await add(p.id, 2);
    const over = await add(p.id, 2);
    expect(codeOf(over)).toBe('OUT_OF_STOCK');
    expect(over.errors![0].extensions).toMatchObject({ productId: p.id, available: 3 });
    expect((await cartOf()).lines[0].quantity).toBe(2);
  });

  it('refuses hidden, deleted and unknown products (NOT_FOUND) and sold-out ones (OUT_OF_STOCK)', async () => {
    const hidden = await createProduct(t.client, seller.token, { status: 'HIDDEN' });
    const soldOut = await createProduct(t.client, seller.token, { status: 'SOLD_OUT' });
    const empty = await createProduct(t.client, seller.token, { stock: 0 });
    const deleted = await createProduct(t.client, seller.token);
    await t.client.ok(DeleteProductDocument, { id: deleted.id }, { token: seller.token });
    expect(codeOf(await add(hidden.id, 1))).toBe('NOT_FOUND');
    expect(codeOf(await add(deleted.id, 1))).toBe('NOT_FOUND');
    expect(codeOf(await add('99999999', 1))).toBe('NOT_FOUND');
    expect(codeOf(await add('not-an-id', 1))).toBe('NOT_FOUND');
    expect(codeOf(await add(soldOut.id, 1))).toBe('OUT_OF_STOCK');
    expect(codeOf(await add(empty.id, 1))).toBe('OUT_OF_STOCK');
    expect((await cartOf()).lines).toEqual([]);
  });

  it("shows each line's current price and availability; the total counts only lines that can be ordered", async () => {
    const a = await createProduct(t.client, seller.token, { price: 1000, stock: 5 });
    const b = await createProduct(t.client, seller.token, { price: 2000, stock: 5 });
    const c = await createProduct(t.client, seller.token, { price: 3000, stock: 5 });
    await add(a.id, 2);
    await add(b.id, 3);
    await add(c.id, 1);
    await t.client.ok(UpdateProductDocument, { id: a.id, input: { price: 1500 } }, { token: seller.token });
    await t.client.ok(UpdateProductDocument, { id: b.id, input: { stock: 2 } }, { token: seller.token });
    await t.client.ok(UpdateProductDocument, { id: c.id, input: { status: 'HIDDEN' } }, { token: seller.token });
    const cart = await cartOf();
    expect(cart.lines.map((l) => [l.product.id, l.unitPrice, l.lineTotal, l.available])).toEqual([
      [a.id, 1500, 3000, true],
      [b.id, 2000, 6000, false],
      [c.id, 3000, 3000, false],
    ]);
    expect(cart.totalAmount).toBe(3000);
  });

  it('removes a line (removing one that is not there changes nothing) and clears the cart', async () => {
    const a = await createProduct(t.client, seller.token);
    const b = await createProduct(t.client, seller.token);
    await add(a.id, 1);
    await add(b.id, 1);
    const removed = await t.client.ok(RemoveFromCartDocument, { productId: a.id }, { token: customer.token });
    expect(removed.removeFromCart.lines.map((l) => l.product.id)).toEqual([b.id]);
    const again = await t.client.ok(RemoveFromCartDocument, { productId: a.id }, { token: customer.token });
    expect(again.removeFromCart.lines.map((l) => l.product.id)).toEqual([b.id]);
    expect(codeOf(await t.client.request(RemoveFromCartDocument, { productId: '99999999' }, { token: customer.token }))).toBe('NOT_FOUND');
    const cleared = await t.client.ok(ClearCartDocument, {}, { token: customer.token });
    expect(cleared.clearCart).toEqual({ lines: [], totalAmount: 0 });
    expect(await cartOf()).toEqual({ lines: [], totalAmount: 0 });
  });

  it('adding the same product from many requests at once ends with the sum, never a lost update', async () => {
    const p = await createProduct(t.client, seller.token, { stock: 100 });
    const results = await Promise.all(Array.from({ length: 20 }, () => add(p.id, 1)));
    expect(results.map(codeOf)).toEqual(Array(20).fill(undefined));
    expect((await cartOf()).lines[0].quantity).toBe(20);
  });

  it('is for customers only: sellers and admins are FORBIDDEN, anonymous callers UNAUTHENTICATED', async () => {
    const p = await createProduct(t.client, seller.token);
    expect(codeOf(await t.client.request(CartDocument, {}, {}))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.client.request(CartDocument, {}, { token: 'garbage' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.client.request(CartDocument, {}, { token: seller.token }))).toBe('FORBIDDEN');
    expect(codeOf(await add(p.id, 1, seller.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(AddToCartDocument, { productId: p.id, quantity: 1 }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.client.request(ClearCartDocument, {}, { token: seller.token }))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(RemoveFromCartDocument, { productId: p.id }))).toBe('UNAUTHENTICATED');
  });
});
