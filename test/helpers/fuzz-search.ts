import fc from 'fast-check';
import type { TestAccount } from '../factories/accounts';
import { createCategory, createProduct } from '../factories/catalog';
import type { GraphQLClient } from './graphql-client';
import { anyCursor, anyFirst, anyIdOr, anyInt, anyString, known, maybe, type Case } from './fuzz-inputs';

/** What the fuzzer draws from for product search (issue #17): `products(...)` and `myProducts(...)`. */

/** Search strings that have broken search engines: SQL wildcards and quotes, odd Unicode, the limits' edges. */
// prettier-ignore
export const NASTY_SEARCHES = [
  '%', '_', '\\', '%%', '%_%', '\\%', '\\_', '100%', 'a_c', '100%_cotton', '[a-z]', '*', '?', '.*', '^$', '$1', "'", '"', "''",
  '`', "' or 1=1 --", '"; drop table product; --', "\\'", '\\"', 'x\\', '\\\\', '\u0000', 'a\u0000b', 'a\ud800', '\udc00b',
  '\ud800\udc00', '\udbff', 'x'.repeat(100), 'x'.repeat(101), '가'.repeat(100), '가'.repeat(101), '😀'.repeat(100), '😀'.repeat(101),
  '𠀀'.repeat(100), '𠀀'.repeat(101), ' '.repeat(101), 'ﷺ'.repeat(100), 'ﷺ', 'a b c d e f g h', 'a b c d e f g h i',
  'ab cd ef gh ij kl mn op qr', 'a b c d e f g h !', 'a a a a a a a a a', '😀', '👨‍👩‍👧‍👦', '🇰🇷', '𠀀', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'e\u0301',
  '\u0301', 'e' + '\u0301'.repeat(99), 'e' + '\u0301'.repeat(100), 'Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334',
  'ㅋㅋ', 'ㅋㅏ', 'ᄏᄏ', '\u1100\u1161\u11a8', '\u11a8', '나이키운동화', 'שלום עולם', 'مرحبا', '\u202eabc\u202c', '\u200fשלום',
  '\u2067x\u2069', 'a\u200db', '\u200d', '\u200b', '\ufeff', '\u00ad', '\u2060', '\u180e',
  ' \t\n\r\u000b\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u0085',
  'a\u3000b', 'a\u00a0b', 'a\u2028b', 'a\u0085b', '', ' ', '!!!', '...', '-_-', '　', '㍿', 'ǅ', 'İstanbul', 'ß', 'ﬃ', 'Ⅻ', '①②',
  '０１２', 'ΚΟΣ', 'ς', '\ufffd', '\uffff', '\ue000', '\u{10ffff}', '\u{e0001}',
];
/** The pieces a search is made of: nasty strings, random text, several of them as words. */
export const anySearch = maybe(
  fc.oneof(
    fc.constantFrom(null, ...NASTY_SEARCHES),
    fc.array(fc.constantFrom(...NASTY_SEARCHES.filter((s) => s.length < 20)), { minLength: 1, maxLength: 10 }).map((w) => w.join(' ')),
    fc.fullUnicodeString({ maxLength: 120 }),
    fc.string({ maxLength: 120 }),
    anyString,
  ),
);
/** Price bounds: the Int junk, the edges of 0..100000000, values GraphQL's Int refuses. */
const anyPrice = maybe(
  fc.oneof(
    anyInt,
    fc.constantFrom(null, 0, 1, 99_999_999, 100_000_000, 100_000_001, -1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 1.5, -0, 1e21),
    fc.constantFrom('1', '', 'NaN', true, [], {}) as fc.Arbitrary<never>,
  ),
);
const SORTS = ['NEWEST', 'NAME', 'PRICE_ASC', 'PRICE_DESC', 'RELEVANCE'];
const anySort = maybe(fc.constantFrom(null, ...SORTS, 'RANKED', 'nope', ''));
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** What the search cases act on: real cursors of every sort (to use with the others), a category, hidden and deleted products. */
export type SearchFixtures = { cursors: string[]; categoryId: string; hiddenId: string; deletedId: string; sellerId: string };

/** Creates the SearchFixtures: a few products of the seller's (one hidden, one deleted), and a cursor of each sort of each listing. */
export async function searchFixtures(client: GraphQLClient, seller: TestAccount, admin: TestAccount): Promise<SearchFixtures> {
  const categoryId = (await createCategory(client, admin.token)).id;
  const names = ['100%_cotton 셔츠', 'abc', 'ㅋㅋ 양말', '😀 쿠션', '𠀀 도장', 'שלום'];
  for (const [i, name] of names.entries()) await createProduct(client, seller.token, { name, price: 1000 * (i + 1), categoryId });
  const hiddenId = (await createProduct(client, seller.token, { name: '숨김 cotton', status: 'HIDDEN' })).id;
  const deletedId = (await createProduct(client, seller.token, { name: '삭제 cotton' })).id;
  await client.raw('mutation($id: ID!) { deleteProduct(id: $id) }', { id: deletedId }, { token: seller.token });
  const cursors: string[] = [];
  for (const field of ['products', 'myProducts']) {
    for (const sort of SORTS) {
      for (const search of [null, 'cotton']) {
        const res = await client.raw<Record<string, { pageInfo: { endCursor: string | null } }>>(
          `query($s: ProductSort, $q: String) { ${field}(first: 1, sort: $s, search: $q) { pageInfo { endCursor } } }`,
          { s: sort, q: search },
          { token: seller.token },
        );
        const cursor = res.data?.[field].pageInfo.endCursor;
        if (cursor) cursors.push(cursor);
      }
    }
  }
  return { cursors, categoryId, hiddenId, deletedId, sellerId: seller.id };
}

