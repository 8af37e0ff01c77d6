import type { TossSandbox } from '../../toss-sandbox';
import {
  CancelOrderDocument,
  ConfirmPaymentDocument,
  DeleteProductDocument,
  MyProductsFilteredDocument,
  ProductHeldDocument,
  ProductsHeldDocument,
  SearchProductsDocument,
  UpdateProductDocument,
  type MyProductsFilteredQueryVariables,
  type ProductStatus,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { codeOf } from '../helpers/graphql-client';
import type { TestApp } from '../helpers/test-app';
import { authorizeOrder, startAppWithToss } from '../helpers/toss';

let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
let admin: TestAccount, seller: TestAccount, otherSeller: TestAccount, customer: TestAccount;
/** The seller's products by key; `plates` are 12 more, for paging. */
const mine: Record<string, { id: string; name: string; price: number }> = {};
const plates: string[] = [];
let theirs: { onSale: string; hidden: string };

beforeAll(async () => {
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  [admin, seller, otherSeller, customer] = await Promise.all([
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'CUSTOMER'),
  ]);
  const specs: Array<[key: string, name: string, price: number]> = [
    ['onSale', 'blue mug', 3000],
    ['held', 'red mug', 5000],
    ['soldOut', 'green mug', 4000],
    ['hidden', 'secret mug', 3000],
    ['deleted', 'gone mug', 3000],
  ];
  for (const [key, name, price] of specs) {
    const p = await createProduct(t.client, seller.token, { name, price, stock: 10, description: 'ceramic' });
    mine[key] = { id: p.id, name, price };
  }
  for (let i = 0; i < 12; i++) {
    plates.push((await createProduct(t.client, seller.token, { name: `plate ${String.fromCharCode(108 - i)}`, price: 1000 + i })).id);
  }
  const as = { token: seller.token };
  await t.client.ok(UpdateProductDocument, { id: mine.soldOut.id, input: { status: 'SOLD_OUT' } }, as);
  await t.client.ok(UpdateProductDocument, { id: mine.hidden.id, input: { status: 'HIDDEN' } }, as);
  await t.client.ok(DeleteProductDocument, { id: mine.deleted.id }, as);
  const onSale = await createProduct(t.client, otherSeller.token, { name: 'blue mug too', description: 'ceramic' });
  const hidden = await createProduct(t.client, otherSeller.token, { name: 'secret mug too', description: 'ceramic' });
  await t.client.ok(UpdateProductDocument, { id: hidden.id, input: { status: 'HIDDEN' } }, { token: otherSeller.token });
  theirs = { onSale: onSale.id, hidden: hidden.id };
});
afterAll(() => close?.());

type Variables = MyProductsFilteredQueryVariables;

