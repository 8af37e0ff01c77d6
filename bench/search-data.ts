/**
 * The search benchmark's catalog: products with Korean names and descriptions made of real
 * product words (brands, product nouns, colours, sizes, selling points, some English and mixed
 * words), deterministic from a seed so every run searches the same data.
 */

/** mulberry32: a small seeded PRNG, good enough to spread words. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = (s: string) => s.trim().split(/\s+/u);

/**
 * Ten kinds of goods (one per category), each with its real brands, nouns, sizes and Latin
 * words, so names pair a brand with what it sells ("나이키 운동화", "삼성 노트북", "농심 라면").
 */
export const KINDS: Array<{ brands: string[]; nouns: string[]; latin: string[]; unit: (r: () => number) => string }> = [
  {
    brands: words('나이키 아디다스 뉴발란스 푸마 휠라 리복 컨버스 반스 아식스 데상트'),
    nouns: words('운동화 러닝화 슬리퍼 샌들 구두 부츠 스니커즈 등산화 축구화 농구화'),
    latin: words('Air Max Jordan Boost Gel Ultra Classic Pro'),
    unit: (r) => `${220 + 5 * Math.floor(r() * 17)}mm`,
  },
  {
    brands: words('노스페이스 코오롱 블랙야크 네파 잔스포츠 샘소나이트 쌤소나이트 만다리나덕'),
    nouns: words('가방 백팩 크로스백 토트백 에코백 숄더백 지갑 캐리어 파우치 클러치'),
    latin: words('Classic Mini Slim Lite Sport Original'),
    unit: (r) => `${[15, 20, 24, 28][Math.floor(r() * 4)]}인치`,
  },
  {
    brands: words('유니클로 자라 스파오 탑텐 지오다노 무신사 폴로 타미힐피거 리바이스 게스'),
    nouns: words(
      '셔츠 티셔츠 반팔티 맨투맨 후드티 니트 가디건 청바지 슬랙스 반바지 원피스 스커트 자켓 패딩 코트 조끼 양말 모자 레깅스 잠옷',
    ),
    latin: words('XL XXL FREE Slim Oversize Basic Denim'),
    unit: (r) => ['S', 'M', 'L', 'XL', '95', '100', '105', '110'][Math.floor(r() * 8)],
  },
  {
    brands: words('삼성 애플 엘지 샤오미 소니 로지텍 레노버 에이수스 한성 앤커'),
    nouns: words(
      '노트북 태블릿 스마트폰 휴대폰 이어폰 헤드폰 스피커 충전기 케이블 보조배터리 마우스 키보드 모니터 스마트워치 카메라 공유기 외장하드',
    ),
    latin: words('iPhone Galaxy iPad MacBook AirPods Buds Pro Max Plus USB-C Type-C HDMI Bluetooth Wi-Fi 5G OLED'),
    unit: (r) => `${[32, 64, 128, 256, 512][Math.floor(r() * 5)]}GB`,
  },
  {
    brands: words('삼성 엘지 다이슨 쿠쿠 쿠첸 위니아 대우 캐리어 필립스 신일'),
    nouns: words(
      '냉장고 세탁기 건조기 에어컨 선풍기 청소기 전자레인지 에어프라이어 밥솥 커피머신 믹서기 전기포트 가습기 제습기 공기청정기 드라이기 정수기 식기세척기',
    ),
    latin: words('QLED OLED 4K UHD Wi-Fi Bespoke Objet Smart Inverter'),
    unit: (r) => `${[3, 5, 10, 300, 500, 800][Math.floor(r() * 6)]}L`,
  },
  {
    brands: words('농심 오뚜기 삼양 팔도 풀무원 햇반 이천 철원 여주'),
    nouns: words('쌀 현미 찹쌀 잡곡 라면 컵라면 짜장면 우동 국수 냉면 떡볶이 햇반 즉석밥'),
    latin: words('Big Mini Premium Original'),
    unit: (r) => `${[1, 2, 4, 5, 10, 20][Math.floor(r() * 6)]}kg`,
  },
  {
    brands: words('청송 성주 제주 나주 영주 고창 비비고 종가집 하림 동원'),
    nouns: words(
      '김치 깍두기 총각김치 사과 배 귤 감귤 한라봉 딸기 포도 수박 참외 소고기 돼지고기 닭가슴살 계란 고등어 오징어 새우 김 미역 멸치',
    ),
    latin: words('Fresh Premium Organic'),
    unit: (r) => `${[1, 2, 3, 5, 10][Math.floor(r() * 5)]}kg`,
  },
  {
    brands: words('오리온 롯데 해태 빙그레 매일 남양 서울우유 동서 스타벅스 삼다수'),
    nouns: words('생수 커피 녹차 우유 두유 요거트 과자 초콜릿 견과류 아이스크림 주스 탄산수 믹스커피 시리얼'),
    latin: words('Zero Light Original Premium'),
    unit: (r) => `${[250, 330, 500, 1000, 2000][Math.floor(r() * 5)]}ml`,
  },
  {
    brands: words('락앤락 해피콜 테팔 코렐 이케아 한샘 까사미아 모나리자 깨끗한나라 코멧'),
    nouns: words('이불 베개 매트리스 커튼 수건 러그 머그컵 텀블러 냄비 프라이팬 도마 칼 수납함 빨래바구니 휴지 물티슈 컵 접시'),
    latin: words('Classic Modern Basic Home'),
    unit: (r) => `${[1, 2, 4, 6, 10, 12, 24, 30][Math.floor(r() * 8)]}개입`,
  },
  {
    brands: words('아모레 이니스프리 설화수 라네즈 미샤 더페이스샵 에뛰드 헤라 닥터자르트 려'),
    nouns: words('샴푸 린스 바디워시 치약 칫솔 로션 스킨 선크림 립밤 핸드크림 마스크팩 클렌징폼 향수 쿠션 립스틱'),
    latin: words('SPF50 Cica Vita Aqua Moist Mini'),
    unit: (r) => `${[30, 50, 100, 200, 500][Math.floor(r() * 5)]}ml`,
  },
];

