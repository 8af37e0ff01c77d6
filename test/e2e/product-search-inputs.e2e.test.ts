import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf, type Result } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';

/**
 * Product search's inputs at their edges (issue #17), with exact outcomes, on both profiles and
 * through both listings (the public `products` and the seller's `myProducts` must agree): the
 * length and word limits counted in characters (an emoji or 𠀀 is one), SQL wildcards, quotes and
 * backslashes matched as the text they are (never as LIKE patterns), what normalization keeps
 * (letters, marks, digits of any script) and drops (punctuation, symbols, every kind of space,
 * joiners, direction marks), price bounds, and cursors of another sort. The fuzzer
 * (input-fuzzing) draws from the same values; this file says what each must give.
 */
let t: TestApp;
let seller: TestAccount;
const ids = new Map<string, string>();

// key -> name; descriptions are all '검색 입력 시험' (so a description match lists them all).
const CATALOG: Record<string, string> = {
  cotton: '100%_cotton 티셔츠',
  percent: '100 percent cotton',
  abc: 'abc 스티커',
  aUnderC: 'a_c 스티커',
  backslash: 'C:\\temp 폴더',
  quote: `"It's" 머그컵`,
  jamo: 'ㅋㅋ 웃긴 양말',
  camera: '카메라 가방',
  hebrew: 'שלום 엽서',
  astral: '𠀀 한자 도장',
  emoji: '😀 스마일 쿠션',
  joiner: 'pa\u200dn 프라이팬',
  cafe: 'Café 원두',
  greek: 'ΚΟΣΜΟΣ 지구본',
};
const ALL = Object.keys(CATALOG).sort();

beforeAll(async () => {
  t = await startTestApp();
  seller = await signUpAs(t.client, 'SELLER');
  for (const [key, name] of Object.entries(CATALOG)) {
    ids.set(key, (await createProduct(t.client, seller.token, { name, description: '검색 입력 시험', price: 1000 + ids.size })).id);
  }
});
afterAll(() => t?.close());

type Listing = { totalCount: number; edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { endCursor: string | null } };
const LIST = (field: 'products' | 'myProducts') =>
  `query($s: String, $sort: ProductSort, $after: String, $min: Int, $max: Int, $first: Int) {
    list: ${field}(search: $s, sort: $sort, after: $after, minPrice: $min, maxPrice: $max, first: $first) {
      totalCount edges { cursor node { id } } pageInfo { endCursor } } }`;
const BOTH = ['products', 'myProducts'] as const;
const list = (field: 'products' | 'myProducts', variables: Record<string, unknown>): Promise<Result<{ list: Listing }>> =>
  t.client.raw<{ list: Listing }>(LIST(field), variables, { token: seller.token });

/** The catalog keys a search finds (sorted; totalCount must agree), or its error's code and field. */
async function found(field: 'products' | 'myProducts', variables: Record<string, unknown>): Promise<string[] | string> {
  const res = await list(field, { first: 20, ...variables });
  if (res.errors?.length) return `${codeOf(res)} ${res.errors[0].extensions?.field ?? ''}`.trim();
  const keys = res.data!.list.edges.map((e) => [...ids].find(([, id]) => id === e.node.id)?.[0] ?? `product ${e.node.id}`).sort();
  return res.data!.list.totalCount === keys.length ? keys : [...keys, `totalCount ${res.data!.list.totalCount}`];
}

