import {
  AddToCartDocument,
  CartDocument,
  MeDocument,
  MyProductsDocument,
  OrdersDocument,
  ProductDocument,
  ProductsDocument,
  UpdateProductDocument,
  type CartQuery,
  type MyProductsQuery,
  type OrdersQuery,
  type ProductQuery,
  type ProductsQuery,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { HttpGraphQL, sha256Hex, textOf, type HttpAnswer } from '../helpers/persisted-queries';
import { itProductionProfile, startTestApp, type TestApp } from '../helpers/test-app';

// Issue 18: persisted queries over GET, Cache-Control from the schema's hints and the shared
// response cache. The test app turns the cache off (TTL 0) for every other file; here it is on,
// short, so that "after the TTL" is a short sleep (never a timed assertion: what is checked after
// it is only what the answer says).
const TTL_SECONDS = 2;
const PUBLIC_LISTING = 'public, max-age=10';
const NO_STORE = 'private, no-store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Just past the TTL: every answer kept before now has expired on every instance. */
const pastTheTtl = () => sleep(TTL_SECONDS * 1000 + 300);

const LISTING = textOf(ProductsDocument);
const PRODUCT = textOf(ProductDocument);

let t: TestApp;
let http: HttpGraphQL;
let admin: TestAccount;
let seller: TestAccount;
let otherSeller: TestAccount;
let customerA: TestAccount;
let customerB: TestAccount;

beforeAll(async () => {
  t = await startTestApp({ ADMIN_INVITE_CODE: TEST_INVITE_CODE, RESPONSE_CACHE_TTL_SECONDS: String(TTL_SECONDS) });
  http = new HttpGraphQL(`${t.url}/graphql`);
  admin = await signUpAs(t.client, 'ADMIN');
  seller = await signUpAs(t.client, 'SELLER');
  otherSeller = await signUpAs(t.client, 'SELLER');
  customerA = await signUpAs(t.client, 'CUSTOMER');
  customerB = await signUpAs(t.client, 'CUSTOMER');
});
afterAll(() => t?.close());

/** A category of its own with products in it, so no other test's cached listing is in the way. */
async function shelf(products: Array<{ price?: number; stock?: number }> = [{}]) {
  const category = await createCategory(t.client, admin.token);
  const created = [];
  for (const input of products) created.push(await createProduct(t.client, seller.token, { categoryId: category.id, ...input }));
  return { categoryId: category.id, products: created };
}

const listingOf = (categoryId: string) => ({ first: 20, categoryId });
const nodesOf = (answer: HttpAnswer<ProductsQuery>) => answer.data?.products.edges.map((e) => e.node) ?? [];
const priceIn = (answer: HttpAnswer<ProductsQuery>, id: string) => nodesOf(answer).find((n) => n.id === id)?.price;
const codesOf = (answer: HttpAnswer<unknown>) => (answer.errors ?? []).map((e) => e.extensions?.code);

describe('automatic persisted queries over GET', () => {
  it('a GET by an unknown hash answers PERSISTED_QUERY_NOT_FOUND, and that refusal is never public', async () => {
    const text = `query NeverSent { categories { id name } } # ${Math.random()}`;
    const answer = await http.getByHash(text);
    expect(codesOf(answer)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(answer.data ?? null).toBeNull();
    expect(answer.cacheControl).toMatch(/^private, /);
    expect(answer.cacheControl).not.toContain('public');
    // Still unknown: asking did not register anything.
    expect(codesOf(await http.getByHash(text))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('a POST with the text and its hash registers it; a GET by the hash then answers the same data as the POST', async () => {
    const { categoryId } = await shelf([{ price: 1000 }, { price: 2000 }]);
    const variables = listingOf(categoryId);
    expect(codesOf(await http.getByHash<ProductsQuery>(LISTING, variables))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const registered = await http.register<ProductsQuery>(LISTING, variables);
    expect(registered.status).toBe(200);
    expect(registered.errors).toBeUndefined();
    expect(nodesOf(registered)).toHaveLength(2);

    const byHash = await http.getByHash<ProductsQuery>(LISTING, variables);
    expect(byHash.status).toBe(200);
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toEqual(registered.data);
    // The plain POST (no hash) and a GET with the text say the same.
    expect((await http.post<ProductsQuery>({ query: LISTING, variables })).data).toEqual(registered.data);
    expect((await http.getText<ProductsQuery>(LISTING, variables)).data).toEqual(registered.data);
  });

  it('a hash that does not match the text is refused (BAD_REQUEST) and registers nothing', async () => {
    const text = `{ categories { id } } # ${Math.random()}`;
    const lying = await http.post({ query: text, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(`${text} `) } } });
    expect(codesOf(lying)).toEqual(['BAD_REQUEST']);
    expect(lying.cacheControl).toBe(NO_STORE);
    expect(codesOf(await http.getByHash(`${text} `))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('a text over 10,000 characters still runs, but is not kept (the client sends it again)', async () => {
    const text = `query Long { categories { id } }\n#${'x'.repeat(10_100)}`;
    const registered = await http.register(text);
    expect(registered.errors).toBeUndefined();
    expect(registered.data).toEqual({ categories: expect.any(Array) });
    expect(codesOf(await http.getByHash(text))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  itProductionProfile('a hash registered on one instance is answered by the other, both ways', async () => {
    const peer = await t.startPeer();
    try {
      const peerHttp = new HttpGraphQL(`${peer.url}/graphql`);
      const { categoryId, products } = await shelf([{ price: 3100 }]);
      const variables = listingOf(categoryId);

      const registered = await http.register<ProductsQuery>(LISTING, variables);
      const onPeer = await peerHttp.getByHash<ProductsQuery>(LISTING, variables);
      expect(onPeer.errors).toBeUndefined();
      expect(onPeer.data).toEqual(registered.data);

      const text = `query OnPeer($id: ID!) { product(id: $id) { id price } } # ${Math.random()}`;
      const viaPeer = await peerHttp.register<ProductQuery>(text, { id: products[0].id });
      expect(viaPeer.data?.product?.price).toBe(3100);
      const here = await http.getByHash<ProductQuery>(text, { id: products[0].id });
      expect(here.errors).toBeUndefined();
      expect(here.data).toEqual(viaPeer.data);
    } finally {
      await peer.close();
    }
  });
});

describe('Cache-Control, Vary and Age', () => {
  it('the anonymous listing is public for 10 s over GET and POST, varying on Accept and Origin', async () => {
    const { categoryId } = await shelf();
    for (const answer of [
      await http.getText(LISTING, listingOf(categoryId)),
      await http.post({ query: LISTING, variables: listingOf(categoryId) }),
      await http.register(LISTING, listingOf(categoryId)),
      await http.getByHash(LISTING, listingOf(categoryId)),
    ]) {
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.cacheControl).toBe(PUBLIC_LISTING);
      const vary = (answer.headers.get('vary') ?? '').toLowerCase();
      expect(vary).toContain('accept');
      expect(vary).toContain('origin');
    }
  });

  it('categories alone are public for 60 s, carriers for an hour', async () => {
    expect((await http.getText('{ categories { id name } }')).cacheControl).toBe('public, max-age=60');
    expect((await http.getText('{ carriers { code name } }')).cacheControl).toBe('public, max-age=3600');
  });

  it('a second identical GET is served from the shared cache: the same body, with an Age header', async () => {
    const { categoryId } = await shelf([{ price: 4100 }]);
    const first = await http.getText(LISTING, listingOf(categoryId));
    expect(first.age).toBeNull();
    const second = await http.getText(LISTING, listingOf(categoryId));
    expect(second.text).toBe(first.text);
    expect(second.cacheControl).toBe(PUBLIC_LISTING);
    expect(Number(second.age)).toBeGreaterThanOrEqual(0);
    expect(Number(second.age)).toBeLessThanOrEqual(TTL_SECONDS);
    // The same operation by its hash, and over POST, share the entry (same text, same variables).
    await http.register(LISTING, listingOf(categoryId));
    expect((await http.getByHash(LISTING, listingOf(categoryId))).text).toBe(first.text);
  });

  it('the cache tells apart the variables and the operation named in one document', async () => {
    const one = await shelf([{ price: 4200 }]);
    const two = await shelf([{ price: 4300 }]);
    for (let round = 0; round < 2; round++) {
      expect(nodesOf(await http.getText<ProductsQuery>(LISTING, listingOf(one.categoryId))).map((n) => n.price)).toEqual([4200]);
      expect(nodesOf(await http.getText<ProductsQuery>(LISTING, listingOf(two.categoryId))).map((n) => n.price)).toEqual([4300]);
    }
    const document = `query Shelf { categories { id } } query Carriers { carriers { code } } query Mine { me { id } } # ${Math.random()}`;
    for (let round = 0; round < 2; round++) {
      const shelfAnswer = await http.getText(document, undefined, { operationName: 'Shelf' });
      expect(Object.keys(shelfAnswer.data ?? {})).toEqual(['categories']);
      expect(shelfAnswer.cacheControl).toBe('public, max-age=60');
      const carriers = await http.getText(document, undefined, { operationName: 'Carriers' });
      expect(Object.keys(carriers.data ?? {})).toEqual(['carriers']);
      expect(carriers.cacheControl).toBe('public, max-age=3600');
      const mine = await http.getText(document, undefined, { operationName: 'Mine' });
      expect(mine.data).toEqual({ me: null });
      expect(mine.cacheControl).toBe(NO_STORE);
    }
  });

  it('__typename alone is not public (no field gives the answer a maxAge)', async () => {
    const answer = await http.getText('{ __typename }');
    expect(answer.data).toEqual({ __typename: 'Query' });
    expect(answer.cacheControl).toBe(NO_STORE);
  });

  it('any Authorization header (a valid token, a bad one) makes the answer private, no-store, and never a cached one', async () => {
    const { categoryId } = await shelf();
    const anonymous = await http.getText(LISTING, listingOf(categoryId));
    expect(anonymous.cacheControl).toBe(PUBLIC_LISTING);
    for (const options of [
      { token: customerA.token },
      { token: seller.token },
      { token: 'not-a-token' },
      { headers: { authorization: 'Basic dXNlcjpwYXNz' } },
    ]) {
      for (const answer of [
        await http.getText(LISTING, listingOf(categoryId), options),
        await http.post({ query: LISTING, variables: listingOf(categoryId) }, options),
      ]) {
        expect({ options, cacheControl: answer.cacheControl, age: answer.age }).toEqual({ options, cacheControl: NO_STORE, age: null });
      }
    }
  });

  it.each([
    ['me', textOf(MeDocument)],
    ["a seller's email", '{ products(first: 5) { edges { node { id seller { name email } } } } }'],
    ['heldStock', '{ products(first: 5) { edges { node { id heldStock } } } }'],
    ['the cart', textOf(CartDocument)],
    ['orders', textOf(OrdersDocument)],
    ['myProducts', textOf(MyProductsDocument)],
    ['a public listing with me beside it', '{ products(first: 5) { totalCount } me { id } }'],
    ['a personal field under @include(if: false)', '{ products(first: 5) { edges { node { id heldStock @include(if: false) } } } }'],
  ])('an anonymous answer touching %s is private, no-store, and not kept', async (_name, query) => {
    await createProduct(t.client, seller.token);
    const first = await http.getText(query);
    expect(first.status).toBeLessThan(500);
    expect(first.cacheControl).toBe(NO_STORE);
    const second = await http.getText(query);
    expect(second.cacheControl).toBe(NO_STORE);
    expect(second.age).toBeNull();
  });

  it('personal answers to a signed-in caller are private, no-store too', async () => {
    for (const [query, token] of [
      [textOf(MeDocument), customerA.token],
      [textOf(CartDocument), customerA.token],
      [textOf(MyProductsDocument), seller.token],
    ] as const) {
      const answer = await http.getText(query, undefined, { token });
      expect(answer.errors).toBeUndefined();
      expect(answer.cacheControl).toBe(NO_STORE);
    }
  });

  it('a validation error is private, no-store, and answered afresh each time', async () => {
    for (let i = 0; i < 2; i++) {
      for (const answer of [await http.getText('{ products { nope } }'), await http.post({ query: '{ products { nope } }' })]) {
        expect(answer.status).toBe(400);
        expect(codesOf(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
        expect(answer.cacheControl).toBe(NO_STORE);
        expect(answer.age).toBeNull();
      }
    }
  });

  it('a BAD_USER_INPUT answer is private, no-store, and never served from the cache', async () => {
    const query = '{ products(minPrice: 5000, maxPrice: 10) { totalCount } }';
    for (let i = 0; i < 2; i++) {
      const answer = await http.getText(query);
      expect(codesOf(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.cacheControl).toBe(NO_STORE);
      expect(answer.age).toBeNull();
    }
  });

  it('an error is not kept: the same request succeeds as soon as what it lacked exists, well within the TTL', async () => {
    // The listing of a category that does not exist yet is NOT_FOUND; ids are sequential here.
    const before = await createCategory(t.client, admin.token);
    const next = String(Number(before.id) + 1);
    const refused = await http.getText<ProductsQuery>(LISTING, listingOf(next));
    expect(codesOf(refused)).toEqual(['NOT_FOUND']);
    expect(refused.cacheControl).toBe(NO_STORE);

    const created = await createCategory(t.client, admin.token);
    expect(created.id).toBe(next);
    const answered = await http.getText<ProductsQuery>(LISTING, listingOf(next));
    expect(answered.errors).toBeUndefined();
    expect(answered.age).toBeNull();
    expect(answered.data?.products.totalCount).toBe(0);
    expect(answered.cacheControl).toBe(PUBLIC_LISTING);
  });
});

describe('what GET and cross-site requests may not do', () => {
  let productId: string;
  beforeAll(async () => {
    productId = (await createProduct(t.client, seller.token, { price: 7000, stock: 50 })).id;
  });
  const cartOf = async (customer: TestAccount) =>
    (await t.client.ok(CartDocument, {}, { token: customer.token })).cart.lines.map((l) => ({ id: l.product.id, quantity: l.quantity }));
  const ADD = 'mutation Add($productId: ID!, $quantity: Int!) { addToCart(productId: $productId, quantity: $quantity) { totalAmount } }';

  it('a mutation over GET is refused with 405 and does not run, by text or by a registered hash', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const byText = await http.getText(ADD, { productId, quantity: 1 }, { token: customer.token });
    expect(byText.status).toBe(405);
    expect(byText.cacheControl).toBe(NO_STORE);
    expect(await cartOf(customer)).toEqual([]);

    // Registered over POST (which runs it once), then replayed over GET by its hash.
    const registered = await http.register(ADD, { productId, quantity: 1 }, { token: customer.token });
    expect(registered.errors).toBeUndefined();
    const byHash = await http.getByHash(ADD, { productId, quantity: 1 }, { token: customer.token });
    expect(byHash.status).toBe(405);
    expect(await cartOf(customer)).toEqual([{ id: productId, quantity: 1 }]);
  });

  it('a simple cross-site POST (text/plain, form-encoded) is refused with 400 and does not run', async () => {
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const body = JSON.stringify({ query: ADD, variables: { productId, quantity: 1 } });
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded']) {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': contentType, origin: 'https://evil.example', authorization: `Bearer ${customer.token}` },
        body,
      });
      expect({ contentType, status: res.status, cacheControl: res.headers.get('cache-control') }).toEqual({
        contentType,
        status: 400,
        cacheControl: NO_STORE,
      });
    }
    expect(await cartOf(customer)).toEqual([]);
  });

  it('a multipart POST without the preflight header is refused with 400 and does not run', async () => {
    const before = (await t.client.ok(ProductDocument, { id: productId })).product?.price;
    const form = () => {
      const data = new FormData();
      const query = 'mutation ($id: ID!) { updateProduct(id: $id, input: { price: 1 }) { price } }';
      data.append('operations', JSON.stringify({ query, variables: { id: productId } }));
      data.append('map', '{}');
      return data;
    };
    const withToken = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      body: form(),
      headers: { authorization: `Bearer ${seller.token}` },
    });
    expect(withToken.status).toBe(400);
    // Without a token (what a cross-site page can send), the upload gate refuses it first.
    const anonymous = await fetch(`${t.url}/graphql`, { method: 'POST', body: form() });
    expect(anonymous.status).toBe(401);
    expect((await t.client.ok(ProductDocument, { id: productId })).product?.price).toBe(before);
  });
});

describe('freshness: a change shows once the TTL has passed', () => {
  /** Reads the listing anonymously within the TTL: stale only if it came from the cache (an Age header). */
  async function readWithinTtl(reader: HttpGraphQL, categoryId: string, first: HttpAnswer<ProductsQuery>) {
    const answer = await reader.getText<ProductsQuery>(LISTING, listingOf(categoryId));
    expect(answer.errors).toBeUndefined();
    if (answer.age !== null) expect(answer.text).toBe(first.text);
    return answer;
  }

  it("a seller's price change", async () => {
    const { categoryId, products } = await shelf([{ price: 12000 }]);
    const id = products[0].id;
    const first = await http.getText<ProductsQuery>(LISTING, listingOf(categoryId));
    expect(priceIn(first, id)).toBe(12000);
    const cachedProduct = await http.getText<ProductQuery>(PRODUCT, { id });
    expect(cachedProduct.data?.product?.price).toBe(12000);

    await t.client.ok(UpdateProductDocument, { id, input: { price: 15000 } }, { token: seller.token });
    const within = await readWithinTtl(http, categoryId, first);
    expect(priceIn(within, id)).toBe(within.age === null ? 15000 : 12000);

    await pastTheTtl();
    expect(priceIn(await http.getText<ProductsQuery>(LISTING, listingOf(categoryId)), id)).toBe(15000);
    expect((await http.getText<ProductQuery>(PRODUCT, { id })).data?.product?.price).toBe(15000);
    expect((await http.post<ProductsQuery>({ query: LISTING, variables: listingOf(categoryId) })).data?.products.edges[0].node.price).toBe(
      15000,
    );
  });

  it('a product its seller hides leaves the listing, and product(id) answers null', async () => {
    const { categoryId, products } = await shelf([{}, {}]);
    const [hidden, kept] = products.map((p) => p.id);
    const first = await http.getText<ProductsQuery>(LISTING, listingOf(categoryId));
    expect(
      nodesOf(first)
        .map((n) => n.id)
        .sort(),
    ).toEqual([hidden, kept].sort());
    expect((await http.getText<ProductQuery>(PRODUCT, { id: hidden })).data?.product?.id).toBe(hidden);

    await t.client.ok(UpdateProductDocument, { id: hidden, input: { status: 'HIDDEN' } }, { token: seller.token });
    await readWithinTtl(http, categoryId, first);

    await pastTheTtl();
    const after = await http.getText<ProductsQuery>(LISTING, listingOf(categoryId));
    expect(nodesOf(after).map((n) => n.id)).toEqual([kept]);
    expect(after.data?.products.totalCount).toBe(1);
    expect((await http.getText<ProductQuery>(PRODUCT, { id: hidden })).data).toEqual({ product: null });
  });

  it('a product that sells out through an order', async () => {
    const { categoryId, products } = await shelf([{ stock: 2 }]);
    const id = products[0].id;
    const first = await http.getText<ProductsQuery>(LISTING, listingOf(categoryId));
    expect(nodesOf(first)[0]).toMatchObject({ id, stock: 2, status: 'ON_SALE' });
    await http.getText<ProductQuery>(PRODUCT, { id });

    await orderProducts(t.client, customerA.token, [{ productId: id, quantity: 2 }]);
    await readWithinTtl(http, categoryId, first);

    await pastTheTtl();
    const after = await http.getText<ProductsQuery>(LISTING, listingOf(categoryId));
    expect(nodesOf(after).map((n) => ({ id: n.id, stock: n.stock, status: n.status }))).toEqual([{ id, stock: 0, status: 'SOLD_OUT' }]);
    expect((await http.getText<ProductQuery>(PRODUCT, { id })).data?.product).toMatchObject({ stock: 0, status: 'SOLD_OUT' });
  });

  it('a product its seller restocks to 0', async () => {
    const { categoryId, products } = await shelf([{ stock: 8 }]);
    const id = products[0].id;
    const first = await http.getText<ProductsQuery>(LISTING, listingOf(categoryId));
    expect(nodesOf(first)[0]).toMatchObject({ id, stock: 8 });

    await t.client.ok(UpdateProductDocument, { id, input: { stock: 0 } }, { token: seller.token });
    await readWithinTtl(http, categoryId, first);

    await pastTheTtl();
    const after = await http.getText<ProductsQuery>(LISTING, listingOf(categoryId));
    expect(nodesOf(after)[0]).toMatchObject({ id, stock: 0, status: 'SOLD_OUT' });
  });

  itProductionProfile('an answer cached by the other instance expires there and here alike', async () => {
    const peer = await t.startPeer();
    try {
      const peerHttp = new HttpGraphQL(`${peer.url}/graphql`);
      const { categoryId, products } = await shelf([{ price: 5000, stock: 3 }]);
      const id = products[0].id;
      // Made on the peer (kept in Redis and in the peer's process), then read here from Redis.
      const first = await peerHttp.getText<ProductsQuery>(LISTING, listingOf(categoryId));
      expect(priceIn(first, id)).toBe(5000);
      const here = await http.getText<ProductsQuery>(LISTING, listingOf(categoryId));
      expect(here.text).toBe(first.text);

      await t.client.ok(UpdateProductDocument, { id, input: { price: 5500 } }, { token: seller.token });
      const withinHere = await readWithinTtl(http, categoryId, first);
      expect(priceIn(withinHere, id)).toBe(withinHere.age === null ? 5500 : 5000);
      await readWithinTtl(peerHttp, categoryId, first);

      await pastTheTtl();
      expect(priceIn(await http.getText<ProductsQuery>(LISTING, listingOf(categoryId)), id)).toBe(5500);
      expect(priceIn(await peerHttp.getText<ProductsQuery>(LISTING, listingOf(categoryId)), id)).toBe(5500);

      // The same through an order placed on the peer, read here.
      const beforeOrder = await peerHttp.getText<ProductsQuery>(LISTING, listingOf(categoryId));
      await orderProducts(peer.client, customerB.token, [{ productId: id, quantity: 3 }]);
      await readWithinTtl(http, categoryId, beforeOrder);
      await pastTheTtl();
      expect(nodesOf(await http.getText<ProductsQuery>(LISTING, listingOf(categoryId)))[0]).toMatchObject({ stock: 0, status: 'SOLD_OUT' });
      expect(nodesOf(await peerHttp.getText<ProductsQuery>(LISTING, listingOf(categoryId)))[0]).toMatchObject({
        stock: 0,
        status: 'SOLD_OUT',
      });
    } finally {
      await peer.close();
    }
  });
});

describe('never shared between callers', () => {
  it('a hidden product: its seller gets it, anonymous callers get null, whoever asks first (GET, by text and by hash)', async () => {
    for (const ownerFirst of [false, true]) {
      const { products } = await shelf([{ price: 9100 }]);
      const id = products[0].id;
      await t.client.ok(UpdateProductDocument, { id, input: { status: 'HIDDEN' } }, { token: seller.token });
      const owner = () => http.getText<ProductQuery>(PRODUCT, { id }, { token: seller.token });
      const anonymous = () => http.getText<ProductQuery>(PRODUCT, { id });
      await http.register(PRODUCT, { id });
      const steps = ownerFirst ? [owner, anonymous, owner, anonymous] : [anonymous, owner, anonymous, owner];
      for (const step of steps) {
        const answer = await step();
        expect(answer.errors).toBeUndefined();
        if (step === owner) {
          expect(answer.data?.product).toMatchObject({ id, price: 9100, status: 'HIDDEN' });
          expect(answer.cacheControl).toBe(NO_STORE);
          expect(answer.age).toBeNull();
        } else {
          expect(answer.data).toEqual({ product: null });
          expect(answer.cacheControl).toBe(PUBLIC_LISTING);
        }
      }
      // By hash: the same split, with the same hash.
      expect((await http.getByHash<ProductQuery>(PRODUCT, { id }, { token: seller.token })).data?.product?.id).toBe(id);
      expect((await http.getByHash<ProductQuery>(PRODUCT, { id })).data).toEqual({ product: null });
      expect((await http.getByHash<ProductQuery>(PRODUCT, { id }, { token: otherSeller.token })).data).toEqual({ product: null });
      expect((await http.getByHash<ProductQuery>(PRODUCT, { id }, { token: seller.token })).data?.product?.id).toBe(id);
    }
  });

  it('myProducts by hash: each seller gets their own, anonymous callers get UNAUTHENTICATED, in either order', async () => {
    const { products } = await shelf([{ price: 9200 }]);
    const id = products[0].id;
    await t.client.ok(UpdateProductDocument, { id, input: { status: 'HIDDEN' } }, { token: seller.token });
    const query = textOf(MyProductsDocument);
    const variables = { first: 20, status: 'HIDDEN' };
    const mine = async (token?: string) => {
      const answer = await http.getByHash<MyProductsQuery>(query, variables, { token });
      return {
        ids: answer.data?.myProducts.edges.map((e) => e.node.id) ?? null,
        codes: codesOf(answer),
        cacheControl: answer.cacheControl,
      };
    };

    const anonymousFirst = await http.register<MyProductsQuery>(query, variables);
    expect(codesOf(anonymousFirst)).toEqual(['UNAUTHENTICATED']);
    expect(anonymousFirst.cacheControl).toBe(NO_STORE);
    for (let round = 0; round < 2; round++) {
      const owner = await mine(seller.token);
      expect(owner.ids).toContain(id);
      expect(owner.cacheControl).toBe(NO_STORE);
      expect(await mine()).toEqual({ ids: null, codes: ['UNAUTHENTICATED'], cacheControl: NO_STORE });
      const other = await mine(otherSeller.token);
      expect(other.ids).not.toContain(id);
      expect(other.cacheControl).toBe(NO_STORE);
    }
  });

  it("customer A's cart and orders never reach customer B or an anonymous caller through GET by hash", async () => {
    const { products } = await shelf([{ price: 3300, stock: 20 }]);
    const productId = products[0].id;
    const a = await signUpAs(t.client, 'CUSTOMER');
    const b = await signUpAs(t.client, 'CUSTOMER');
    const order = await orderProducts(t.client, a.token, [{ productId, quantity: 2 }]);
    await t.client.ok(AddToCartDocument, { productId, quantity: 3 }, { token: a.token });

    const cart = textOf(CartDocument);
    const orders = textOf(OrdersDocument);
    // Anonymous first, then A, then B, then anonymous again; A registers the texts.
    expect(codesOf(await http.getByHash(cart))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const aCart = await http.register<CartQuery>(cart, undefined, { token: a.token });
    expect(aCart.data?.cart.lines.map((l) => l.product.id)).toEqual([productId]);
    expect(aCart.data).toEqual(await t.client.ok(CartDocument, {}, { token: a.token }));
    const aOrders = await http.register<OrdersQuery>(orders, undefined, { token: a.token });
    expect(aOrders.data?.orders.edges.map((e) => e.node.orderId)).toEqual([order.orderId]);

    for (const reader of [undefined, a, b, undefined, b, a]) {
      const cartAnswer = await http.getByHash<CartQuery>(cart, undefined, { token: reader?.token });
      const ordersAnswer = await http.getByHash<OrdersQuery>(orders, undefined, { token: reader?.token });
      for (const answer of [cartAnswer, ordersAnswer]) {
        expect(answer.cacheControl).toBe(NO_STORE);
        expect(answer.age).toBeNull();
      }
      if (!reader) {
        expect(codesOf(cartAnswer)).toEqual(['UNAUTHENTICATED']);
        expect(codesOf(ordersAnswer)).toEqual(['UNAUTHENTICATED']);
        expect(cartAnswer.text).not.toContain(productId);
        expect(ordersAnswer.text).not.toContain(order.orderId);
      } else if (reader === a) {
        expect(cartAnswer.data).toEqual(aCart.data);
        expect(ordersAnswer.data?.orders.edges.map((e) => e.node.orderId)).toEqual([order.orderId]);
      } else {
        expect(cartAnswer.data?.cart).toMatchObject({ lines: [], totalAmount: 0 });
        expect(ordersAnswer.data?.orders).toMatchObject({ edges: [], totalCount: 0 });
      }
    }
  });
});

describe('RESPONSE_CACHE_TTL_SECONDS=0', () => {
  let off: TestApp;
  let offHttp: HttpGraphQL;
  let offSeller: TestAccount;
  beforeAll(async () => {
    off = await startTestApp({ RESPONSE_CACHE_TTL_SECONDS: '0' });
    offHttp = new HttpGraphQL(`${off.url}/graphql`);
    offSeller = await signUpAs(off.client, 'SELLER');
  });
  afterAll(() => off?.close());

  it('answers are still public for a CDN, but every request executes: an edit shows at once', async () => {
    const id = (await createProduct(off.client, offSeller.token, { price: 2000 })).id;
    const first = await offHttp.getText<ProductQuery>(PRODUCT, { id });
    expect(first.cacheControl).toBe(PUBLIC_LISTING);
    expect(first.data?.product?.price).toBe(2000);
    const again = await offHttp.getText<ProductQuery>(PRODUCT, { id });
    expect(again.age).toBeNull();
    expect(again.cacheControl).toBe(PUBLIC_LISTING);

    for (const price of [2100, 2200]) {
      await off.client.ok(UpdateProductDocument, { id, input: { price } }, { token: offSeller.token });
      const read = await offHttp.getText<ProductQuery>(PRODUCT, { id });
      expect({ price: read.data?.product?.price, age: read.age }).toEqual({ price, age: null });
      const listed = await offHttp.getText<ProductsQuery>(LISTING, { first: 20 });
      expect(priceIn(listed, id)).toBe(price);
      expect(listed.cacheControl).toBe(PUBLIC_LISTING);
    }
  });
});