/** Colours, sizes, selling points: any kind of goods. */
export const ADJECTIVES = words(`
  블랙 화이트 그레이 네이비 베이지 브라운 레드 핑크 블루 그린 옐로우 카키 아이보리 퍼플
  검정 흰색 남색 빨강 파랑 초록
  대용량 소용량 미니 슬림 오버핏 루즈핏 정품 무료배송 당일발송 특가 할인 신상 한정판 국내산 유기농
  무농약 친환경 프리미엄 고급 가성비 초경량 방수 발수 기모 쿨링 접이식 무선 유선 휴대용 가정용 업소용
  남성 여성 남녀공용 아동 키즈 유아 빅사이즈 데일리 캐주얼 클래식 빈티지 베이직 스탠다드
  선물용 명절 세트 묶음 리필 벌크 햇 제철 냉동 냉장 즉석 저당 무가당 고단백`);

/** Sentences of a product description (selling points, care, delivery). */
const PHRASES = `
  추천합니다.|인기상품입니다.|재구매율 높은 베스트 상품.|오늘 주문하면 오늘 출발합니다.|빠른 배송, 안전 포장.
  |국내 정식 수입 제품입니다.|해외 직구 상품입니다.|품질 보증, 교환 반품 가능.|사이즈가 넉넉하게 나왔어요.
  |착용감이 좋아요.|가볍고 튼튼합니다.|세탁기 사용 가능.|손세탁을 권장합니다.|선물하기 좋은 상품.
  |가족 모두 매일 사용해요.|산지 직송으로 신선합니다.|고소한 맛.|매콤한 맛.|달콤한 맛.|든든한 한끼.
  |소음이 적어요.|에너지 효율 1등급.|설치비 무료.|AS 1년 보장.|공식 판매처.|리뷰 이벤트 진행 중.
  |유통기한 넉넉.|냉장 보관하세요.|평일 오후 2시 이전 주문 당일 발송.|무료 반품 가능.`
  .split('|')
  .map((p) => p.trim());

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];

export type SeedProduct = {
  kind: number;
  name: string;
  description: string;
  price: number;
  status: 'ON_SALE' | 'HIDDEN';
  deleted: boolean;
};

/**
 * Product `i` of the catalog: one of the ten kinds of goods; a name of 2-5 words (a noun,
 * usually one of its kind's brands, colours and selling points, sometimes a Latin word or a
 * size), about one name in five writing the brand and noun as one compound ("나이키운동화"); a
 * description of 60-200 characters: the name, then sentences and words about the product, now
 * and then another product of its kind or another brand.
 */
export function product(seed: number, i: number): SeedProduct {
  const r = prng(seed ^ Math.imul(i + 1, 0x9e3779b1));
  const kind = Math.floor(r() * KINDS.length);
  const k = KINDS[kind];
  const noun = pick(r, k.nouns);
  const brand = r() < 0.8 ? pick(r, k.brands) : null;
  const parts: string[] = [];
  const extras = 2 + Math.floor(r() * 4) - (brand ? 2 : 1); // 2-5 words in all
  for (let n = 0; n < extras; n++) {
    const x = r();
    parts.push(x < 0.65 ? pick(r, ADJECTIVES) : x < 0.85 ? pick(r, k.latin) : k.unit(r));
  }
  const head = brand ? (r() < 0.2 ? [brand + noun] : [brand, noun]) : [noun];
  // Colours and selling points mostly lead ("블랙 나이키 운동화"), sizes and Latin words follow.
  const leads = parts.map((p) => ADJECTIVES.includes(p) && r() < 0.6);
  const name = [...parts.filter((_, n) => leads[n]), ...head, ...parts.filter((_, n) => !leads[n])].join(' ').slice(0, 100);

  const target = 60 + Math.floor(r() * 141);
  const body: string[] = [name];
  let length = name.length;
  while (length < target) {
    const x = r();
    const piece =
      x < 0.5
        ? pick(r, PHRASES)
        : x < 0.75
          ? pick(r, ADJECTIVES)
          : x < 0.85
            ? `${pick(r, k.nouns)}도 함께`
            : x < 0.9
              ? `${pick(r, k.brands)} 공식`
              : x < 0.95
                ? pick(r, k.latin)
                : k.unit(r);
    body.push(piece);
    length += piece.length + 1;
  }
  const description = body.join(' ').slice(0, 200);

  // Prices from 1,000 to 500,000 won, most of them low (log-uniform), in hundreds of won.
  const price = Math.round(Math.exp(Math.log(1000) + r() * (Math.log(500_000) - Math.log(1000))) / 100) * 100;
  const s = r();
  return { kind, name, description, price, status: s < 0.03 ? 'HIDDEN' : 'ON_SALE', deleted: s >= 0.03 && s < 0.04 };
}

/** The query sets: each is several searches, rotated across requests. */
export const QUERY_SETS: Array<{ name: string; queries: string[] }> = [
  { name: 'one syllable', queries: ['쌀', '폰', '백', '김', '배'] },
  { name: 'two syllables', queries: ['가방', '라면', '셔츠', '사과', '김치'] },
  { name: 'word', queries: ['운동화', '청바지', '노트북', '냉장고', '이어폰'] },
  { name: 'two words', queries: ['나이키 운동화', '삼성 노트북', '농심 라면', '엘지 냉장고', '블랙 가방'] },
  { name: 'English', queries: ['air max', 'usb', 'iphone', 'bluetooth'] },
];