describe('the limits: 100 characters (code points), 8 words, no NUL or lone surrogate', () => {
  const OK = 'ok';
  const BAD = 'BAD_USER_INPUT search';
  // prettier-ignore
  const TABLE: Array<[string, string, string]> = [
    ['100 ASCII letters', 'x'.repeat(100), OK],
    ['101 ASCII letters', 'x'.repeat(101), BAD],
    ['100 Hangul syllables', '가'.repeat(100), OK],
    ['101 Hangul syllables', '가'.repeat(101), BAD],
    ['100 emoji (200 UTF-16 units)', '😀'.repeat(100), OK],
    ['101 emoji', '😀'.repeat(101), BAD],
    ['100 × 𠀀 (astral)', '𠀀'.repeat(100), OK],
    ['101 × 𠀀', '𠀀'.repeat(101), BAD],
    ['e and 99 combining acutes', 'e' + '\u0301'.repeat(99), OK],
    ['e and 100 combining acutes', 'e' + '\u0301'.repeat(100), BAD],
    ['101 spaces (nothing searchable, still too long)', ' '.repeat(101), BAD],
    ['8 words', 'a b c d e f g h', OK],
    ['9 words', 'a b c d e f g h i', BAD],
    ['9 words of two letters', 'ab cd ef gh ij kl mn op qr', BAD],
    ['8 words and a punctuation-only one', 'a b c d e f g h !', OK],
    ['NUL', 'a\u0000b', 'BAD_USER_INPUT'],
    ['a lone high surrogate', 'a\ud800', 'BAD_USER_INPUT'],
    ['a lone low surrogate', '\udc00b', 'BAD_USER_INPUT'],
    ['every kind of whitespace', ' \t\n\r\u000b\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u0085', OK],
  ];
  it.each(TABLE)('%s', async (_, search, expected) => {
    for (const field of BOTH) {
      const res = await list(field, { s: search, first: 1 });
      const got = res.errors?.length ? `${codeOf(res)} ${res.errors[0].extensions?.field ?? ''}`.trim() : OK;
      // A NUL or a lone surrogate is refused before any resolver (input hygiene): its field is not `search`.
      expect({ field, got: expected === 'BAD_USER_INPUT' ? got.split(' ')[0] : got }).toEqual({ field, got: expected });
    }
  });
});

describe('what a search finds', () => {
  // [search, the products it finds]; ALL: it holds nothing searchable and lists like no search.
  // prettier-ignore
  const TABLE: Array<[string, string[]]> = [
    ['100%cotton', ['cotton']], // as LIKE '%100%cotton%' it would also find "100 percent cotton"
    ['100%', ['cotton', 'percent']], // % is punctuation: the word is "100"
    ['a_c', ['aUnderC']], // as LIKE 'a_c' it would also find "abc"
    ['%', ALL], ['_', ALL], ['\\', ALL], ['%%', ALL], ['%_%', ALL], ['\\%', ALL], ["'", ALL], ['"', ALL], ['', ALL],
    ['c:\\temp', ['backslash']],
    ['temp\\', ['backslash']],
    ["it's", ['quote']],
    ['"its"', ['quote']],
    ["' or 1=1 --", []],
    ['ㅋㅋ', ['jamo']], // compatibility jamo
    ['ᄏᄏ', ['jamo']], // the same as conjoining jamo (NFKC)
    ['ㅋㅋㅋ', []],
    ['ㅋㅏ', ['camera']], // compatibility jamo compose to 카 under NFKC
    ['ㅋㅋ\u3000양말', ['jamo']], // ideographic space between words
    ['스마일\u00a0쿠션', ['emoji']], // no-break space between words
    ['😀', ALL], // a symbol: nothing searchable
    ['😀 스마일', ['emoji']],
    ['𠀀', ['astral']],
    ['שלום', ['hebrew']],
    ['\u202eשלום\u202c', ['hebrew']], // direction overrides dropped
    ['\u200fשלום', ['hebrew']],
    ['pan', ['joiner']], // the zero-width joiner in the name is dropped
    ['pa\u200dn', ['joiner']],
    ['\u200d', ALL], ['\u200b\ufeff', ALL],
    ['cafe\u0301', ['cafe']], // decomposed é finds the precomposed one
    ['CAFÉ', ['cafe']],
    ['cafe', []], // the accent is a letter's mark, kept
    ['κοσμος', ['greek']],
    ['ΚΟΣΜΟΣ', ['greek']],
    ['검색 입력', ALL], // in every description
  ];
  it.each(TABLE)('%j', async (search, expected) => {
    for (const field of BOTH) expect({ field, found: await found(field, { s: search }) }).toEqual({ field, found: expected });
  });

  // RED: "ΚΟΣ".toLowerCase() is "κος" (final sigma ς at the end of the query) while the stored "ΚΟΣΜΟΣ" is "κοσμος".
  it('finds a Greek word by its capitalized beginning ending in Σ ("ΚΟΣ" finds "ΚΟΣΜΟΣ": case-insensitive, final sigma)', async () => {
    for (const field of BOTH) expect({ field, found: await found(field, { s: 'ΚΟΣ' }) }).toEqual({ field, found: ['greek'] });
  });
});

