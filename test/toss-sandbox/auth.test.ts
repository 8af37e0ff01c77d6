import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { API_KEYS, approvedPayment, authorize, basicAuth, call, cancel, confirm, lookup, lookupByOrder, WIDGET_KEYS } from './helpers';

describe('toss sandbox: Basic authentication', () => {
  let sandbox: TossSandbox;

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  afterAll(() => sandbox.close());

  it('encodes keys exactly like the documented example', () => {
    expect(basicAuth('test_sk_abc')).toBe('Basic dGVzdF9za19hYmM6');
  });

  it('refuses a missing, non-Basic or undecodable header with 401 UNAUTHORIZED_KEY', async () => {
    for (const authorization of [undefined, 'Bearer abc', 'Basic', 'Basic !!!notbase64', 'Basic //79/w==']) {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const result = await call(sandbox, 'GET', '/v1/payments/unknown', { secretKey: null, headers });
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ code: 'UNAUTHORIZED_KEY', message: '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.' });
    }
  });

  it('answers 403 INCORRECT_BASIC_AUTH_FORMAT when the trailing colon is missing', async () => {
    const authorization = `Basic ${Buffer.from(WIDGET_KEYS.secretKey).toString('base64')}`;
    const result = await call(sandbox, 'POST', '/v1/payments/confirm', { secretKey: null, headers: { authorization }, body: {} });
    expect(result.status).toBe(403);
    expect(result.body).toEqual({ code: 'INCORRECT_BASIC_AUTH_FORMAT', message: "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요." });
  });

  it('refuses unknown, live and client keys with 401 UNAUTHORIZED_KEY', async () => {
    for (const secretKey of ['test_gsk_unknown', 'live_gsk_sandbox_marketplace', WIDGET_KEYS.clientKey, `\uFEFF${WIDGET_KEYS.secretKey}`]) {
      const result = await call(sandbox, 'GET', '/v1/payments/orders/ORD-000001', { secretKey });
      expect(result.status).toBe(401);
      expect(result.body.code).toBe('UNAUTHORIZED_KEY');
    }
  });

  it('checks auth before anything else on every endpoint', async () => {
    const cases: Array<[string, string]> = [
      ['POST', '/v1/payments/confirm'],
      ['POST', '/v1/payments/abc/cancel'],
      ['GET', '/v1/payments/abc'],
      ['GET', '/v1/payments/orders/ORD-000001'],
    ];
    for (const [method, path] of cases) {
      const result = await call(sandbox, method, path, { secretKey: 'test_sk_nope', body: method === 'POST' ? {} : undefined });
      expect(result.status).toBe(401);
    }
  });

  it('answers in English with Accept-Language: en-US', async () => {
    const result = await call(sandbox, 'GET', '/v1/payments/abc', { secretKey: null, headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(result.body).toEqual({ code: 'UNAUTHORIZED_KEY', message: 'Unauthorized secret key or client key.' });
  });

  it("scopes payments to their key pair: the other pair's secret key gets 403 FORBIDDEN_REQUEST", async () => {
    const done = await approvedPayment(sandbox);
    const other = { secretKey: API_KEYS.secretKey };
    expect((await lookup(sandbox, done.paymentKey, other)).body.code).toBe('FORBIDDEN_REQUEST');
    expect((await lookup(sandbox, done.paymentKey, other)).status).toBe(403);
    expect((await cancel(sandbox, done.paymentKey, { cancelReason: 'x' }, other)).status).toBe(403);
    // Order IDs are per merchant: the other merchant simply has no such order.
    expect((await lookupByOrder(sandbox, done.orderId, other)).body.code).toBe('NOT_FOUND_PAYMENT');

    const pending = await authorize(sandbox);
    const result = await confirm(sandbox, pending, other);
    expect(result.status).toBe(403);
    expect(result.body.code).toBe('FORBIDDEN_REQUEST');
    expect((await lookup(sandbox, pending.paymentKey)).body.status).toBe('IN_PROGRESS');
  });

  it('works with the API individual pair for payments authorized with its client key', async () => {
    const auth = await authorize(sandbox, { clientKey: API_KEYS.clientKey });
    const result = await confirm(sandbox, auth, { secretKey: API_KEYS.secretKey });
    expect(result.status).toBe(200);
    expect(result.body.mId).not.toBe((await approvedPayment(sandbox)).mId);
  });

  it('refuses to start with live or mismatched keys', async () => {
    await expect(startTossSandbox({ keys: [{ clientKey: 'live_gck_x', secretKey: 'live_gsk_x' }] })).rejects.toThrow(/live keys/);
    await expect(startTossSandbox({ keys: [{ clientKey: 'test_gck_x', secretKey: 'test_sk_x' }] })).rejects.toThrow(/must be/);
  });
});
