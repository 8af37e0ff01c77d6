import { startTossSandbox, type Payment, type TossSandbox } from '../../toss-sandbox';
import { authorize, call, confirm, KST_TIME, lookup, lookupByOrder, WIDGET_KEYS } from './helpers';

const PAYMENT_FIELDS = [
  'mId',
  'version',
  'type',
  'paymentKey',
  'orderId',
  'orderName',
  'lastTransactionKey',
  'transactionKey',
  'status',
  'method',
  'currency',
  'country',
  'requestedAt',
  'approvedAt',
  'totalAmount',
  'balanceAmount',
  'suppliedAmount',
  'vat',
  'taxFreeAmount',
  'taxExemptionAmount',
  'useEscrow',
  'cultureExpense',
  'isPartialCancelable',
  'card',
  'virtualAccount',
  'transfer',
  'mobilePhone',
  'giftCertificate',
  'easyPay',
  'cashReceipt',
  'cashReceipts',
  'discount',
  'cancels',
  'failure',
  'metadata',
  'secret',
  'receipt',
  'checkout',
].sort();

describe('toss sandbox: POST /v1/payments/confirm', () => {
  let sandbox: TossSandbox;

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  afterAll(() => sandbox.close());

  it('approves an authenticated payment and returns the full Payment object', async () => {
    const auth = await authorize(sandbox, { orderName: '토스 티셔츠 외 2건', amount: 15000 });
    expect(auth.paymentKey).toMatch(/^tgen_\d{14}[A-Za-z0-9]{5}$/);
    const result = await confirm(sandbox, auth);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    const p: Payment = result.body;
    expect(Object.keys(p).sort()).toEqual(PAYMENT_FIELDS);
    expect(p).toMatchObject({
      mId: 'tgen_sandbox1',
      version: '2022-11-16',
      type: 'NORMAL',
      paymentKey: auth.paymentKey,
      orderId: auth.orderId,
      orderName: '토스 티셔츠 외 2건',
      status: 'DONE',
      method: '카드',
      currency: 'KRW',
      country: 'KR',
      transactionKey: null,
      totalAmount: 15000,
      balanceAmount: 15000,
      suppliedAmount: 13636,
      vat: 1364,
      taxFreeAmount: 0,
      taxExemptionAmount: 0,
      useEscrow: false,
      cultureExpense: false,
      isPartialCancelable: true,
      virtualAccount: null,
      transfer: null,
      mobilePhone: null,
      giftCertificate: null,
      easyPay: null,
      cashReceipt: null,
      cashReceipts: null,
      discount: null,
      cancels: null,
      failure: null,
      metadata: null,
    });
    expect(p.requestedAt).toMatch(KST_TIME);
    expect(p.approvedAt).toMatch(KST_TIME);
    expect(p.lastTransactionKey).toMatch(/^[0-9A-F]{32}$/);
    expect(p.secret).toMatch(/^ps_[A-Za-z0-9]{28}$/);
    expect(p.receipt?.url).toBe(`${sandbox.url}/receipt/redirection?transactionId=${auth.paymentKey}&ref=PX`);
    expect(p.checkout?.url).toBe(`${sandbox.url}/v1/payments/${auth.paymentKey}/checkout`);
    expect(p.card).toEqual({
      issuerCode: '71',
      acquirerCode: '71',
      number: '12345678****000*',
      installmentPlanMonths: 0,
      isInterestFree: false,
      interestPayer: null,
      approveNo: '00000000',
      useCardPoint: false,
      cardType: '신용',
      ownerType: '개인',
      acquireStatus: 'READY',
      amount: 15000,
    });
    // The sales slip link is served by the sandbox.
    const slip = await fetch(p.receipt?.url ?? '');
    expect([slip.status, await slip.text()]).toEqual([200, expect.stringContaining(auth.orderId)]);
    // Lookups return the very same object.
    expect((await lookup(sandbox, auth.paymentKey)).body).toEqual(p);
    expect((await lookupByOrder(sandbox, auth.orderId)).body).toEqual(p);
  });

  it.each([
    ['missing paymentKey', { orderId: 'ORD-000001', amount: 1000 }],
    ['paymentKey over 200 chars', { paymentKey: 'k'.repeat(201), orderId: 'ORD-000001', amount: 1000 }],
    ['orderId too short', { paymentKey: 'tgen_x', orderId: 'ORD1', amount: 1000 }],
    ['orderId with a bad character', { paymentKey: 'tgen_x', orderId: 'ORD 0001', amount: 1000 }],
    ['orderId over 64 chars', { paymentKey: 'tgen_x', orderId: 'o'.repeat(65), amount: 1000 }],
    ['amount as a string', { paymentKey: 'tgen_x', orderId: 'ORD-000001', amount: '1000' }],
    ['amount zero', { paymentKey: 'tgen_x', orderId: 'ORD-000001', amount: 0 }],
    ['amount not an integer', { paymentKey: 'tgen_x', orderId: 'ORD-000001', amount: 10.5 }],
    ['a JSON array', []],
    ['malformed JSON', '{"paymentKey":'],
  ])('answers 400 INVALID_REQUEST for %s', async (_name, body) => {
    const result = await call(sandbox, 'POST', '/v1/payments/confirm', { body });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ code: 'INVALID_REQUEST', message: '잘못된 요청입니다.' });
  });

  it('accepts the = character in orderId (SDK v2 rule)', async () => {
    const auth = await authorize(sandbox, { orderId: 'ORD=abc_def-1' });
    expect((await confirm(sandbox, auth)).status).toBe(200);
  });

  it('answers 404 NOT_FOUND_PAYMENT_SESSION for an unknown paymentKey', async () => {
    const result = await confirm(sandbox, { paymentKey: 'tgen_20240213121757Ab1Cd', orderId: 'ORD-000001', amount: 1000 });
    expect(result.status).toBe(404);
    expect(result.body).toEqual({
      code: 'NOT_FOUND_PAYMENT_SESSION',
      message: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.',
    });
  });

  it('answers 403 FORBIDDEN_REQUEST when the orderId differs and 400 INVALID_REQUEST when the amount differs', async () => {
    const auth = await authorize(sandbox, { amount: 20000 });
    const wrongOrder = await confirm(sandbox, { ...auth, orderId: 'ORD-another' });
    expect([wrongOrder.status, wrongOrder.body.code]).toEqual([403, 'FORBIDDEN_REQUEST']);
    const wrongAmount = await confirm(sandbox, { ...auth, amount: 19000 });
    expect([wrongAmount.status, wrongAmount.body.code]).toEqual([400, 'INVALID_REQUEST']);
    // Neither attempt consumed the payment.
    expect((await confirm(sandbox, auth)).status).toBe(200);
  });

  it('answers 400 ALREADY_PROCESSED_PAYMENT when confirming a DONE payment again', async () => {
    const auth = await authorize(sandbox);
    expect((await confirm(sandbox, auth)).status).toBe(200);
    const again = await confirm(sandbox, auth);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ code: 'ALREADY_PROCESSED_PAYMENT', message: '이미 처리된 결제 입니다.' });
  });

  it('answers 400 BELOW_MINIMUM_AMOUNT under 100 KRW and leaves the payment ABORTED', async () => {
    const auth = await authorize(sandbox, { amount: 99 });
    const result = await confirm(sandbox, auth);
    expect([result.status, result.body.code]).toEqual([400, 'BELOW_MINIMUM_AMOUNT']);
    expect((await lookup(sandbox, auth.paymentKey)).body.status).toBe('ABORTED');
  });

  it.each([
    ['REJECT_CARD_COMPANY', 403, '결제 승인이 거절되었습니다.'],
    ['REJECT_CARD_PAYMENT', 403, '한도초과 혹은 잔액부족으로 결제에 실패했습니다.'],
    ['INVALID_CARD_EXPIRATION', 400, '카드 정보를 다시 확인해주세요. (유효기간)'],
  ])('fails a payment authorized with confirmError %s and marks it ABORTED', async (code, status, message) => {
    const auth = await authorize(sandbox, { confirmError: code });
    const result = await confirm(sandbox, auth);
    expect(result.status).toBe(status);
    expect(result.body).toEqual({ code, message });
    const after = (await lookupByOrder(sandbox, auth.orderId)).body;
    expect(after.status).toBe('ABORTED');
    expect(after.failure).toEqual({ code, message });
    expect(after.secret).toBeNull();
    expect(after.approvedAt).toBeNull();
    // A later confirm cannot resurrect it.
    expect((await confirm(sandbox, auth)).body.code).toBe('ALREADY_PROCESSED_PAYMENT');
  });

  it('expires IN_PROGRESS payments 10 minutes after authentication', async () => {
    const early = await authorize(sandbox);
    const late = await authorize(sandbox);
    sandbox.advanceClock(9 * 60 * 1000 + 59 * 1000);
    expect((await confirm(sandbox, early)).status).toBe(200);
    await call(sandbox, 'POST', '/__sandbox/clock', { secretKey: null, body: { advanceMs: 2000 } });
    const result = await confirm(sandbox, late);
    expect(result.status).toBe(404);
    expect(result.body.code).toBe('NOT_FOUND_PAYMENT_SESSION');
    const expired = (await lookup(sandbox, late.paymentKey)).body;
    expect(expired.status).toBe('EXPIRED');
    expect(expired.failure).toEqual({ code: 'EXPIRED_PAYMENT', message: '결제가 만료되었습니다. 다시 시도해주세요.' });
    // The approved one is not affected by the clock.
    expect((await lookup(sandbox, early.paymentKey)).body.status).toBe('DONE');
  });

  it('refuses to authenticate an order that was already approved (DUPLICATED_ORDER_ID)', async () => {
    const auth = await authorize(sandbox);
    await confirm(sandbox, auth);
    const again = await call(sandbox, 'POST', '/__sandbox/authorize', {
      secretKey: null,
      body: { clientKey: WIDGET_KEYS.clientKey, orderId: auth.orderId, orderName: 'x', amount: 15000 },
    });
    expect([again.status, again.body.code]).toEqual([400, 'DUPLICATED_ORDER_ID']);
  });

  it('lets a new attempt reuse the orderId of an aborted one; the orderId lookup prefers the approved attempt', async () => {
    const failed = await authorize(sandbox, { confirmError: 'REJECT_CARD_COMPANY' });
    await confirm(sandbox, failed);
    const retry = await authorize(sandbox, { orderId: failed.orderId });
    expect((await confirm(sandbox, retry)).status).toBe(200);
    expect((await lookupByOrder(sandbox, failed.orderId)).body.paymentKey).toBe(retry.paymentKey);
  });
});

