import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/services/demo/demo-seed';
import {
  CategoriesDocument,
  OrderWithPaymentDocument,
  ProductDocument,
  ProductsDocument,
  StorefrontOrderShippingDocument,
} from '../generated/graphql';
import {
  customerToken,
  demoSellerOf,
  digits,
  payOnSandbox,
  RESULTS_DIR,
  startStorefront,
  text,
  type Storefront,
} from '../helpers/storefront-browser';
import { myProductsJourney, searchJourney } from './storefront-search.journeys';

/**
 * The newcomer's journey in a real browser, on the embedded profile exactly as `npm start` runs
 * it with nothing configured (only the SQLite file and the uploads go to a temporary folder):
 * the demo data loaded on first start, the /demo page, the Toss sandbox started in-process.
 * Log in, filter by category, page, add two products to the cart, give a shipping address (saved
 * to the address book), order, pay on the sandbox's payment page, land on the success URL (which
 * confirms the payment); cancel one of the two lines (a partial refund: the balance still charged
 * and the refund shown); then the other product's seller, in the page's seller box, ships its line
 * with a carrier and a tracking number and later marks it delivered, while the customer's side
 * shows each step live (orderEvents): the carrier, the number, the tracking link, and finally
 * the purchase confirmed (구매확정). A second order is cancelled by its seller (판매 취소) from the
 * seller box: the customer's page shows the order refunded in full, with the seller's reason.
 * Then search (#17): a word of the seeded names, 정확도순, 낮은/높은 가격순, paging, a price range, the category, no
 * result and back, a sold-out product's 품절 badge; and the seller box's 내 상품: a hidden product, the units an unpaid
 * order holds (결제 대기), a restock, hide and show (storefront-search.journeys.ts). They run last, in this file, as they
 * change products the journeys above count (another file would run beside these against the same STOREFRONT_URL).
 *
 * With STOREFRONT_URL set, it drives that server instead of starting one: CI points it at a
 * plain `npm start` of a fresh clone, with no variables and MySQL and Redis out of reach.
 */
/** The page's `document`, as the functions passed to `waitForFunction` see it in the browser. */
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): { textContent: string | null } | null;
};

const SCREENSHOT = path.join(RESULTS_DIR, 'storefront-shipping.png');
const SELLER_SCREENSHOT = path.join(RESULTS_DIR, 'storefront-seller-box.png');
const CANCEL_SCREENSHOT = path.join(RESULTS_DIR, 'storefront-cancel-line.png');

let storefront: Storefront;
let app: Storefront['app'];
let browser: Browser;

beforeAll(async () => {
  storefront = await startStorefront();
  ({ app, browser } = storefront);
}, 180_000);

afterAll(() => storefront?.stop());