describe('prices', () => {
  // prettier-ignore
  const TABLE: Array<[string, Record<string, unknown>, string[] | string]> = [
    ['0 to 100000000', { min: 0, max: 100_000_000 }, ALL],
    ['exactly one price', { min: 1003, max: 1003 }, ['aUnderC']],
    ['min above max', { min: 1004, max: 1003 }, 'BAD_USER_INPUT maxPrice'],
    ['min -1', { min: -1 }, 'BAD_USER_INPUT minPrice'],
    ['max 100000001', { max: 100_000_001 }, 'BAD_USER_INPUT maxPrice'],
    ['min 2^31 (not a GraphQL Int)', { min: 2 ** 31 }, 'BAD_USER_INPUT'],
    ['max 1.5 (not a GraphQL Int)', { max: 1.5 }, 'BAD_USER_INPUT'],
    ['min "1" (a string)', { min: '1' }, 'BAD_USER_INPUT'],
  ];
  it.each(TABLE)('%s', async (_, variables, expected) => {
    for (const field of BOTH) expect({ field, found: await found(field, variables) }).toEqual({ field, found: expected });
  });
});

describe('cursors', () => {
  const SORTS = ['NEWEST', 'NAME', 'PRICE_ASC', 'PRICE_DESC', 'RELEVANCE'] as const;
  /** The first page's end cursor of a listing with these arguments (a search ranks RELEVANCE). */
  const cursorOf = async (field: 'products' | 'myProducts', sort: string, search?: string) =>
    (await list(field, { sort, s: search, first: 2 })).data!.list.pageInfo.endCursor!;

  it.each(SORTS)('a %s cursor pages only its own order (another sort: BAD_USER_INPUT on after)', async (from) => {
    for (const field of BOTH) {
      const cursor = await cursorOf(field, from, from === 'RELEVANCE' ? '검색' : undefined);
      for (const to of SORTS) {
        for (const search of [undefined, '검색']) {
          // Without a search RELEVANCE is NEWEST; with one, the default (no sort) is RELEVANCE.
          const effective = to === 'RELEVANCE' && !search ? 'NEWEST' : to;
          const res = await list(field, { sort: to, s: search, after: cursor, first: 2 });
          const got = res.errors?.length ? `${codeOf(res)} ${res.errors[0].extensions?.field}` : 'ok';
          const want = effective === from ? 'ok' : 'BAD_USER_INPUT after';
          expect({ field, from, to, search, got }).toEqual({ field, from, to, search, got: want });
        }
      }
    }
  });
});

describe('writes at the same time', () => {
  // Was RED on the production profile before b7137db: the search index's delete-then-insert deadlocked (INTERNAL_SERVER_ERROR).
  it('creates, renames and deletes 8 products at once, each found by its new name and then by none', async () => {
    const codes = (answers: Array<Result<unknown>>) => answers.map((a) => codeOf(a) ?? 'ok');
    const create = 'mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }';
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.client.raw<{ createProduct: { id: string } }>(
          create,
          { i: { name: `동시 ${i}`, description: 'd', price: 1, stock: 1 } },
          { token: seller.token },
        ),
      ),
    );
    expect(codes(created)).toEqual(Array(8).fill('ok'));
    const newIds = created.map((c) => c.data!.createProduct.id);
    const rename = 'mutation($id: ID!, $n: String!) { updateProduct(id: $id, input: { name: $n, description: $n }) { id } }';
    const renamed = await Promise.all(newIds.map((id, i) => t.client.raw(rename, { id, n: `동시변경 ${i}` }, { token: seller.token })));
    expect(codes(renamed)).toEqual(Array(8).fill('ok'));
    const renamedFound = await list('products', { s: '동시변경', first: 20 });
    expect(renamedFound.data!.list.edges.map((e) => e.node.id).sort()).toEqual([...newIds].sort());
    const deleted = await Promise.all(
      newIds.map((id) => t.client.raw('mutation($id: ID!) { deleteProduct(id: $id) }', { id }, { token: seller.token })),
    );
    expect(codes(deleted)).toEqual(Array(8).fill('ok'));
    expect((await list('products', { s: '동시', first: 20 })).data!.list.totalCount).toBe(0);
  });

  // RED on the production profile: NFKC turns U+FDFA into 18 characters, 5,000 of them overflow product_search_doc's TEXT.
  it('creates a product whose description NFKC-expands past 64 KB (ﷺ × 5000) and finds it', async () => {
    const res = await t.client.raw<{ createProduct: { id: string } }>(
      'mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }',
      { i: { name: '아랍어 서예', description: '\ufdfa'.repeat(5000), price: 1, stock: 1 } },
      { token: seller.token },
    );
    expect(res.errors).toBeUndefined();
    const hits = await list('products', { s: 'صلى', first: 20 });
    expect(hits.data!.list.edges.map((e) => e.node.id)).toEqual([res.data!.createProduct.id]);
  });
});
