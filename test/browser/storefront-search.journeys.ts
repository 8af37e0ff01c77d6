import path from 'node:path';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../src/services/demo/demo-seed';
import {
  AddToCartDocument,
  CancelOrderDocument,
  CategoriesDocument,
  CreateOrderDocument,
  CreateProductDocument,
  MyProductsDocument,
  ProductsDocument,
  SearchProductsDocument,
  UpdateProductDocument,
  type MyProductsQueryVariables,
  type SearchProductsQueryVariables,
} from '../generated/graphql';
import {
  customerToken,
  demoSellerOf,
  openAsCustomer,
  RESULTS_DIR,
  sellerToken,
  text,
  waitForCards,
  type Storefront,
} from '../helpers/storefront-browser';

/**
 * The storefront's search (#17) and the seller's own catalog, in Chromium: journeys the browser test
 * (storefront.browser.test.ts) runs after its own, on the same app, as they change products those count.
 */
/** The page's `document`, as the functions passed to `waitForFunction` see it in the browser. */
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): { textContent: string | null } | null;
};

const SEARCH_SCREENSHOT = path.join(RESULTS_DIR, 'storefront-search.png');
const MY_PRODUCTS_SCREENSHOT = path.join(RESULTS_DIR, 'storefront-my-products.png');

/** The catalog's search box, sorts, price range, category and paging; a sold-out product's 품절 badge. */
export async function searchJourney({ app, browser }: Pick<Storefront, 'app' | 'browser'>): Promise<void> {
  const { page, pageErrors } = await openAsCustomer(browser, app.url);
  // The test's own reads carry a token, as the page's do: anonymous answers may come from the response cache
  // (RESPONSE_CACHE_TTL_SECONDS) and lag the journeys' writes by a few seconds; its own test covers them.
  const reader = { token: await customerToken(app.client) };
  const search = async (variables: SearchProductsQueryVariables) =>
    (await app.client.ok(SearchProductsDocument, variables, reader)).products;
  const ids = (connection: { edges: Array<{ node: { id: string } }> }) => connection.edges.map((e) => e.node.id);
  const total = async (label: string, count: number) => {
    await page.waitForFunction(
      ([l, n]) => document.getElementById('count-label')?.textContent === l && document.getElementById('total-count')?.textContent === n,
      [label, String(count)],
    );
  };

  // A word of the seeded names: 배추김치 and 총각김치, 20 of each. 정확도순 (RELEVANCE) appears and is the default.
  await page.fill('#search', '김치');
  await page.press('#search', 'Enter');
  const relevant = await search({ search: '김치', first: 12 });
  expect(relevant.totalCount).toBe(40);
  await total('검색 결과', 40);
  await waitForCards(page, ids(relevant));
  expect(await page.inputValue('#sort')).toBe('RELEVANCE');
  expect(await page.locator('#sort option[value=RELEVANCE]').evaluate((o) => (o as { hidden: boolean }).hidden)).toBe(false);
  for (const name of await page.locator('[data-testid=product] h3').allTextContents()) expect(name).toMatch(/^(배추|총각)김치 \d{3}$/);

  // 낮은 가격순, then the next page and back: the search and the sort stay.
  await page.selectOption('#sort', 'PRICE_ASC');
  const cheapest = await search({ search: '김치', sort: 'PRICE_ASC', first: 12 });
  await waitForCards(page, ids(cheapest));
  const prices = async () =>
    (await page.locator('[data-testid=product] .price').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-price')))).map(Number);
  const firstPrices = await prices();
  expect(firstPrices).toEqual([...firstPrices].sort((a, b) => a - b));
  expect(firstPrices).toEqual(cheapest.edges.map((e) => e.node.price));
  await page.click('#next-page');
  const next = await search({ search: '김치', sort: 'PRICE_ASC', first: 12, after: cheapest.pageInfo.endCursor });
  await waitForCards(page, ids(next));
  await total('검색 결과', 40);
  expect(Math.min(...(await prices()))).toBeGreaterThanOrEqual(Math.max(...firstPrices));
  expect([await page.inputValue('#search'), await page.inputValue('#sort')]).toEqual(['김치', 'PRICE_ASC']);
  await page.click('#prev-page');
  await waitForCards(page, ids(cheapest));

  // 높은 가격순 with a price range; a range the server refuses marks the price box.
  await page.fill('#min-price', '20000');
  await page.fill('#max-price', '10000');
  await page.press('#search', 'Enter');
  await page.waitForSelector('#max-price[aria-invalid=true]');
  expect(await text(page, '#error')).toMatch(/^\[BAD_USER_INPUT\]/);
  await page.fill('#min-price', '5000');
  await page.press('#search', 'Enter');
  await page.selectOption('#sort', 'PRICE_DESC');
  const ranged = await search({ search: '김치', sort: 'PRICE_DESC', minPrice: 5000, maxPrice: 10000, first: 12 });
  expect(ranged.totalCount).toBeGreaterThan(0);
  await waitForCards(page, ids(ranged));
  await total('검색 결과', ranged.totalCount);
  expect(await prices()).toEqual(ranged.edges.map((e) => e.node.price));
  for (const price of await prices()) expect(price >= 5000 && price <= 10000).toBe(true);
  expect(await text(page, '#error')).toBe('');

  // The category stays with a search: 배 finds 배추김치 and 배; under 과일 only 배.
  await page.click('#search-clear');
  await page.fill('#search', '배');
  await page.press('#search', 'Enter');
  const pears = await search({ search: '배', first: 12 });
  await waitForCards(page, ids(pears));
  await total('검색 결과', pears.totalCount);
  const { categories } = await app.client.ok(CategoriesDocument);
  const fruit = categories.find((c) => c.name === '과일')!;
  await page.selectOption('#category', fruit.id);
  const fruitPears = await search({ search: '배', categoryId: fruit.id, first: 12 });
  expect(fruitPears.totalCount).toBeLessThan(pears.totalCount);
  await waitForCards(page, ids(fruitPears));
  await total('검색 결과', fruitPears.totalCount);
  for (const name of await page.locator('[data-testid=product] h3').allTextContents()) expect(name).toMatch(/^배 \d{3}$/);
  await page.selectOption('#category', '');

  // Nothing found, then the box emptied: the full listing again, newest first, without 정확도순.
  await page.fill('#search', '없는상품');
  await page.press('#search', 'Enter');
  await page.waitForSelector('#no-results:not([hidden])');
  expect(await text(page, '#no-results')).toContain('검색 결과가 없습니다');
  expect(await page.locator('[data-testid=product]').count()).toBe(0);
  await total('검색 결과', 0);
  await page.fill('#search', '');
  const { products: all } = await app.client.ok(ProductsDocument, { first: 12 }, reader);
  await waitForCards(page, ids(all));
  await total('총', all.totalCount);
  expect(await page.isHidden('#no-results')).toBe(true);
  expect(await page.inputValue('#sort')).toBe('NEWEST');
  expect(await page.locator('#sort option[value=RELEVANCE]').evaluate((o) => (o as { hidden: boolean }).hidden)).toBe(true);

  // A product its seller marked SOLD_OUT: a 품절 badge, and it cannot be added to the cart. (Set back afterwards.)
  const { products: towels } = await app.client.ok(SearchProductsDocument, { search: '행주', sort: 'NAME', first: 1 }, reader);
  const towel = towels.edges[0].node;
  const token = await sellerToken(app.client, await demoSellerOf(app.client, towel.id));
  await app.client.ok(UpdateProductDocument, { id: towel.id, input: { status: 'SOLD_OUT' } }, { token });
  try {
    await page.fill('#search', towel.name);
    await page.press('#search', 'Enter');
    const card = page.locator(`[data-testid=product][data-product-id="${towel.id}"]`);
    await card.locator('[data-testid=sold-out]').waitFor();
    expect(await card.getAttribute('data-status')).toBe('SOLD_OUT');
    expect(await card.locator('[data-testid=sold-out]').textContent()).toContain('품절');
    expect(await card.locator('[data-testid=add-to-cart]').isDisabled()).toBe(true);
    // The others found are still for sale.
    const others = page.locator('[data-testid=product]:not([data-status=SOLD_OUT])');
    for (const other of await others.all()) expect(await other.locator('[data-testid=sold-out]').count()).toBe(0);
    await page.screenshot({ path: SEARCH_SCREENSHOT, fullPage: true });
  } finally {
    await app.client.ok(UpdateProductDocument, { id: towel.id, input: { status: 'ON_SALE' } }, { token });
  }
  expect(await text(page, '#error')).toBe('');
  expect(pageErrors).toEqual([]);
}

/** The seller box's 내 상품: a hidden product, the units an unpaid order holds, restock, hide and show. */
export async function myProductsJourney({ app, browser }: Pick<Storefront, 'app' | 'browser'>): Promise<void> {
  const sellerEmail = DEMO_ACCOUNTS.sellers[0];
  const token = await sellerToken(app.client, sellerEmail);
  const mine = async (variables: MyProductsQueryVariables) => (await app.client.ok(MyProductsDocument, variables, { token })).myProducts;
  // A product the seller keeps hidden (created so, under a name of this run), and one an unpaid order holds 2 units of.
  const hiddenName = `숨긴 도마 ${Date.now()}`;
  const { createProduct: hidden } = await app.client.ok(
    CreateProductDocument,
    { input: { name: hiddenName, description: '내 상품 시험', price: 3000, stock: 5, status: 'HIDDEN' } },
    { token },
  );
  const held = (await mine({ search: '된장', status: 'ON_SALE', first: 1 })).edges[0].node;
  const customer = await customerToken(app.client);
  await app.client.ok(AddToCartDocument, { productId: held.id, quantity: 2 }, { token: customer });
  const { createOrder: order } = await app.client.ok(CreateOrderDocument, { input: { productIds: [held.id] } }, { token: customer });
  expect(order.status).toBe('PAYMENT_PENDING');
  const heldNow = (await mine({ search: held.name, first: 1 })).edges[0].node;
  expect([heldNow.stock, heldNow.heldStock]).toEqual([held.stock - 2, 2]);

  // The seller box (on the order page) with the seller logged in.
  const { page, pageErrors } = await openAsCustomer(browser, app.url);
  await page.goto(`${app.url}/demo/?view=success`);
  await page.fill('#seller-email', sellerEmail);
  await page.fill('#seller-password', DEMO_PASSWORD);
  await page.click('#seller-login-button');
  await page.waitForSelector('[data-testid=my-product]');
  expect(await text(page, '#my-total')).toBe(String((await mine({ first: 1 })).totalCount));

  // 숨김: only hidden products, this one among them; the public listing does not find it.
  const hiddenCount = (await mine({ status: 'HIDDEN', first: 1 })).totalCount;
  await page.selectOption('#my-status', 'HIDDEN');
  await page.waitForFunction((n) => document.getElementById('my-total')?.textContent === n, String(hiddenCount));
  const hiddenRow = page.locator(`[data-testid=my-product][data-product-id="${hidden.id}"]`);
  await hiddenRow.waitFor();
  const statuses = await page.locator('[data-testid=my-product]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
  expect(new Set(statuses)).toEqual(new Set(['HIDDEN']));
  expect(await hiddenRow.textContent()).toContain('숨김');
  expect((await app.client.ok(SearchProductsDocument, { search: hiddenName }, { token: customer })).products.totalCount).toBe(0);

  // 보이기 puts it on sale (the public search finds it), 숨기기 hides it again.
  await hiddenRow.locator('[data-testid=toggle-hidden]').click();
  await page.waitForSelector(`[data-testid=my-product][data-product-id="${hidden.id}"][data-status=ON_SALE]`);
  expect((await app.client.ok(SearchProductsDocument, { search: hiddenName }, { token: customer })).products.totalCount).toBe(1);
  await hiddenRow.locator('[data-testid=toggle-hidden]').click();
  await page.waitForSelector(`[data-testid=my-product][data-product-id="${hidden.id}"][data-status=HIDDEN]`);
  expect((await app.client.ok(SearchProductsDocument, { search: hiddenName }, { token: customer })).products.totalCount).toBe(0);

  // Every status, searched by name: the held units show as 결제 대기; a restock sets the stock.
  await page.selectOption('#my-status', '');
  await page.fill('#my-search', held.name);
  await page.press('#my-search', 'Enter');
  const heldRow = page.locator(`[data-testid=my-product][data-product-id="${held.id}"]`);
  await waitForCards(page, [held.id], 'my-product');
  expect(await text(page, '#my-total')).toBe('1');
  expect(await heldRow.locator('[data-testid=held-stock]').textContent()).toBe('결제 대기 2개');
  expect(await heldRow.locator('[data-testid=my-stock]').textContent()).toBe(`재고 ${held.stock - 2}개`);
  await heldRow.locator('input[name=stock]').fill('60');
  await heldRow.locator('[data-testid=restock]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=my-product] [data-testid=my-stock]')?.textContent === '재고 60개');
  expect((await mine({ search: held.name, first: 1 })).edges[0].node).toMatchObject({ stock: 60, heldStock: 2, status: 'ON_SALE' });
  await page.locator('#seller-box').screenshot({ path: MY_PRODUCTS_SCREENSHOT });

  await app.client.ok(CancelOrderDocument, { orderId: order.orderId }, { token: customer });
  expect([await text(page, '#my-error'), await text(page, '#seller-error'), await text(page, '#error')]).toEqual(['', '', '']);
  expect(pageErrors).toEqual([]);
}
