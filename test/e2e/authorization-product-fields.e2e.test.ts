import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import type { GraphQLErrorShape } from '../helpers/graphql-client';
import { paidOrderOf } from '../helpers/shipping';
import type { TestApp } from '../helpers/test-app';
import { startAppWithToss } from '../helpers/toss';
import { WsClients } from '../helpers/ws-client';

/**
 * The authorization matrix's companion for products (issue #17): which products each kind of
 * caller is shown by `product(id)`, the public `products` (with a search, in every sort, and
 * without) and `myProducts`, and whose `heldStock` they read: the owning seller's own products
 * only, null for anyone else (an admin and another seller included). The public listing never
 * shows a hidden or deleted product, not even to its seller; `myProducts` shows a seller all of
 * theirs but the deleted ones, and nobody else's. Over HTTP and the WebSocket alike.
 *
 * The seller's products: `onSale` (2 units held by an unpaid order; a paid order of 3 and a
 * cancelled one of 4 hold nothing), `hidden` (1 unit held, hidden after the order), `soldOut`
 * (set SOLD_OUT by hand, stock left), `deleted`. The other seller's: `otherOnSale` (1 unit held),
 * `otherHidden`. Every name holds the search word. The customer's cart holds `onSale` and
 * `otherOnSale` (ordered, not paid: still in the cart).
 */
type Actor = 'anonymous' | 'customer' | 'admin' | 'seller' | 'otherSeller';
/** What a view showed: `key heldStock` per product, sorted, or the error code. */
type Seen = string[] | string;
type Node = { id: string; heldStock: number | null };

const WORD = '권한검색';
const SORTS = [null, 'NEWEST', 'NAME', 'PRICE_ASC', 'PRICE_DESC', 'RELEVANCE'] as const;
const NODE = 'id heldStock';
const LIST = (field: string, args: string) => `query { ${field}(first: 20${args}) { totalCount edges { node { ${NODE} } } } }`;
const searchArgs = (sort: string | null) => `, search: "${WORD}"${sort ? `, sort: ${sort}` : ''}`;

/** Every view's query (product(id) is built from the fixtures' ids, in beforeAll). */
const VIEWS: Record<string, () => string> = {
  products: () => LIST('products', ''),
  ...Object.fromEntries(SORTS.map((sort) => [`products(search, ${sort ?? 'default'})`, () => LIST('products', searchArgs(sort))])),
  'products(search in the description)': () => LIST('products', ', search: "설명"'),
  myProducts: () => LIST('myProducts', ''),
  'myProducts(search, RELEVANCE)': () => LIST('myProducts', searchArgs('RELEVANCE')),
  'myProducts(status: HIDDEN)': () => LIST('myProducts', ', status: HIDDEN'),
  'product(id)': () =>
    `query { ${Object.entries(ids)
      .map(([key, id]) => `${key}: product(id: "${id}") { ${NODE} }`)
      .join(' ')} }`,
  cart: () => `query { cart { lines { product { ${NODE} } } } }`,
};

const PUBLIC = (onSale: number | null, soldOut: number | null, otherOnSale: number | null) => [
  `onSale ${onSale}`,
  `otherOnSale ${otherOnSale}`,
  `soldOut ${soldOut}`,
];
/** What each actor sees in each view (views missing from an actor's row: the public listing's). */
const listingOf = (seen: string[]): Record<string, Seen> => ({
  products: seen,
  ...Object.fromEntries(SORTS.map((sort) => [`products(search, ${sort ?? 'default'})`, seen])),
  'products(search in the description)': seen,
});
const notSeller = (myProducts: string, cart: Seen): Record<string, Seen> => ({
  ...listingOf(PUBLIC(null, null, null)),
  myProducts,
  'myProducts(search, RELEVANCE)': myProducts,
  'myProducts(status: HIDDEN)': myProducts,
  'product(id)': PUBLIC(null, null, null),
  cart,
});
// prettier-ignore
const VISIBLE: Record<Actor, Record<string, Seen>> = {
  anonymous: notSeller('UNAUTHENTICATED', 'UNAUTHENTICATED'),
  customer: notSeller('FORBIDDEN', ['onSale null', 'otherOnSale null']),
  admin: notSeller('FORBIDDEN', 'FORBIDDEN'),
  seller: {
    ...listingOf(PUBLIC(2, 0, null)),
    myProducts: ['hidden 1', 'onSale 2', 'soldOut 0'],
    'myProducts(search, RELEVANCE)': ['hidden 1', 'onSale 2', 'soldOut 0'],
    'myProducts(status: HIDDEN)': ['hidden 1'],
    'product(id)': ['hidden 1', 'onSale 2', 'soldOut 0', 'otherOnSale null'].sort(),
    cart: 'FORBIDDEN',
  },
  otherSeller: {
    ...listingOf(PUBLIC(null, null, 1)),
    myProducts: ['otherHidden 0', 'otherOnSale 1'],
    'myProducts(search, RELEVANCE)': ['otherHidden 0', 'otherOnSale 1'],
    'myProducts(status: HIDDEN)': ['otherHidden 0'],
    'product(id)': ['onSale null', 'otherHidden 0', 'otherOnSale 1', 'soldOut null'],
    cart: 'FORBIDDEN',
  },
};

