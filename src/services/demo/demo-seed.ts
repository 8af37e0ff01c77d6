import { Readable } from 'node:stream';
import type { App } from '../../app';
import type { Identity } from '../../auth/identity';
import { Admin, Category, Customer, Product, Seller } from '../../entities';
import { Role } from '../../entities/role';
import { normalizeEmail } from '../account/account.service';
import { PasswordHasher } from '../account/passwords';
import { gradientPng } from './png';

export const DEMO_PASSWORD = 'demo-password-1234';
/** Products in the demo catalog. */
export const DEMO_PRODUCTS = 200;
export const DEMO_ACCOUNTS = {
  customer: 'customer@demo.marketplace.kr',
  admin: 'admin@demo.marketplace.kr',
  sellers: ['seller1@demo.marketplace.kr', 'seller2@demo.marketplace.kr'],
} as const;
/** Every demo login, customer and admin first. */
export const DEMO_CREDENTIALS: ReadonlyArray<{ role: Role; email: string; password: string }> = [
  { role: Role.CUSTOMER, email: DEMO_ACCOUNTS.customer, password: DEMO_PASSWORD },
  { role: Role.ADMIN, email: DEMO_ACCOUNTS.admin, password: DEMO_PASSWORD },
  ...DEMO_ACCOUNTS.sellers.map((email) => ({ role: Role.SELLER, email, password: DEMO_PASSWORD })),
];

const CATEGORIES: Array<[string, string | null]> = [
  ['식품', null],
  ['김치', '식품'],
  ['장류', '식품'],
  ['과일', '식품'],
  ['생활용품', null],
];
const NAMES = ['배추김치', '총각김치', '된장', '고추장', '사과', '배', '귤', '수세미', '행주', '도마'];
const CATEGORY_OF: Record<string, string> = {
  배추김치: '김치',
  총각김치: '김치',
  된장: '장류',
  고추장: '장류',
  사과: '과일',
  배: '과일',
  귤: '과일',
};

/**
 * Whether `npm start` should load the demo data: on a database where nothing was ever created,
 * or where loading it was cut short (the demo sellers are there with fewer than `total`
 * products; products are only ever soft-deleted, so a finished load never drops below it).
 */
export async function demoSeedPending(app: App, total = DEMO_PRODUCTS): Promise<boolean> {
  const em = app.orm.em.fork();
  const counts = await Promise.all([Customer, Seller, Admin, Category].map((entity) => em.count(entity, {})));
  if (counts.every((n) => n === 0)) return true;
  const sellers = await em.find(Seller, { email: { $in: DEMO_ACCOUNTS.sellers.map(normalizeEmail) } }, { fields: ['id'] });
  if (sellers.length < DEMO_ACCOUNTS.sellers.length) return false;
  return (await em.count(Product, { seller: { $in: sellers.map((s) => s.id) } })) < total;
}

export type SeedReport = {
  created: { accounts: number; categories: number; products: number };
  credentials: Array<{ role: Role; email: string; password: string }>;
};

/**
 * Demo data, idempotently: categories, two sellers, `products` products with a generated
 * image each, one customer and one admin. Running it again only fills in what is missing.
 */
export async function seedDemo(
  app: App,
  options: { products?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<SeedReport> {
  const total = options.products ?? DEMO_PRODUCTS;
  const em = app.orm.em.fork();
  const hasher = new PasswordHasher(app.config.passwordHash);
  const created = { accounts: 0, categories: 0, products: 0 };

  const account = async (entity: typeof Customer | typeof Seller | typeof Admin, email: string, name: string): Promise<{ id: number }> => {
    const existing = await em.findOne(entity, { email: normalizeEmail(email) });
    if (existing) return existing;
    const row = em.create(entity, { email: normalizeEmail(email), name, passwordHash: await hasher.hash(DEMO_PASSWORD) });
    await em.flush();
    created.accounts++;
    return row;
  };
  await account(Customer, DEMO_ACCOUNTS.customer, '데모 고객');
  await account(Admin, DEMO_ACCOUNTS.admin, '데모 관리자');
  const sellers = [
    await account(Seller, DEMO_ACCOUNTS.sellers[0], '김치 공방'),
    await account(Seller, DEMO_ACCOUNTS.sellers[1], '제철 과일가게'),
  ];

  const categoryIds = new Map<string, number>();
  for (const [name, parent] of CATEGORIES) {
    let category = await em.findOne(Category, { name });
    if (!category) {
      category = em.create(Category, { name, parent: parent ? categoryIds.get(parent) : null });
      await em.flush();
      created.categories++;
    }
    categoryIds.set(name, category.id);
  }

  const existing = await em.count(Product, { seller: { $in: sellers.map((s) => s.id) } });
  for (let i = existing; i < total; i++) {
    const seller = sellers[i % 2];
    const identity: Identity = { sessionId: 'demo-seed', role: Role.SELLER, accountId: seller.id };
    const base = NAMES[i % NAMES.length];
    const product = await app.services.products.create(em.fork(), identity, {
      name: `${base} ${String(i + 1).padStart(3, '0')}`,
      description: `데모 상품입니다: ${base}.`,
      price: 1000 + ((i * 7919) % 50) * 500,
      stock: 20 + ((i * 104729) % 200),
      categoryId: String(categoryIds.get(CATEGORY_OF[base] ?? '생활용품')),
    });
    const png = gradientPng(64, 64, [(i * 37) % 256, (i * 91) % 256, 180], [250, (i * 53) % 256, (i * 17) % 256]);
    await app.services.productImages.add(em.fork(), identity, String(product.id), [
      { filename: `demo-${i + 1}.png`, createReadStream: () => Readable.from(png) },
    ]);
    created.products++;
    options.onProgress?.(i + 1, total);
  }
  options.onProgress?.(total, total);

  return {
    created,
    credentials: [...DEMO_CREDENTIALS],
  };
}