describe('toss sandbox: TossPayments-Test-Code', () => {
  let sandbox: TossSandbox;

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  afterAll(() => sandbox.close());

  it('forces the documented error with its HTTP status, without touching the payment', async () => {
    const auth = await authorize(sandbox);
    const forced = await confirm(sandbox, auth, { headers: { 'TossPayments-Test-Code': 'REJECT_CARD_COMPANY' } });
    expect(forced.status).toBe(403);
    expect(forced.body).toEqual({ code: 'REJECT_CARD_COMPANY', message: '결제 승인이 거절되었습니다.' });
    expect((await lookup(sandbox, auth.paymentKey)).body.status).toBe('IN_PROGRESS');
    expect((await confirm(sandbox, auth)).status).toBe(200);
  });

  it('works on cancel and lookup too, in English when asked, and defaults to 400 for unlisted codes', async () => {
    const headers = (code: string): Record<string, string> => ({ 'tosspayments-test-code': code });
    const cancelResult = await call(sandbox, 'POST', '/v1/payments/x/cancel', {
      body: { cancelReason: 'x' },
      headers: headers('NOT_CANCELABLE_AMOUNT'),
    });
    expect([cancelResult.status, cancelResult.body.code]).toEqual([403, 'NOT_CANCELABLE_AMOUNT']);
    const lookupResult = await call(sandbox, 'GET', '/v1/payments/x', {
      headers: { ...headers('FAILED_INTERNAL_SYSTEM_PROCESSING'), 'accept-language': 'en-US' },
    });
    expect(lookupResult.status).toBe(500);
    expect(lookupResult.body.message).toBe('Internal system processing failed. Please try again in a few minutes.');
    const unlisted = await call(sandbox, 'GET', '/v1/payments/x', { headers: headers('SOME_NEW_CODE') });
    expect([unlisted.status, unlisted.body.code]).toEqual([400, 'SOME_NEW_CODE']);
    const notFound = await call(sandbox, 'GET', '/v1/payments/x', { headers: headers('NOT_FOUND_PAYMENT_SESSION') });
    expect(notFound.status).toBe(404);
  });
});
