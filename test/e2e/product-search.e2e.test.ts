import { DeleteProductDocument, SearchProductsDocument, UpdateProductDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import { startTestApp, type TestApp } from '../helpers/test-app';

let t: TestApp;
let seller: TestAccount;
const ids = new Map<string, string>();

// Names and descriptions; the key names the product in the table below.
const CATALOG: Array<[key: string, name: string, description: string]> = [
  ['nikeShoes', '나이키운동화 에어맥스', '가볍고 편한 러닝화'],
  ['adidasShoes', '아디다스 운동화', '발이 편한 스니커즈'],
  ['bag', '가죽 가방', '출근용 토트백'],
  ['rice', '햅쌀 10kg', '경기미 쌀'],
  ['ramen', '농심 신라면 멀티팩', '매운 라면 5개입'],
  ['tshirt', 'Cotton T-Shirt', '부드러운 면 티셔츠'],
  ['iphone', 'ＩＰＨＯＮＥ 케이스', '투명 하드 케이스 (USB-C 케이블 증정)'],
  ['bagInDescription', '여행용 파우치', '가방 속 정리에 좋은 파우치'],
  // Both words in the name, and (newer) one word only in the description: the name match still comes first.
  ['mugBoth', '머그 컵 세트', '도자기'],
  ['mugSplit', '머그 받침', '컵 없이 쓰는 받침'],
  ['hidden', '숨긴 운동화', '보이지 않는 상품'],
  ['deleted', '지운 운동화', '삭제된 상품'],
  ['renamed', '옛날이름 모자', '야구 모자'],
];

beforeAll(async () => {
  t = await startTestApp();
  seller = await signUpAs(t.client, 'SELLER');
  for (const [key, name, description] of CATALOG) {
    ids.set(key, (await createProduct(t.client, seller.token, { name, description })).id);
  }
  await t.client.ok(UpdateProductDocument, { id: ids.get('hidden')!, input: { status: 'HIDDEN' } }, { token: seller.token });
  await t.client.ok(DeleteProductDocument, { id: ids.get('deleted')! }, { token: seller.token });
  await t.client.ok(UpdateProductDocument, { id: ids.get('renamed')!, input: { name: '새이름 캡모자' } }, { token: seller.token });
});
afterAll(() => t?.close());

const keyOf = (id: string) => [...ids].find(([, v]) => v === id)?.[0];
async function search(text: string, extra: Record<string, unknown> = {}) {
  const data = await t.client.ok(SearchProductsDocument, { search: text, first: 20, ...extra });
  return { keys: data.products.edges.map((e) => keyOf(e.node.id)), total: data.products.totalCount, page: data.products };
}

describe('product search', () => {
  // [query, the products it finds, in RELEVANCE order: name matches first, then description matches, each newest first]
  const TABLE: Array<[string, string[]]> = [
    ['쌀', ['rice']], // one syllable, inside "햅쌀" and in the description
    ['가방', ['bag', 'bagInDescription']], // two syllables: the name match before the description match
    ['운동화', ['adidasShoes', 'nikeShoes']], // inside the compound "나이키운동화"; hidden and deleted never
    ['나이키운동화', ['nikeShoes']],
    ['나이키 운동화', ['nikeShoes']], // several words must all match
    ['나이키-운동화!', ['nikeShoes']], // punctuation ignored
    ['운동화 아디다스', ['adidasShoes']],
    ['운동화 파우치', []],
    ['라면', ['ramen']], // "신라면" holds it
    ['신라면 매운', ['ramen']], // one word in the name, one in the description
    ['t-shirt', ['tshirt']],
    ['TSHIRT', ['tshirt']], // case
    ['ｔｓｈｉｒｔ', ['tshirt']], // full width (NFKC)
    ['iphone', ['iphone']], // a full-width name found by ASCII
    ['usb c', ['iphone']],
    ['usbc', ['iphone']],
    ['캡모자', ['renamed']], // found by its new name
    ['새이름', ['renamed']],
    ['옛날이름', []], // never by its old one
    ['숨긴', []],
    ['지운', []],
    ['없는상품', []],
    ['10kg', ['rice']],
    ['머그 컵', ['mugBoth', 'mugSplit']], // every word in the name first, even when older
    ['컵', ['mugBoth', 'mugSplit']],
    ['받침', ['mugSplit']],
    ['운동화'.normalize('NFD'), ['adidasShoes', 'nikeShoes']], // decomposed Hangul (as macOS may send it)
    ['ＵＳＢ－Ｃ', ['iphone']], // full-width letters and punctuation
  ];
  it.each(TABLE)('%s', async (query, expected) => {
    const found = await search(query);
    expect(found.keys).toEqual(expected);
    expect(found.total).toBe(expected.length);
  });

  it('lists everything, newest first, when the search holds nothing searchable', async () => {
    for (const text of ['  !?  ', '', '---', '\t\n']) {
      const all = await search(text);
      expect(all.total).toBe(CATALOG.length - 2);
      expect(all.keys[0]).toBe('renamed');
    }
  });

  it('accepts a search of exactly 100 characters and of exactly 8 words', async () => {
    expect((await search('가'.repeat(100))).keys).toEqual([]);
    expect((await search('a b c d e f g h')).keys).toEqual([]);
    expect((await search(`운동화${' '.repeat(97)}`)).keys).toEqual(['adidasShoes', 'nikeShoes']);
  });

  it('refuses a search too long or of too many words (BAD_USER_INPUT on search)', async () => {
    for (const text of ['가'.repeat(101), 'a b c d e f g h i']) {
      const answer = await t.client.request(SearchProductsDocument, { search: text });
      expect(codeOf(answer)).toBe('BAD_USER_INPUT');
      expect(answer.errors![0].extensions!.field).toBe('search');
    }
  });
});

describe('index writes beside each other', () => {
  // On InnoDB a delete that finds nothing locks a gap; two creations doing that at once deadlocked (INTERNAL_SERVER_ERROR).
  it('creates, renames and deletes many products at once, every one indexed as it ends', async () => {
    const made = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        createProduct(t.client, seller.token, { name: `동시상품${i}호 바구니`, description: '한꺼번에' }),
      ),
    );
    expect((await search('바구니')).total).toBe(12);
    await Promise.all(
      made.map((p, i) =>
        i % 3 === 0
          ? t.client.ok(DeleteProductDocument, { id: p.id }, { token: seller.token })
          : t.client.ok(UpdateProductDocument, { id: p.id, input: { name: `동시상품${i}호 소쿠리` } }, { token: seller.token }),
      ),
    );
    expect((await search('바구니')).total).toBe(0);
    expect((await search('소쿠리')).total).toBe(8);
    expect((await search('한꺼번에')).total).toBe(8);
  });
});
