import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../src/services/demo/demo-seed';
import {
  CategoriesDocument,
  LoginDocument,
  OrderWithPaymentDocument,
  ProductDocument,
  ProductsDocument,
  StorefrontOrderShippingDocument,
} from '../generated/graphql';
import { spawnAppProcess, type AppProcess } from '../helpers/app-process';
import { GraphQLClient } from '../helpers/graphql-client';

/**
 * The newcomer's journey in a real browser, on the embedded profile exactly as `npm start` runs
 * it with nothing configured (only the SQLite file and the uploads go to a temporary folder):
 * the demo data loaded on first start, the /demo page, the Toss sandbox started in-process.
 * Log in, filter by category, page, add to the cart, give a shipping address (saved to the
 * address book), order, pay on the sandbox's payment page, land on the success URL (which
 * confirms the payment); then the product's seller, in the page's seller box, ships the line
 * with a carrier and a tracking number and later marks it delivered, while the customer's side
 * shows each step live (orderEvents): the carrier, the number, the tracking link, and finally
 * the purchase confirmed (구매확정).
 *
 * With STOREFRONT_URL set, it drives that server instead of starting one: CI points it at a
 * plain `npm start` of a fresh clone, with no variables and MySQL and Redis out of reach.
 */
/** The page's `document`, as the functions passed to `waitForFunction` see it in the browser. */
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): { textContent: string | null } | null;
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.join(__dirname, '../../test-results/storefront-shipping.png');
const SELLER_SCREENSHOT = path.join(__dirname, '../../test-results/storefront-seller-box.png');

