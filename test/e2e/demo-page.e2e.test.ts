import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../src/services/demo/demo-seed';
import { startAppWithToss, TOSS_CLIENT_KEY } from '../helpers/toss';

const MODULES = [
  'demo.js',
  'catalog.js',
  'api.js',
  'dom.js',
  'order-tracking.js',
  'checkout-address.js',
  'order-detail.js',
  'seller-box.js',
  'cancel-items.js',
  'my-products.js',
];

/** The /demo page's files and settings as the app serves them (the journey itself: test/browser). */
it('serves the storefront page, its modules, and settings naming the configured Toss key and SDK', async () => {
  const { t, toss, close } = await startAppWithToss();
  try {
    const bare = await fetch(`${t.url}/demo`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/demo/');
    const page = await fetch(`${t.url}/demo/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = ['/demo/config.js', '/demo/demo.js', '/demo/demo.css', '/demo/shipping.css', '/demo/refunds.css', '/demo/search.css'];
    for (const asset of assets) expect(html).toContain(asset);
    // The checkout address form, the order's shipments and the seller box (#15).
    for (const id of ['address-form', 'save-address', 'order-lines', 'shipments', 'confirm-purchase', 'seller-box', 'seller-queue']) {
      expect(html).toContain(`id="${id}"`);
    }
    // The order's payment (balance and refunds) and the box for a refused cancel (#16).
    for (const id of ['order-payment', 'order-error']) expect(html).toContain(`id="${id}"`);
    // The catalog's search box, price range and empty result, and the seller's own catalog (내 상품) (#17).
    for (const id of ['search-form', 'search', 'min-price', 'max-price', 'search-clear', 'no-results', 'my-products-box', 'my-status']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain('검색 결과가 없습니다');
    // Every sort the API has; 정확도순 (RELEVANCE) is offered only while a search is active, so it starts hidden.
    const sortSelect = html.slice(html.indexOf('<select id="sort">'), html.indexOf('</select>', html.indexOf('<select id="sort">')));
    const sorts = [...sortSelect.matchAll(/<option value="([A-Z_]+)"/g)].map((m) => m[1]);
    expect(sorts).toEqual(['NEWEST', 'NAME', 'PRICE_ASC', 'PRICE_DESC', 'RELEVANCE']);
    expect(html).toContain('<option value="RELEVANCE" hidden disabled>정확도순');
    const css = await fetch(`${t.url}/demo/search.css`);
    expect([css.status, css.headers.get('content-type')]).toEqual([200, expect.stringMatching(/^text\/css/)]);
    for (const module of MODULES) {
      const res = await fetch(`${t.url}/demo/${module}`);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);
      const source = await res.text();
      // Data reaches the page as text nodes only (dom.js h() and textContent), never parsed as HTML.
      expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
      // Every link opening a new tab (receipts, carriers' tracking pages) gives it no opener and no referrer.
      for (const link of source.match(/target: '_blank'[^)]*/g) ?? []) expect(link).toContain("rel: 'noopener noreferrer'");
    }
    const config = await fetch(`${t.url}/demo/config.js`);
    expect(config.headers.get('cache-control')).toBe('no-store');
    const text = await config.text();
    // An API key pair (test_ck_): the page uses the payment window; the SDK is the sandbox's stand-in.
    expect(text).toContain(`"tossClientKey":"${TOSS_CLIENT_KEY}"`);
    expect(text).toContain(`"tossSdkUrl":"${toss.url}/v2/standard"`);
    // The seller box offers the demo sellers' logins (public by design, like the customer's and the admin's).
    expect(text).toContain(`"sellers":[{"email":"${DEMO_ACCOUNTS.sellers[0]}","password":"${DEMO_PASSWORD}"}`);
    expect((await fetch(`${toss.url}/v2/standard`)).status).toBe(200);
    expect((await fetch(`${t.url}/demo/nothing-here.js`)).status).toBe(404);
  } finally {
    await close();
  }
});
