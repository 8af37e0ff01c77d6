import { parse, type GraphQLSchema } from 'graphql';
import { buildAppSchema } from '../../src/schema/build-schema';
import { MAX_AGE, UNCACHEABLE, cachePolicyOf, type CachePolicy } from '../../src/schema/cache-control';

// The hints as the app's schema carries them (resolvers' @Directive), read before execution (issue 18).
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

const policy = (query: string, operationName?: string): CachePolicy => cachePolicyOf(schema, parse(query), operationName);
const PUBLIC = (maxAge: number): CachePolicy => ({ maxAge, scope: 'PUBLIC' });
const PRIVATE = (maxAge: number): CachePolicy => ({ maxAge, scope: 'PRIVATE' });

const LISTING = `
  query Listing($first: Int, $categoryId: ID) {
    products(first: $first, categoryId: $categoryId) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id name price stock status createdAt
          seller { id name role }
          category { id name parent { name } }
          images { id url position }
        }
      }
    }
  }`;

describe('cachePolicyOf on the app schema: public reads', () => {
  it('reads the hints from a schema built without a container (the one schema:emit uses)', () => {
    expect(MAX_AGE).toEqual({ product: 10, category: 60, image: 60, carrier: 3600 });
    expect(policy('{ categories { id } }')).toEqual(PUBLIC(MAX_AGE.category));
  });

  it('the listing with its seller, category (and parent) and images: public for the smallest maxAge, 10', () => {
    expect(policy(LISTING)).toEqual(PUBLIC(10));
  });

  it.each([
    ['one product', '{ product(id: "1") { id name price seller { name } category { name } images { url } } }', PUBLIC(10)],
    ['the listing count only', '{ products { totalCount } }', PUBLIC(10)],
    ['categories alone', '{ categories { id name parent { id name } } }', PUBLIC(60)],
    ['carriers', '{ carriers { code name nameEn trackingNumberDigits } }', PUBLIC(3600)],
    ['categories and carriers: the smaller maxAge', '{ categories { id } carriers { code } }', PUBLIC(60)],
    ['products, categories and carriers together', '{ products { totalCount } categories { id } carriers { code } }', PUBLIC(10)],
  ])('%s', (_name, query, expected) => {
    expect(policy(query)).toEqual(expected);
  });

  it('__typename adds nothing to a public answer, anywhere', () => {
    expect(policy('{ __typename products { __typename edges { node { __typename id seller { __typename name } } } } }')).toEqual(
      PUBLIC(10),
    );
  });

  it('__typename alone is not cacheable (no field gives it a maxAge)', () => {
    expect(policy('{ __typename }')).toEqual(UNCACHEABLE);
  });

  it('aliases are read by the field they name', () => {
    expect(policy('{ a: categories { id } b: carriers { c: code } }')).toEqual(PUBLIC(60));
    expect(policy('{ list: products { edges { node { who: seller { n: name } } } } }')).toEqual(PUBLIC(10));
    expect(policy('{ list: products { edges { node { who: seller { contact: email } } } } }').scope).toBe('PRIVATE');
  });

  it('public fragments keep the answer public', () => {
    expect(
      policy(`
        query { products { edges { node { ...Card } } } }
        fragment Card on Product { id name ... on Product { price } seller { ...Who } }
        fragment Who on Account { id name }`),
    ).toEqual(PUBLIC(10));
  });
});