let dir: string | undefined;
let app: Pick<AppProcess, 'url' | 'client' | 'stop'>;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (Debian: apt install chromium) or set CHROMIUM_PATH`);
  }
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  const given = process.env.STOREFRONT_URL?.replace(/\/+$/, '');
  if (given) {
    app = { url: given, client: new GraphQLClient(`${given}/graphql`), stop: async () => undefined };
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-storefront-'));
    // No DATABASE_URL, REDIS_URL, S3_* or TOSS_*: the embedded profile. NODE_ENV unset, as with `npm start`.
    app = await spawnAppProcess(
      { SQLITE_FILE: path.join(dir, 'marketplace.sqlite'), LOCAL_STORAGE_DIR: path.join(dir, 'uploads') },
      // The first start loads 200 products with images before it listens.
      { readyTimeoutMs: 120_000 },
    );
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

it('goes from the seeded catalog to a paid order with an address, shipped by its seller and confirmed live, in Chromium', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));

  // The embedded profile: SQLite, no Redis.
  expect(await (await fetch(`${app.url}/readyz`)).json()).toMatchObject({ status: 'ok', sqlite: 'ok', redis: 'not used' });

  // The seeded catalog, as the API itself reports it.
  const { products: all } = await app.client.ok(ProductsDocument, { first: 1 });
  expect(all.totalCount).toBe(200);
  const { categories } = await app.client.ok(CategoriesDocument);
  const kimchi = categories.find((c) => c.name === '김치')!;
  const { products: kimchiProducts } = await app.client.ok(ProductsDocument, { first: 1, categoryId: kimchi.id });

  // Log in as the demo customer (the form comes prefilled).
  await page.goto(`${app.url}/demo`);
  await page.click('#login');
  await page.waitForFunction(() => (document.getElementById('account')?.textContent ?? '').length > 0);
  await page.waitForSelector('[data-testid=product]');
  expect(await text(page, '#total-count')).toBe('200');
  expect(await page.isDisabled('#prev-page')).toBe(true);

  // Category filter, then a page forward and back.
  await page.selectOption('#category', kimchi.id);
  await page.waitForFunction((n) => document.getElementById('total-count')?.textContent?.trim() === n, String(kimchiProducts.totalCount));
  const firstName = await text(page, '[data-testid=product] h3');
  await page.click('#next-page');
  await page.waitForFunction((n) => document.querySelector('[data-testid=product] h3')?.textContent?.trim() !== n, firstName);
  const secondPageFirst = await text(page, '[data-testid=product] h3');
  expect(secondPageFirst).not.toBe(firstName);
  await page.click('#prev-page');
  await page.waitForFunction((n) => document.querySelector('[data-testid=product] h3')?.textContent?.trim() === n, firstName);

  // Into the cart; the product's seller (one of the two demo sellers) ships it later.
  const productId = (await page.locator('[data-testid=product]').first().getAttribute('data-product-id'))!;
  const sellerEmail = await demoSellerOf(productId);
  await page.locator('[data-testid=add-to-cart]').first().click();
  await page.waitForFunction(() => document.getElementById('cart-count')?.textContent?.trim() === '1');
  await page.click('#nav-cart');
  await page.waitForSelector('[data-testid=cart-line]');
  expect(await page.locator('[data-testid=cart-line]').count()).toBe(1);

  // A new shipping address, saved to the book. A phone number the server refuses is marked in the form first.
  if ((await page.locator('input[name=address-choice][value=new]').count()) > 0) {
    await page.check('input[name=address-choice][value=new]'); // a server that already has addresses (STOREFRONT_URL)
  }
  await page.fill('#address-form [name=recipientName]', '김데모');
  await page.fill('#address-form [name=phone]', '010-123');
  await page.fill('#address-form [name=postcode]', '06236');
  await page.fill('#address-form [name=roadAddress]', '서울특별시 강남구 테헤란로 152');
  await page.fill('#address-form [name=detail]', '101동 1001호');
  await page.fill('#address-form [name=memo]', '문 앞에 놓아 주세요');
  await page.check('#save-address');
  await page.click('#place-order');
  await page.waitForSelector('#address-form [name=phone][aria-invalid=true]');
  expect(await text(page, '#error')).toMatch(/^\[BAD_USER_INPUT\]/);
  await page.fill('#address-form [name=phone]', '010-1234-5678');
  await page.click('#place-order');
  await page.waitForSelector('#pay:not([disabled])');
  expect(await text(page, '#order-summary')).toContain('01012345678 · (06236) 서울특별시 강남구 테헤란로 152 101동 1001호');

  // Pay on the sandbox's payment page.
  await page.click('#pay');
  await page.waitForURL(/\/checkout\?/);
  expect(new URL(page.url()).origin).not.toBe(new URL(app.url).origin); // the sandbox's own server
  await page.click('button.approve');

  // The success URL confirms the payment.
  await page.waitForURL(/\/demo\/\?view=success/);
  const orderId = new URL(page.url()).searchParams.get('orderId')!;
  await page.waitForFunction(() => document.getElementById('order-status')?.textContent?.trim() === 'ORDER_COMPLETED');
  await page.waitForFunction(() => /live/.test(document.getElementById('ws-state')?.textContent ?? ''));
  await page.waitForSelector('[data-testid=order-line][data-status=ORDER_COMPLETED]');
  expect(await text(page, '[data-testid=order-address]')).toContain('김데모 · 01012345678');
  expect(await page.isDisabled('#confirm-purchase')).toBe(true);

  // The seller logs in in the seller box and finds the order in its work queue.
  await page.fill('#seller-email', sellerEmail);
  await page.fill('#seller-password', DEMO_PASSWORD);
  await page.click('#seller-login-button');
  const card = page.locator(`[data-testid=seller-order][data-order-id="${orderId}"]`);
  await card.locator('[data-testid=ship-form]').waitFor();
  expect(await card.textContent()).toContain('김데모 · 01012345678');

  // A tracking number of the wrong length is refused, with the field marked; then the real one ships.
  await card.locator('select[name=carrier]').selectOption('CJ_LOGISTICS');
  await card.locator('input[name=trackingNumber]').fill('12345');
  await card.locator('[data-testid=ship-items]').click();
  await card.locator('input[name=trackingNumber][aria-invalid=true]').waitFor();
  expect(await card.locator('.box-error').textContent()).toMatch(/^\[BAD_USER_INPUT\]/);
  await page.locator('#seller-box').screenshot({ path: SELLER_SCREENSHOT });
  await card.locator('input[name=trackingNumber]').fill('1234-5678-9012');
  await card.locator('[data-testid=ship-items]').click();

  // The customer's side, live: SHIPPING, with the carrier, the number (digits only) and the carrier's tracking page.
  await page.waitForFunction(() => document.getElementById('order-status')?.textContent?.trim() === 'SHIPPING', null, { timeout: 15_000 });
  const shipment = page.locator('[data-testid=shipment]');
  await page.waitForSelector('[data-testid=shipment][data-status=SHIPPING]');
  expect(await shipment.locator('.carrier').textContent()).toContain('CJ대한통운');
  expect(await shipment.locator('.tracking-number').textContent()).toBe('123456789012');
  const link = shipment.locator('a.tracking-link');
  const attributes = await Promise.all(['href', 'target', 'rel'].map((name) => link.getAttribute(name)));
  expect(attributes).toEqual([expect.stringMatching(/^https:\/\/.*123456789012/), '_blank', 'noopener noreferrer']);
  await page.waitForSelector('[data-testid=order-line][data-status=SHIPPING]');
  expect(await page.isDisabled('#confirm-purchase')).toBe(true);

  // The seller marks it delivered; the customer confirms the purchase.
  await card.locator('[data-testid=seller-shipment][data-status=SHIPPING] [data-testid=mark-delivered]').click();
  await page.waitForFunction(() => document.getElementById('order-status')?.textContent?.trim() === 'DELIVERED', null, { timeout: 15_000 });
  await page.waitForSelector('[data-testid=order-line][data-status=DELIVERED]');
  await page.waitForSelector('#confirm-purchase:not([disabled])');
  await page.click('#confirm-purchase');
  await page.waitForSelector('[data-testid=order-line][data-status=PURCHASE_CONFIRMED]');
  await page.waitForFunction(() => /PURCHASE_CONFIRMED/.test(document.getElementById('events')?.textContent ?? ''), null, {
    timeout: 15_000,
  });
  const live = await page.$$eval('#events li[data-source=live]', (items) => items.map((li) => li.textContent ?? ''));
  for (const kind of ['SHIPPED', 'DELIVERED', 'PURCHASE_CONFIRMED']) expect(live.some((line) => line.includes(kind))).toBe(true);
  expect(live.find((line) => line.includes('SHIPPED'))).toContain('123456789012');
  expect(await text(page, '#error')).toBe('');
  expect(await text(page, '#seller-error')).toBe('');

  // The API agrees: paid once through the sandbox, the address kept, shipped and delivered by that seller, confirmed.
  const customer = await app.client.ok(LoginDocument, {
    input: { role: 'CUSTOMER', email: DEMO_ACCOUNTS.customer, password: DEMO_PASSWORD },
  });
  const token = customer.login.token;
  const { order } = await app.client.ok(OrderWithPaymentDocument, { orderId }, { token });
  expect(order).toMatchObject({ status: 'DELIVERED', payment: { status: 'DONE' } });
  const { order: shipped } = await app.client.ok(StorefrontOrderShippingDocument, { orderId }, { token });
  expect(shipped).toMatchObject({
    shippingAddress: {
      recipientName: '김데모',
      phone: '01012345678',
      postcode: '06236',
      detail: '101동 1001호',
      memo: '문 앞에 놓아 주세요',
    },
    items: [{ status: 'PURCHASE_CONFIRMED', purchaseConfirmedAt: expect.any(String) }],
    shipments: [{ carrier: 'CJ_LOGISTICS', trackingNumber: '123456789012', status: 'DELIVERED', deliveredAt: expect.any(String) }],
  });

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  expect(pageErrors).toEqual([]);
}, 180_000);

/** Which demo seller sells the product: the one whose login names the product's seller. */
async function demoSellerOf(productId: string): Promise<string> {
  const { product } = await app.client.ok(ProductDocument, { id: productId });
  for (const email of DEMO_ACCOUNTS.sellers) {
    const { login } = await app.client.ok(LoginDocument, { input: { role: 'SELLER', email, password: DEMO_PASSWORD } });
    if (login.account.id === product!.seller.id) return email;
  }
  throw new Error(`product ${productId} is not a demo seller's`);
}