it('goes from the seeded catalog to a paid order with an address, one line cancelled, the other shipped by its seller and confirmed live, in Chromium', async () => {
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

  // Two products into the cart: the customer cancels the second after paying; the first one's seller
  // (one of the two demo sellers) ships it.
  const productId = (await page.locator('[data-testid=product]').first().getAttribute('data-product-id'))!;
  const cancelledProductId = (await page.locator('[data-testid=product]').nth(1).getAttribute('data-product-id'))!;
  const sellerEmail = await demoSellerOf(app.client, productId);
  const [kept, dropped] = await Promise.all(
    [productId, cancelledProductId].map(async (id) => (await app.client.ok(ProductDocument, { id })).product!),
  );
  await page.locator('[data-testid=add-to-cart]').first().click();
  await page.waitForFunction(() => document.getElementById('cart-count')?.textContent?.trim() === '1');
  await page.locator('[data-testid=add-to-cart]').nth(1).click();
  await page.waitForFunction(() => document.getElementById('cart-count')?.textContent?.trim() === '2');
  await page.click('#nav-cart');
  await page.waitForSelector('[data-testid=cart-line]');
  expect(await page.locator('[data-testid=cart-line]').count()).toBe(2);

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

  // Pay on the sandbox's payment page; the success URL confirms the payment.
  const orderId = await payOnSandbox(page, app.url);
  await page.waitForFunction(() => document.getElementById('order-status')?.textContent?.trim() === 'ORDER_COMPLETED');
  await page.waitForFunction(() => /live/.test(document.getElementById('ws-state')?.textContent ?? ''));
  await page.waitForSelector('[data-testid=order-line][data-status=ORDER_COMPLETED]');
  expect(await text(page, '[data-testid=order-address]')).toContain('김데모 · 01012345678');
  expect(await page.isDisabled('#confirm-purchase')).toBe(true);
  expect(await page.locator('[data-testid=order-line] [data-testid=cancel-line-form]').count()).toBe(2);
  expect(await text(page, '[data-testid=payment-status]')).toContain('결제 완료');
  expect(digits(await page.textContent('[data-testid=payment-balance]'))).toBe(String(kept.price + dropped.price));
  expect(await text(page, '#order-payment')).not.toContain('null'); // no refund yet: no list, and nothing drawn in its place

  // The customer cancels the second line. More units than the line has are refused by the server, its message shown.
  const { order: paid } = await app.client.ok(StorefrontOrderShippingDocument, { orderId }, { token: await customerToken(app.client) });
  const keptItem = paid!.items.find((i) => i.productId === productId)!;
  const droppedItem = paid!.items.find((i) => i.productId === cancelledProductId)!;
  const droppedLine = page.locator(`[data-testid=order-line][data-item-id="${droppedItem.id}"]`);
  await droppedLine.locator('input[name=items]').fill('3');
  await droppedLine.locator('[data-testid=cancel-line]').click();
  await page.waitForSelector(`[data-testid=order-line][data-item-id="${droppedItem.id}"] input[name=items][aria-invalid=true]`);
  expect(await text(page, '#order-error')).toMatch(/^\[BAD_USER_INPUT\] .*1 unit/);
  await page.locator('#order-detail').screenshot({ path: CANCEL_SCREENSHOT });
  await droppedLine.locator('input[name=items]').fill('1');
  await droppedLine.locator('[data-testid=cancel-line]').click();

  // Refunded in part: the line cancelled, the balance is the kept line's price, the refund listed with its reason, live.
  await page.waitForSelector(`[data-testid=order-line][data-item-id="${droppedItem.id}"][data-status=CANCELLED][data-cancelled="1"]`);
  await page.waitForSelector('[data-testid=payment-cancel]');
  expect(await text(page, '#order-error')).toBe('');
  expect(await droppedLine.locator('[data-testid=cancel-line-form]').count()).toBe(0);
  expect(await text(page, '[data-testid=payment-status]')).toContain('부분 취소');
  expect(digits(await page.textContent('[data-testid=payment-balance]'))).toBe(String(kept.price));
  const refund = page.locator('[data-testid=payment-cancel]');
  expect(await refund.count()).toBe(1);
  expect(await refund.getAttribute('data-amount')).toBe(String(dropped.price));
  expect(await refund.textContent()).toContain('고객 요청');
  await page.waitForFunction(() => /ITEMS_CANCELLED/.test(document.getElementById('events')?.textContent ?? ''), null, {
    timeout: 15_000,
  });
  expect(await text(page, '#order-status')).toBe('ORDER_COMPLETED');

  // The seller logs in in the seller box and finds the order in its work queue.
  await page.fill('#seller-email', sellerEmail);
  await page.fill('#seller-password', DEMO_PASSWORD);
  await page.click('#seller-login-button');
  const card = page.locator(`[data-testid=seller-order][data-order-id="${orderId}"]`);
  await card.locator('[data-testid=ship-form]').waitFor();
  expect(await card.textContent()).toContain('김데모 · 01012345678');
  // Only the line left to ship is offered (the cancelled one, whoever sells it, is not).
  const offered = await card.locator('input[name=itemIds]').evaluateAll((inputs) => inputs.map((i) => (i as { value: string }).value));
  expect(offered).toEqual([keptItem.id]);

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

  // The API agrees: paid once through the sandbox, one line refunded, the address kept, the other line shipped and
  // delivered by that seller, confirmed.
  const token = await customerToken(app.client);
  const { order } = await app.client.ok(OrderWithPaymentDocument, { orderId }, { token });
  expect(order).toMatchObject({
    status: 'DELIVERED',
    totalAmount: kept.price + dropped.price,
    payment: { status: 'PARTIAL_CANCELED', balanceAmount: kept.price, cancels: [{ amount: dropped.price }] },
  });
  const { order: shipped } = await app.client.ok(StorefrontOrderShippingDocument, { orderId }, { token });
  expect(shipped).toMatchObject({
    shippingAddress: {
      recipientName: '김데모',
      phone: '01012345678',
      postcode: '06236',
      detail: '101동 1001호',
      memo: '문 앞에 놓아 주세요',
    },
    refundPending: false,
    items: expect.arrayContaining([
      expect.objectContaining({
        id: keptItem.id,
        cancelledQuantity: 0,
        status: 'PURCHASE_CONFIRMED',
        purchaseConfirmedAt: expect.any(String),
      }),
      expect.objectContaining({ id: droppedItem.id, quantity: 1, cancelledQuantity: 1, status: 'CANCELLED', shipmentId: null }),
    ]),
    shipments: [{ carrier: 'CJ_LOGISTICS', trackingNumber: '123456789012', status: 'DELIVERED', deliveredAt: expect.any(String) }],
  });

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  expect(pageErrors).toEqual([]);
}, 180_000);

