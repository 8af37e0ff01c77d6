import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../src/services/demo/demo-seed';
import { LoginDocument, ProductDocument } from '../generated/graphql';
import { spawnAppProcess, type AppProcess } from './app-process';
import { GraphQLClient } from './graphql-client';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the journeys leave their screenshots (ignored by git; CI keeps them). */
export const RESULTS_DIR = path.join(__dirname, '../../test-results');

export type Storefront = {
  app: Pick<AppProcess, 'url' | 'client'>;
  browser: Browser;
  stop(): Promise<void>;
};

/**
 * The app on the embedded profile exactly as `npm start` runs it with nothing configured (only the
 * SQLite file and the uploads go to a temporary folder), or the server at STOREFRONT_URL when set;
 * and a headless Chromium.
 */
export async function startStorefront(): Promise<Storefront> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (Debian: apt install chromium) or set CHROMIUM_PATH`);
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const given = process.env.STOREFRONT_URL?.replace(/\/+$/, '');
  let dir: string | undefined;
  let app: Pick<AppProcess, 'url' | 'client' | 'stop'>;
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
  const browser = await chromium.launch({
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
  return {
    app,
    browser,
    stop: async () => {
      await browser.close();
      await app.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An element's text, trimmed. */
export const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

/** The digits of a text: `12,000원` gives `12000`. */
export const digits = (value: string | null) => (value ?? '').replace(/\D/g, '');

/** From the checkout view: pay on the sandbox's own payment page, land on the success URL; its orderId. */
export async function payOnSandbox(page: Page, appUrl: string): Promise<string> {
  await page.waitForSelector('#pay:not([disabled])');
  await page.click('#pay');
  await page.waitForURL(/\/checkout\?/);
  expect(new URL(page.url()).origin).not.toBe(new URL(appUrl).origin); // the sandbox's own server
  await page.click('button.approve');
  await page.waitForURL(/\/demo\/\?view=success/);
  return new URL(page.url()).searchParams.get('orderId')!;
}

/** A token of the demo customer: a session of its own beside the page's. */
export async function customerToken(client: GraphQLClient): Promise<string> {
  const input = { role: 'CUSTOMER' as const, email: DEMO_ACCOUNTS.customer, password: DEMO_PASSWORD };
  return (await client.ok(LoginDocument, { input })).login.token;
}

/** Which demo seller sells the product: the one whose login names the product's seller. */
export async function demoSellerOf(client: GraphQLClient, productId: string): Promise<string> {
  const { product } = await client.ok(ProductDocument, { id: productId });
  for (const email of DEMO_ACCOUNTS.sellers) {
    const { login } = await client.ok(LoginDocument, { input: { role: 'SELLER', email, password: DEMO_PASSWORD } });
    if (login.account.id === product!.seller.id) return email;
  }
  throw new Error(`product ${productId} is not a demo seller's`);
}

/** A token of a demo seller: a session of its own beside the page's seller box. */
export async function sellerToken(client: GraphQLClient, email: string): Promise<string> {
  return (await client.ok(LoginDocument, { input: { role: 'SELLER', email, password: DEMO_PASSWORD } })).login.token;
}

/** A new page logged in as the demo customer, on the product list; its uncaught errors are collected in `pageErrors`. */
export async function openAsCustomer(browser: Browser, appUrl: string): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${appUrl}/demo`);
  await page.click('#login');
  // The catalog shows to anonymous visitors too: wait for the session itself.
  await page.waitForSelector('#account:not(:empty)');
  await page.waitForSelector('[data-testid=product]');
  return { page, pageErrors };
}

/** The product ids of the cards on the page, in order. */
export const cardIds = (page: Page) =>
  page.locator('[data-testid=product]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-product-id') ?? ''));

/** Waits until the cards on the page (or the rows `testId` names) are these products, in this order (a page drawn from a new answer). */
export async function waitForCards(page: Page, ids: string[], testId = 'product'): Promise<void> {
  const shown = `[...document.querySelectorAll('[data-testid=${testId}]')].map((card) => card.dataset.productId).join()`;
  await page.waitForFunction(`${shown} === ${JSON.stringify(ids.join())}`);
}