describe('cachePolicyOf on the app schema: personal answers are never public', () => {
  it.each([
    ['me', '{ me { id name } }'],
    ['cart', '{ cart { totalAmount lines { quantity product { id name } } } }'],
    ['orders', '{ orders { edges { node { orderId totalAmount } } } }'],
    ['one order', '{ order(orderId: "x") { orderId } }'],
    ['myProducts', '{ myProducts { edges { node { id name price } } } }'],
    ['notifications', '{ notifications { edges { node { id } } } }'],
    ['payment', '{ payment(orderId: "x") { status } }'],
    ['shippingAddresses', '{ shippingAddresses { id } }'],
    ['a public listing together with me', '{ products { totalCount } me { id } }'],
    ['a public listing together with the cart', '{ categories { id } cart { totalAmount } }'],
  ])('%s: uncacheable', (_name, query) => {
    expect(policy(query)).toEqual(UNCACHEABLE);
  });

  // Apollo's rule: a root field with no maxAge of its own takes the default (0), whatever its type
  // says; `inheritMaxAge` only lets a nested field take its parent's. myProducts returns the same
  // ProductConnection (inheritMaxAge) as products, but has no hint: its answer must not become public.
  it("a root field without a maxAge is uncacheable even when its type inherits (myProducts' ProductConnection)", () => {
    expect(policy('{ myProducts { totalCount } }')).toEqual(UNCACHEABLE);
    expect(policy('{ myProducts { edges { node { id status stock } } } }')).toEqual(UNCACHEABLE);
    expect(policy('{ products { totalCount } myProducts { totalCount } }')).toEqual(UNCACHEABLE);
  });

  it.each([
    ['seller { email }', '{ products { edges { node { id seller { name email } } } } }'],
    ['heldStock', '{ products { edges { node { id heldStock } } } }'],
    ["one product's heldStock", '{ product(id: "1") { id heldStock } }'],
    ["one product's seller email", '{ product(id: "1") { seller { email } } }'],
  ])('%s: private', (_name, query) => {
    expect(policy(query)).toEqual(PRIVATE(10));
  });

  it('a personal field reached through a named fragment on an interface (Account) is private', () => {
    expect(
      policy(`
        query { products { edges { node { id seller { ...Contact } } } } }
        fragment Contact on Account { id email }`).scope,
    ).toBe('PRIVATE');
  });

  it('through inline fragments, on the interface or on the object type', () => {
    expect(policy('{ products { edges { node { seller { ... on Account { email } } } } } }').scope).toBe('PRIVATE');
    expect(policy('{ product(id: "1") { seller { ... on Seller { email } } } }').scope).toBe('PRIVATE');
    expect(policy('{ product(id: "1") { ... on Product { ... { heldStock } } } }').scope).toBe('PRIVATE');
  });

  it('through a fragment inside a fragment, and a fragment spread twice', () => {
    expect(
      policy(`
        query { products { edges { node { ...Outer } } } product(id: "1") { ...Outer } }
        fragment Outer on Product { id ...Inner }
        fragment Inner on Product { seller { email } }`).scope,
    ).toBe('PRIVATE');
  });

  it('a fragment on the root type carries its fields like any other', () => {
    expect(policy('query { ...Root } fragment Root on Query { categories { id } }')).toEqual(PUBLIC(60));
    expect(policy('query { ...Root } fragment Root on Query { categories { id } me { id } }')).toEqual(UNCACHEABLE);
  });

  it('@skip / @include on a personal field: still private (an answer is never more cacheable than what it could hold)', () => {
    for (const directive of ['@skip(if: true)', '@include(if: false)', '@skip(if: $no)', '@include(if: $no)'])
      expect(policy(`query ($no: Boolean = false) { products { edges { node { id heldStock ${directive} } } } }`).scope).toBe('PRIVATE');
    expect(policy('query ($no: Boolean = false) { products { totalCount } me @include(if: $no) { id } }')).toEqual(UNCACHEABLE);
    expect(policy('{ product(id: "1") { seller { ... on Seller @skip(if: true) { email } } } }').scope).toBe('PRIVATE');
  });

  it('mutations (even one returning public types) and subscriptions are uncacheable', () => {
    expect(policy('mutation { deleteProduct(id: "1") }')).toEqual(UNCACHEABLE);
    expect(policy('mutation ($i: CategoryInput!) { createCategory(input: $i) { id name } }')).toEqual(UNCACHEABLE);
    expect(policy('mutation ($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { id price } }')).toEqual(UNCACHEABLE);
    expect(policy('subscription { sellerOrderEvents { __typename } }')).toEqual(UNCACHEABLE);
  });
});

describe('cachePolicyOf: documents with several operations', () => {
  const DOCUMENT = `
    query Shelf { categories { id } }
    query Listing { products { edges { node { id seller { name } } } } }
    query Contact { products { edges { node { seller { email } } } } }
    query Mine { me { id } }
    mutation Drop { deleteProduct(id: "1") }`;

  it('each operation is judged on its own, named by operationName', () => {
    const document = parse(DOCUMENT);
    expect(cachePolicyOf(schema, document, 'Shelf')).toEqual(PUBLIC(60));
    expect(cachePolicyOf(schema, document, 'Listing')).toEqual(PUBLIC(10));
    expect(cachePolicyOf(schema, document, 'Contact')).toEqual(PRIVATE(10));
    expect(cachePolicyOf(schema, document, 'Mine')).toEqual(UNCACHEABLE);
    expect(cachePolicyOf(schema, document, 'Drop')).toEqual(UNCACHEABLE);
    // Memoized per document and name: asking again in another order gives the same answers.
    expect(cachePolicyOf(schema, document, 'Mine')).toEqual(UNCACHEABLE);
    expect(cachePolicyOf(schema, document, 'Shelf')).toEqual(PUBLIC(60));
  });

  it('without an operationName, or with an unknown one, a document of several operations is uncacheable', () => {
    const document = parse(DOCUMENT);
    expect(cachePolicyOf(schema, document)).toEqual(UNCACHEABLE);
    expect(cachePolicyOf(schema, document, null)).toEqual(UNCACHEABLE);
    expect(cachePolicyOf(schema, document, 'Nope')).toEqual(UNCACHEABLE);
  });

  it('a single operation needs no name, and a wrong name does not pick it', () => {
    expect(cachePolicyOf(schema, parse('query Shelf { categories { id } }'))).toEqual(PUBLIC(60));
    expect(cachePolicyOf(schema, parse('query Shelf { categories { id } }'), 'Other')).toEqual(UNCACHEABLE);
  });
});
