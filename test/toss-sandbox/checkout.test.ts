import { runInNewContext } from 'node:vm';
import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { API_KEYS, confirm, lookup, newOrderId, WIDGET_KEYS } from './helpers';

interface WindowResult {
  status: number;
  html: string;
  session: string;
}

/** Opens the payment window like a browser would. */
async function openWindow(sandbox: TossSandbox, params: Record<string, string>): Promise<WindowResult> {
  const response = await fetch(`${sandbox.url}/checkout?${new URLSearchParams(params).toString()}`);
  const html = await response.text();
  return { status: response.status, html, session: /name="session" value="([^"]+)"/.exec(html)?.[1] ?? '' };
}

/** Presses a button of the window form; returns the redirect target. */
async function press(sandbox: TossSandbox, session: string, action: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sandbox.url}/checkout/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ session, action, ...extra }).toString(),
    redirect: 'manual',
  });
}

describe('toss sandbox: payment window (/checkout)', () => {
  let sandbox: TossSandbox;
  const shop = 'http://127.0.0.1:3000';

  function params(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      clientKey: WIDGET_KEYS.clientKey,
      orderId: newOrderId(),
      orderName: '생수 외 1건',
      amount: '15000',
      successUrl: `${shop}/payments/success?cart=7`,
      failUrl: `${shop}/payments/fail?cart=7`,
      customerName: '김토스',
      ...overrides,
    };
  }

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  afterAll(() => sandbox.close());

  it('renders a self-contained page with the order and the three buttons', async () => {
    const page = await openWindow(sandbox, params({ orderName: '<b>생수</b> 외 1건' }));
    expect(page.status).toBe(200);
    expect(page.html).toContain('&#60;b&#62;생수&#60;/b&#62; 외 1건');
    expect(page.html).toContain('15,000원');
    expect(page.html).toContain('김토스');
    expect(page.html).toMatch(/value="approve"[\s\S]*value="decline"[\s\S]*value="reject"/);
    expect(page.html).not.toMatch(/<script|https?:\/\/(?!127)/);
  });

  it('Approve authenticates (IN_PROGRESS) and redirects to successUrl, keeping its query', async () => {
    const query = params();
    const page = await openWindow(sandbox, query);
    const response = await press(sandbox, page.session, 'approve');
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${shop}/payments/success`);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      cart: '7',
      paymentType: 'NORMAL',
      orderId: query.orderId,
      paymentKey: expect.stringMatching(/^tgen_\d{14}[A-Za-z0-9]{5}$/),
      amount: '15000',
    });
    const paymentKey = location.searchParams.get('paymentKey') ?? '';
    expect((await lookup(sandbox, paymentKey)).body).toMatchObject({ status: 'IN_PROGRESS', orderName: '생수 외 1건', approvedAt: null });
    const confirmed = await confirm(sandbox, { paymentKey, orderId: query.orderId, amount: Number(location.searchParams.get('amount')) });
    expect(confirmed.body.status).toBe('DONE');
    // The window is single-use.
    expect((await press(sandbox, page.session, 'approve')).status).toBe(400);
  });

  it.each([
    ['decline', 'PAY_PROCESS_CANCELED', '사용자에 의해 결제가 취소되었습니다.'],
    ['reject', 'REJECT_CARD_COMPANY', '결제 승인이 거절되었습니다.'],
  ])('%s redirects to failUrl with code, message and orderId', async (action, code, message) => {
    const query = params();
    const response = await press(sandbox, (await openWindow(sandbox, query)).session, action);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.pathname).toBe('/payments/fail');
    expect(Object.fromEntries(location.searchParams)).toEqual({ cart: '7', code, message, orderId: query.orderId });
    expect(sandbox.payments().filter((p) => p.orderId === query.orderId)).toEqual([]);
  });

  it('passes the outcome picked on the page to the later confirm', async () => {
    const query = params();
    const response = await press(sandbox, (await openWindow(sandbox, query)).session, 'approve', { confirmError: 'REJECT_CARD_PAYMENT' });
    const location = new URL(response.headers.get('location') ?? '');
    const result = await confirm(sandbox, {
      paymentKey: location.searchParams.get('paymentKey') ?? '',
      orderId: query.orderId,
      amount: 15000,
    });
    expect([result.status, result.body.code]).toEqual([403, 'REJECT_CARD_PAYMENT']);
  });

  it('aborts a window left open for more than 30 minutes', async () => {
    const page = await openWindow(sandbox, params());
    sandbox.advanceClock(31 * 60 * 1000);
    const location = new URL((await press(sandbox, page.session, 'approve')).headers.get('location') ?? '');
    expect(location.searchParams.get('code')).toBe('PAY_PROCESS_ABORTED');
  });

  it.each([
    ['unknown clientKey', { clientKey: 'test_gck_nope' }, 'clientKey'],
    ['bad orderId', { orderId: 'abc' }, 'orderId'],
    ['empty orderName', { orderName: '' }, 'orderName'],
    ['zero amount', { amount: '0' }, 'amount'],
    ['decimal amount', { amount: '100.5' }, 'amount'],
    ['relative successUrl', { successUrl: '/payments/success' }, 'successUrl'],
    ['non-http failUrl', { failUrl: 'javascript:alert(1)' }, 'failUrl'],
  ])('answers an HTML 400 page for %s', async (_name, overrides, field) => {
    const page = await openWindow(sandbox, params(overrides));
    expect(page.status).toBe(400);
    expect(page.html).toContain(`<li>${field}:`);
  });
});

interface ShimPayment {
  requestPayment(params: Record<string, unknown>): Promise<unknown>;
}
interface ShimWidgets extends ShimPayment {
  setAmount(amount: { currency: string; value: number }): Promise<void>;
  renderPaymentMethods(options: Record<string, unknown>): Promise<unknown>;
}
interface ShimSdk {
  widgets(options: Record<string, unknown>): ShimWidgets;
  payment(options: Record<string, unknown>): ShimPayment;
}
interface ShimWindow {
  TossPayments?: (clientKey: string) => ShimSdk;
  location: { href: string };
}

describe('toss sandbox: SDK shim (/v2/standard)', () => {
  let sandbox: TossSandbox;

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  afterAll(() => sandbox.close());

  /** Runs the shim in a fake browser and returns its window. */
  async function loadShim(): Promise<{ TossPayments: (clientKey: string) => ShimSdk; location: { href: string } }> {
    const response = await fetch(`${sandbox.url}/v2/standard`);
    expect(response.headers.get('content-type')).toMatch(/^application\/javascript/);
    const window: ShimWindow = { location: { href: '' } };
    const document = { currentScript: { src: `${sandbox.url}/v2/standard` }, querySelector: (): null => null };
    runInNewContext(await response.text(), { window, document, URL, URLSearchParams, Promise });
    const { TossPayments } = window;
    if (!TossPayments) throw new Error('the shim did not define TossPayments');
    return { TossPayments, location: window.location };
  }

  it('widgets().requestPayment() navigates to the checkout page with the order', async () => {
    const window = await loadShim();
    const widgets = window.TossPayments(WIDGET_KEYS.clientKey).widgets({ customerKey: 'cust-1' });
    await widgets.setAmount({ currency: 'KRW', value: 15000 });
    await widgets.renderPaymentMethods({ selector: '#payment-method', variantKey: 'DEFAULT' });
    const orderId = newOrderId();
    void widgets.requestPayment({ orderId, orderName: '생수', successUrl: 'http://shop.test/ok', failUrl: 'http://shop.test/fail' });
    const target = new URL(window.location.href);
    expect(`${target.origin}${target.pathname}`).toBe(`${sandbox.url}/checkout`);
    expect(Object.fromEntries(target.searchParams)).toMatchObject({ clientKey: WIDGET_KEYS.clientKey, orderId, amount: '15000' });
    expect((await fetch(window.location.href).then(async (r) => [r.status, await r.text()]))[0]).toBe(200);
  });

  it('payment().requestPayment() works with the API client key and refuses mismatched key types', async () => {
    const window = await loadShim();
    const payment = window.TossPayments(API_KEYS.clientKey).payment({ customerKey: 'cust-1' });
    void payment.requestPayment({
      method: 'CARD',
      amount: { currency: 'KRW', value: 5000 },
      orderId: newOrderId(),
      orderName: 'x',
      successUrl: 'http://a.test/s',
      failUrl: 'http://a.test/f',
    });
    expect(new URL(window.location.href).searchParams.get('amount')).toBe('5000');
    expect(() => window.TossPayments(API_KEYS.clientKey).widgets({})).toThrow(/test_gck_/);
    expect(() => window.TossPayments(WIDGET_KEYS.clientKey).payment({})).toThrow(/test_ck_/);
    await expect(
      payment.requestPayment({
        method: 'CARD',
        amount: { value: 0 },
        orderId: 'x',
        orderName: 'x',
        successUrl: 'http://a/s',
        failUrl: 'http://a/f',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_AMOUNT_VALUE' });
  });
});
