import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../src/services/demo/demo-seed';
import {
  CategoriesDocument,
  LoginDocument,
  OrderWithPaymentDocument,
  ProductsDocument,
  UpdateOrderStatusDocument,
} from '../generated/graphql';
import { spawnAppProcess, type AppProcess } from '../helpers/app-process';
import { GraphQLClient } from '../helpers/graphql-client';

/**
 * The newcomer's journey in a real browser, on the embedded profile exactly as `npm start` runs
 * it with nothing configured (only the SQLite file and the uploads go to a temporary folder):
 * the demo data loaded on first start, the /demo page, the Toss sandbox started in-process.
 * Log in, filter by category, page, add to the cart, order, pay on the sandbox's payment page,
 * land on the success URL (which confirms the payment), and see the order turn SHIPPING live
 * when an admin ships it through the API.
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

let dir: string | undefined;
let app: Pick<AppProcess, 'url' | 'client' | 'stop'>;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (Debian: apt install chromium) or set CHROMIUM_PATH`);
  }
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

it('goes from the seeded catalog to a paid order that turns SHIPPING live, in Chromium', async () => {
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

  // Into the cart, order, and pay on the sandbox's payment page.
  await page.locator('[data-testid=add-to-cart]').first().click();
  await page.waitForFunction(() => document.getElementById('cart-count')?.textContent?.trim() === '1');
  await page.click('#nav-cart');
  await page.waitForSelector('[data-testid=cart-line]');
  expect(await page.locator('[data-testid=cart-line]').count()).toBe(1);
  await page.click('#place-order');
  await page.waitForSelector('#pay:not([disabled])');
  await page.click('#pay');
  await page.waitForURL(/\/checkout\?/);
  expect(new URL(page.url()).origin).not.toBe(new URL(app.url).origin); // the sandbox's own server
  await page.click('button.approve');

  // The success URL confirms the payment.
  await page.waitForURL(/\/demo\/\?view=success/);
  const orderId = new URL(page.url()).searchParams.get('orderId')!;
  await page.waitForFunction(() => document.getElementById('order-status')?.textContent?.trim() === 'ORDER_COMPLETED');
  await page.waitForFunction(() => /live/.test(document.getElementById('ws-state')?.textContent ?? ''));

  // An admin ships it through the API; the page learns it from orderEvents.
  const { login } = await app.client.ok(LoginDocument, { input: { role: 'ADMIN', email: DEMO_ACCOUNTS.admin, password: DEMO_PASSWORD } });
  await app.client.ok(UpdateOrderStatusDocument, { orderId, status: 'SHIPPING' }, { token: login.token });
  await page.waitForFunction(() => document.getElementById('order-status')?.textContent?.trim() === 'SHIPPING', null, { timeout: 15_000 });
  const live = await page.$$eval('#events li[data-source=live]', (items) => items.map((li) => li.textContent ?? ''));
  expect(live.some((line) => line.includes('SHIPPING'))).toBe(true);
  expect(await text(page, '#error')).toBe('');

  // The API agrees: shipped, paid once through the sandbox.
  const customer = await app.client.ok(LoginDocument, {
    input: { role: 'CUSTOMER', email: DEMO_ACCOUNTS.customer, password: DEMO_PASSWORD },
  });
  const { order } = await app.client.ok(OrderWithPaymentDocument, { orderId }, { token: customer.login.token });
  expect(order).toMatchObject({ status: 'SHIPPING', payment: { status: 'DONE' } });

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  expect(pageErrors).toEqual([]);
}, 120_000);