/** Cursors: junk, each sort's well-formed ones at and past the edges, the real ones of every sort (mostly another's). */
const anyListCursor = (f: () => SearchFixtures) =>
  maybe(
    fc.oneof(
      fc.constantFrom(...SORTS, 'RANKED').chain((sort) => anyCursor(sort)),
      known(() => f().cursors).chain((cursors) => fc.constantFrom(...cursors)),
      fc.constantFrom(
        b64(['RANKED', '0:8640000000000000', 1]),
        b64(['RANKED', '9:-8640000000000000', 1]),
        b64(['RANKED', '1:8640000000000001', 1]),
        b64(['RANKED', '0:1e3', 1]),
        b64(['RANKED', 0, 1]),
        b64(['NAME', 'x'.repeat(1900), 1]),
        b64(['NAME', '\u0000', 1]),
        b64(['NAME', 'a\ud800', 1]),
        b64(['NAME', 1, 1]),
        b64(['PRICE_ASC', 2 ** 53 - 1, 2 ** 53 - 1]),
        b64(['PRICE_DESC', -(2 ** 53) + 1, 1]),
        b64(['PRICE_ASC', 1.5, 1]),
        b64(['NEWEST', 8.64e15, 1]),
        b64(['NEWEST', -8.64e15, 1]),
      ),
    ),
  );

type Node = { id: string; status: string; seller: { id: string } };
type Listing = { edges: Array<{ node: Node }> };

/** Issue #17's listings: the public products (anonymous, a seller) and a seller's own (myProducts), every argument fuzzed. */
export function searchCases(f: { anonymous: () => string; seller: () => string; search: () => SearchFixtures }): Case[] {
  const args = {
    first: anyFirst,
    after: anyListCursor(f.search),
    sort: anySort,
    categoryId: maybe(
      fc.oneof(
        anyIdOr(() => f.search().categoryId),
        fc.constant(null),
      ),
    ),
    search: anySearch,
    minPrice: anyPrice,
    maxPrice: anyPrice,
  };
  const variables = fc.record(args);
  const ARGS =
    'first: $first, after: $after, sort: $sort, categoryId: $categoryId, search: $search, minPrice: $minPrice, maxPrice: $maxPrice';
  const VARS = '$first: Int, $after: String, $sort: ProductSort, $categoryId: ID, $search: String, $minPrice: Int, $maxPrice: Int';
  const FIELDS = '{ totalCount edges { cursor node { id status seller { id } heldStock } } pageInfo { hasNextPage endCursor } }';
  const neverHiddenOrDeleted = (data: unknown) => {
    const nodes = (data as { list: Listing }).list.edges.map((e) => e.node);
    expect(nodes.filter((n) => n.status === 'HIDDEN' || [f.search().hiddenId, f.search().deletedId].includes(n.id))).toEqual([]);
  };
  const onlyOwnNotDeleted = (data: unknown) => {
    const nodes = (data as { list: Listing }).list.edges.map((e) => e.node);
    expect(nodes.filter((n) => n.seller.id !== f.search().sellerId || n.id === f.search().deletedId)).toEqual([]);
  };
  // Refusals: bad input (arguments, GraphQL's Int and enum checks), an unknown category, a page size past the
  // complexity budget (`first` counts before the listing checks it). Never anything else.
  const codes = ['BAD_USER_INPUT', 'NOT_FOUND', 'QUERY_TOO_COMPLEX'];
  return [
    {
      name: 'products (anonymous)',
      token: f.anonymous,
      query: `query(${VARS}) { list: products(${ARGS}) ${FIELDS} }`,
      variables,
      codes,
      accept: neverHiddenOrDeleted,
    },
    {
      name: 'products (the seller of the hidden and deleted ones)',
      token: f.seller,
      query: `query(${VARS}) { list: products(${ARGS}) ${FIELDS} }`,
      variables,
      codes,
      accept: neverHiddenOrDeleted,
    },
    {
      name: 'myProducts',
      token: f.seller,
      query: `query(${VARS}, $status: ProductStatus) { list: myProducts(${ARGS}, status: $status) ${FIELDS} }`,
      variables: fc.record({ ...args, status: maybe(fc.constantFrom(null, 'ON_SALE', 'SOLD_OUT', 'HIDDEN', 'DELETED', '')) }),
      codes,
      accept: onlyOwnNotDeleted,
    },
  ];
}