it('lets a seller cancel its line of a paid order from the seller box (판매 취소), the customer refunded in full, live', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${app.url}/demo`);
  await page.click('#login');
  // The cards drawn for the logged-in customer (an anonymous first draw may be a few seconds old: response cache).
  await page.waitForSelector('#account:not(:empty)');
  await page.waitForSelector('[data-testid=product]');

  // One product in the cart, ordered to an address of the book (the first journey saved one) or a typed one.
  const card = page.locator('[data-testid=product]:has([data-testid=add-to-cart]:not([disabled]))').first();
  const productId = (await card.getAttribute('data-product-id'))!;
  const sellerEmail = await demoSellerOf(app.client, productId);
  const { product } = await app.client.ok(ProductDocument, { id: productId });
  await card.locator('[data-testid=add-to-cart]').click();
  await page.waitForFunction(() => document.getElementById('cart-count')?.textContent?.trim() === '1');
  await page.click('#nav-cart');
  await page.waitForSelector('[data-testid=cart-line]');
  if ((await page.locator('input[name=address-choice]:checked:not([value=new])').count()) === 0) {
    await page.fill('#address-form [name=recipientName]', '김데모');
    await page.fill('#address-form [name=phone]', '010-1234-5678');
    await page.fill('#address-form [name=postcode]', '06236');
    await page.fill('#address-form [name=roadAddress]', '서울특별시 강남구 테헤란로 152');
  }
  await page.click('#place-order');
  const orderId = await payOnSandbox(page, app.url);
  await page.waitForFunction(() => document.getElementById('order-status')?.textContent?.trim() === 'ORDER_COMPLETED');
  await page.waitForFunction(() => /live/.test(document.getElementById('ws-state')?.textContent ?? ''));
  await page.waitForSelector('[data-testid=order-line][data-status=ORDER_COMPLETED] [data-testid=cancel-line-form]');

  // The seller cancels its line with a reason.
  await page.fill('#seller-email', sellerEmail);
  await page.fill('#seller-password', DEMO_PASSWORD);
  await page.click('#seller-login-button');
  const order = page.locator(`[data-testid=seller-order][data-order-id="${orderId}"]`);
  const form = order.locator('[data-testid=seller-cancel-form]');
  await form.waitFor();
  expect(await form.locator('select[name=items] option').count()).toBe(1);
  await form.locator('input[name=reason]').fill('재고 부족 (out of stock)');
  await form.locator('[data-testid=seller-cancel]').click();

  // The customer's page, live: the order refunded in full (REFUNDED), nothing left charged, the seller's reason shown.
  await page.waitForFunction(() => document.getElementById('order-status')?.textContent?.trim() === 'CANCELLED', null, {
    timeout: 15_000,
  });
  await page.waitForSelector('[data-testid=order-line][data-status=CANCELLED][data-cancelled="1"]');
  await page.waitForSelector('[data-testid=payment-cancel]');
  expect(await page.locator('[data-testid=cancel-line-form]').count()).toBe(0);
  expect(await text(page, '[data-testid=payment-status]')).toContain('전액 취소');
  expect(digits(await page.textContent('[data-testid=payment-balance]'))).toBe('0');
  const refund = page.locator('[data-testid=payment-cancel]');
  expect(await refund.getAttribute('data-amount')).toBe(String(product!.price));
  expect(await refund.textContent()).toContain('재고 부족 (out of stock)');
  await page.waitForFunction(() => /REFUNDED/.test(document.getElementById('events')?.textContent ?? ''), null, { timeout: 15_000 });
  // The seller's side: a note, and the order has left its work queue.
  expect(await text(page, '#seller-note')).toContain('판매 취소');
  await order.waitFor({ state: 'detached' });
  expect(await text(page, '#error')).toBe('');
  expect(await text(page, '#seller-error')).toBe('');

  const { order: refunded } = await app.client.ok(OrderWithPaymentDocument, { orderId }, { token: await customerToken(app.client) });
  expect(refunded).toMatchObject({
    status: 'CANCELLED',
    payment: { status: 'CANCELED', balanceAmount: 0, cancels: [{ amount: product!.price, reason: '재고 부족 (out of stock)' }] },
  });
  expect(pageErrors).toEqual([]);
}, 120_000);

it(
  'searches the catalog (검색) with the category and a price range, sorts by price, pages, and shows a sold-out product as 품절, in Chromium',
  () => searchJourney(storefront),
  120_000,
);

it(
  "shows the seller's own catalog in the seller box (내 상품): a hidden product, units held by an unpaid order, restock and hide/show",
  () => myProductsJourney(storefront),
  120_000,
);