let t: TestApp, close: () => Promise<void>;
let accounts: Record<Actor, TestAccount | null>;
/** The fixtures' product ids by key. */
let ids: Record<string, string>;

beforeAll(async () => {
  let toss;
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  const [c, s, os, ad] = await Promise.all((['CUSTOMER', 'SELLER', 'SELLER', 'ADMIN'] as const).map((role) => signUpAs(t.client, role)));
  accounts = { anonymous: null, customer: c, admin: ad, seller: s, otherSeller: os };
  const make = async (owner: TestAccount, key: string, price: number) =>
    (await createProduct(t.client, owner.token, { name: `${WORD} ${key}`, description: '상품 설명', price, stock: 10 })).id;
  ids = {
    onSale: await make(s, 'onSale', 1000),
    hidden: await make(s, 'hidden', 2000),
    soldOut: await make(s, 'soldOut', 3000),
    deleted: await make(s, 'deleted', 4000),
    otherOnSale: await make(os, 'otherOnSale', 5000),
    otherHidden: await make(os, 'otherHidden', 6000),
  };
  const update = (owner: TestAccount, id: string, input: string) =>
    t.client.raw(`mutation($id: ID!) { updateProduct(id: $id, input: ${input}) { id } }`, { id }, { token: owner.token });
  await orderProducts(t.client, c.token, [{ productId: ids.onSale, quantity: 2 }]);
  await paidOrderOf(t.client, toss, c.token, [{ productId: ids.onSale, quantity: 3 }]);
  const cancelled = await orderProducts(t.client, c.token, [{ productId: ids.onSale, quantity: 4 }]);
  await t.client.raw('mutation($o: String!) { cancelOrder(orderId: $o) { status } }', { o: cancelled.orderId }, { token: c.token });
  await orderProducts(t.client, c.token, [{ productId: ids.hidden, quantity: 1 }]);
  await orderProducts(t.client, c.token, [{ productId: ids.otherOnSale, quantity: 1 }]);
  await update(s, ids.hidden, '{ status: HIDDEN }');
  await update(s, ids.soldOut, '{ status: SOLD_OUT }');
  await update(os, ids.otherHidden, '{ status: HIDDEN }');
  await t.client.raw('mutation($id: ID!) { deleteProduct(id: $id) }', { id: ids.deleted }, { token: s.token });
  await t.client.raw(
    'mutation($id: ID!) { addToCart(productId: $id, quantity: 1) { totalAmount } }',
    { id: ids.onSale },
    { token: c.token },
  );
});
afterAll(() => close?.());

type Answer = { data?: Record<string, unknown> | null; errors?: GraphQLErrorShape[] };

/** What a caller saw, in the table's terms; a list's totalCount must agree with its rows. */
function summarize(view: string, res: Answer): Seen {
  if (res.errors?.length) return String(res.errors[0].extensions?.code);
  const keyOf = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? `product ${id}`;
  const seen = (nodes: Array<Node | null>) => nodes.flatMap((n) => (n ? [`${keyOf(n.id)} ${n.heldStock}`] : [])).sort();
  const data = res.data!;
  if (view === 'product(id)') return seen(Object.values(data) as Array<Node | null>);
  if (view === 'cart') return seen((data.cart as { lines: Array<{ product: Node }> }).lines.map((l) => l.product));
  const list = Object.values(data)[0] as { totalCount: number; edges: Array<{ node: Node }> };
  const rows = seen(list.edges.map((e) => e.node));
  return list.totalCount === rows.length ? rows : [...rows, `totalCount ${list.totalCount}`];
}

describe.each(Object.keys(VISIBLE.seller))('%s', (view) => {
  let ws: WsClients;
  beforeAll(() => {
    ws = new WsClients(t.url);
  });
  afterAll(() => ws?.close());

  it.each(Object.keys(VISIBLE) as Actor[])('as %s, over HTTP and the WebSocket', async (actor) => {
    const token = accounts[actor]?.token ?? null;
    const query = VIEWS[view]();
    const expected = VISIBLE[actor][view];
    const overHttp = summarize(view, await t.client.raw<Record<string, unknown>>(query, {}, { token }));
    expect({ actor, seen: overHttp }).toEqual({ actor, seen: expected });
    // A socket needs a token to open: every anonymous call there is UNAUTHENTICATED.
    const overWs = summarize(view, await ws.run<Record<string, unknown>>(query, {}, token));
    expect({ actor, seen: overWs }).toEqual({ actor, seen: actor === 'anonymous' ? 'UNAUTHENTICATED' : expected });
  });
});