/** Every page of myProducts as `token`, `first` at a time. */
async function myProducts(variables: Variables, token = seller.token, first = 5) {
  const nodes: Array<{ id: string; status: ProductStatus; stock: number; heldStock?: number | null }> = [];
  const totals = new Set<number>();
  let after: string | null | undefined;
  for (;;) {
    const { myProducts: page } = await t.client.ok(MyProductsFilteredDocument, { ...variables, first, after }, { token });
    nodes.push(...page.edges.map((e) => e.node));
    totals.add(page.totalCount);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect([...totals]).toEqual([nodes.length]);
  return nodes;
}
const idsOf = (nodes: Array<{ id: string }>) => nodes.map((n) => n.id);
const newestFirst = (ids: string[]) => [...ids].sort((a, b) => Number(b) - Number(a));
const live = () => [mine.onSale.id, mine.held.id, mine.soldOut.id, mine.hidden.id, ...plates];

describe('myProducts', () => {
  it("lists the seller's own products in every status, newest first, paged; never deleted ones nor another seller's", async () => {
    const nodes = await myProducts({});
    expect(idsOf(nodes)).toEqual(newestFirst(live()));
    expect(new Set(nodes.map((n) => n.status))).toEqual(new Set(['ON_SALE', 'SOLD_OUT', 'HIDDEN']));
    // Another seller sees only theirs.
    expect(idsOf(await myProducts({}, otherSeller.token))).toEqual([theirs.hidden, theirs.onSale]);
  });

  it('filters by status', async () => {
    expect(idsOf(await myProducts({ status: 'HIDDEN' }))).toEqual([mine.hidden.id]);
    expect(idsOf(await myProducts({ status: 'SOLD_OUT' }))).toEqual([mine.soldOut.id]);
    expect(idsOf(await myProducts({ status: 'ON_SALE' }, seller.token, 4))).toEqual(newestFirst([mine.onSale.id, mine.held.id, ...plates]));
    expect(idsOf(await myProducts({ status: 'HIDDEN' }, otherSeller.token))).toEqual([theirs.hidden]);
  });

  it('searches within the own products: a hidden one is found by its seller here, never by the public products', async () => {
    const mugs = await myProducts({ search: 'mug' }, seller.token, 2);
    // All four match in their name: newest first.
    expect(idsOf(mugs)).toEqual(newestFirst([mine.onSale.id, mine.held.id, mine.soldOut.id, mine.hidden.id]));
    expect(idsOf(await myProducts({ search: 'secret' }))).toEqual([mine.hidden.id]);
    expect(idsOf(await myProducts({ search: 'secret', status: 'ON_SALE' }))).toEqual([]);
    expect(idsOf(await myProducts({ search: 'gone' }))).toEqual([]);
    expect(idsOf(await myProducts({ search: 'secret' }, otherSeller.token))).toEqual([theirs.hidden]);
    const publicly = await t.client.ok(SearchProductsDocument, { search: 'secret' }, { token: seller.token });
    expect(publicly.products.totalCount).toBe(0);
    // The public listing finds a sold-out one (listed), not the hidden one.
    const mugsPublic = await t.client.ok(SearchProductsDocument, { search: 'mug' });
    expect(new Set(idsOf(mugsPublic.products.edges.map((e) => e.node)))).toEqual(
      new Set([mine.onSale.id, mine.held.id, mine.soldOut.id, theirs.onSale]),
    );
  });

  it('sorts, pages and filters by price like the public listing', async () => {
    const byPrice = await myProducts({ sort: 'PRICE_ASC', maxPrice: 4000, minPrice: 1005 }, seller.token, 3);
    expect(idsOf(byPrice)).toEqual([...plates.slice(5), mine.onSale.id, mine.hidden.id, mine.soldOut.id]);
    const byName = await myProducts({ sort: 'NAME' }, seller.token, 4);
    expect(idsOf(byName)).toEqual([mine.onSale.id, mine.soldOut.id, ...[...plates].reverse(), mine.held.id, mine.hidden.id]);
    const bad = await t.client.request(MyProductsFilteredDocument, { minPrice: 10, maxPrice: 9 }, { token: seller.token });
    expect([codeOf(bad), bad.errors?.[0].extensions?.field]).toEqual(['BAD_USER_INPUT', 'maxPrice']);
  });

  it('is for sellers only: FORBIDDEN for a customer and an admin, UNAUTHENTICATED for anonymous', async () => {
    for (const [token, code] of [
      [customer.token, 'FORBIDDEN'],
      [admin.token, 'FORBIDDEN'],
      [undefined, 'UNAUTHENTICATED'],
    ] as const) {
      const answer = await t.client.request(MyProductsFilteredDocument, {}, { token });
      expect([code, codeOf(answer), answer.data?.myProducts ?? null]).toEqual([code, code, null]);
    }
  });
});

describe('heldStock', () => {
  const heldInMyProducts = async (id: string) => (await myProducts({})).find((n) => n.id === id)!;
  const viewAs = async (id: string, token?: string) => (await t.client.ok(ProductHeldDocument, { id }, { token })).product!;

  it('counts the units of PAYMENT_PENDING orders, back to 0 once they are cancelled or paid', async () => {
    const product = mine.held.id;
    expect(await heldInMyProducts(product)).toMatchObject({ stock: 10, heldStock: 0 });

    const first = await orderProducts(t.client, customer.token, [{ productId: product, quantity: 3 }]);
    expect(first.status).toBe('PAYMENT_PENDING');
    expect(await heldInMyProducts(product)).toMatchObject({ stock: 7, heldStock: 3 });
    const second = await orderProducts(t.client, customer.token, [
      { productId: product, quantity: 2 },
      { productId: mine.onSale.id, quantity: 1 },
    ]);
    expect(await heldInMyProducts(product)).toMatchObject({ stock: 5, heldStock: 5 });
    expect(await heldInMyProducts(mine.onSale.id)).toMatchObject({ stock: 9, heldStock: 1 });
    // The seller's own view of the product says the same.
    expect(await viewAs(product, seller.token)).toMatchObject({ stock: 5, heldStock: 5 });

    await t.client.ok(CancelOrderDocument, { orderId: first.orderId }, { token: customer.token });
    expect(await heldInMyProducts(product)).toMatchObject({ stock: 8, heldStock: 2 });

    const auth = authorizeOrder(toss, second);
    const paid = await t.client.ok(ConfirmPaymentDocument, { input: auth }, { token: customer.token });
    expect(paid.confirmPayment.status).toBe('ORDER_COMPLETED');
    expect(await heldInMyProducts(product)).toMatchObject({ stock: 8, heldStock: 0 });
    expect(await heldInMyProducts(mine.onSale.id)).toMatchObject({ stock: 9, heldStock: 0 });
  });

  it('is null for anyone but the product’s own seller: anonymous, a customer, another seller, an admin', async () => {
    const product = mine.held.id;
    await orderProducts(t.client, customer.token, [{ productId: product, quantity: 1 }]);
    expect((await viewAs(product, seller.token)).heldStock).toBe(1);
    for (const token of [undefined, customer.token, otherSeller.token, admin.token]) {
      expect((await viewAs(product, token)).heldStock).toBeNull();
      const { products } = await t.client.ok(ProductsHeldDocument, { first: 20, search: 'mug' }, { token });
      expect(products.edges.length).toBe(4);
      // Only the other seller's own product shows its hold (0), to them.
      const own = (id: string) => token === otherSeller.token && id === theirs.onSale;
      expect(products.edges.map((e) => e.node.heldStock)).toEqual(products.edges.map((e) => (own(e.node.id) ? 0 : null)));
    }
    // In the public listing, the seller sees their own products' holds, and null for another seller's.
    const { products } = await t.client.ok(ProductsHeldDocument, { first: 20, search: 'mug' }, { token: seller.token });
    const held = Object.fromEntries(products.edges.map((e) => [e.node.id, e.node.heldStock]));
    expect(held).toEqual({ [mine.onSale.id]: 0, [mine.held.id]: 1, [mine.soldOut.id]: 0, [theirs.onSale]: null });
  });
});
