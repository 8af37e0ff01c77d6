import { startAppWithToss, TOSS_CLIENT_KEY } from '../helpers/toss';

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
    for (const asset of ['/demo/config.js', '/demo/demo.js', '/demo/demo.css']) expect(html).toContain(asset);
    for (const module of ['demo.js', 'api.js', 'dom.js', 'order-tracking.js']) {
      const res = await fetch(`${t.url}/demo/${module}`);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);
    }
    const config = await fetch(`${t.url}/demo/config.js`);
    expect(config.headers.get('cache-control')).toBe('no-store');
    const text = await config.text();
    // An API key pair (test_ck_): the page uses the payment window; the SDK is the sandbox's stand-in.
    expect(text).toContain(`"tossClientKey":"${TOSS_CLIENT_KEY}"`);
    expect(text).toContain(`"tossSdkUrl":"${toss.url}/v2/standard"`);
    expect((await fetch(`${toss.url}/v2/standard`)).status).toBe(200);
    expect((await fetch(`${t.url}/demo/nothing-here.js`)).status).toBe(404);
  } finally {
    await close();
  }
});
