import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { approvedPayment, authorize, cancel, confirm, KST_TIME, lookup } from './helpers';

describe('toss sandbox: POST /v1/payments/{paymentKey}/cancel', () => {
  let sandbox: TossSandbox;

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  afterAll(() => sandbox.close());

  it('cancels the whole balance when cancelAmount is omitted', async () => {
    const done = await approvedPayment(sandbox, 15000);
    const result = await cancel(sandbox, done.paymentKey, { cancelReason: '고객 변심' });
    expect(result.status).toBe(200);
    const p = result.body;
    expect(p).toMatchObject({ status: 'CANCELED', totalAmount: 15000, balanceAmount: 0, suppliedAmount: 0, vat: 0, taxFreeAmount: 0 });
    expect(p.approvedAt).toBe(done.approvedAt);
    expect(p.secret).toBe(done.secret);
    expect(p.card?.acquireStatus).toBe('CANCELED');
    expect(p.cancels).toHaveLength(1);
    const [entry] = p.cancels ?? [];
    expect(Object.keys(entry).sort()).toEqual(
      [
        'transactionKey',
        'cancelReason',
        'cancelAmount',
        'taxFreeAmount',
        'taxExemptionAmount',
        'refundableAmount',
        'cardDiscountAmount',
        'transferDiscountAmount',
        'easyPayDiscountAmount',
        'canceledAt',
        'receiptKey',
        'cancelStatus',
        'cancelRequestId',
      ].sort(),
    );
    expect(entry).toMatchObject({
      cancelReason: '고객 변심',
      cancelAmount: 15000,
      taxFreeAmount: 0,
      taxExemptionAmount: 0,
      refundableAmount: 0,
      cardDiscountAmount: 0,
      transferDiscountAmount: 0,
      easyPayDiscountAmount: 0,
      receiptKey: null,
      cancelStatus: 'DONE',
      cancelRequestId: null,
    });
    expect(entry.canceledAt).toMatch(KST_TIME);
    expect(entry.transactionKey).toMatch(/^[0-9A-F]{32}$/);
    expect(p.lastTransactionKey).toBe(entry.transactionKey);
    expect(p.lastTransactionKey).not.toBe(done.lastTransactionKey);
    expect((await lookup(sandbox, done.paymentKey)).body).toEqual(p);
  });

  it('cancels partially, recomputing balance, VAT and supplied amount, then CANCELED once the balance is 0', async () => {
    const done = await approvedPayment(sandbox, 15000);
    const first = await cancel(sandbox, done.paymentKey, { cancelReason: '고객 변심(부분)', cancelAmount: 5000 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'PARTIAL_CANCELED',
      totalAmount: 15000,
      balanceAmount: 10000,
      suppliedAmount: 9091,
      vat: 909,
    });
    expect(first.body.cancels?.[0]).toMatchObject({ cancelAmount: 5000, refundableAmount: 10000 });

    const second = await cancel(sandbox, done.paymentKey, { cancelReason: '나머지', cancelAmount: 3333, refundableAmount: 10000 });
    expect(second.body).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 6667, suppliedAmount: 6061, vat: 606 });

    const rest = await cancel(sandbox, done.paymentKey, { cancelReason: '전액', cancelAmount: 6667 });
    expect(rest.body).toMatchObject({ status: 'CANCELED', balanceAmount: 0, vat: 0, suppliedAmount: 0 });
    expect(rest.body.cancels?.map((c) => c.refundableAmount)).toEqual([10000, 6667, 0]);
    expect(new Set(rest.body.cancels?.map((c) => c.transactionKey)).size).toBe(3);
  });

  it('answers 400 ALREADY_CANCELED_PAYMENT after a full cancel', async () => {
    const done = await approvedPayment(sandbox);
    await cancel(sandbox, done.paymentKey, { cancelReason: 'x' });
    const again = await cancel(sandbox, done.paymentKey, { cancelReason: 'x' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ code: 'ALREADY_CANCELED_PAYMENT', message: '이미 취소된 결제 입니다.' });
  });

  it('answers 403 NOT_CANCELABLE_AMOUNT above the balance', async () => {
    const done = await approvedPayment(sandbox, 10000);
    await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 4000 });
    const over = await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 6001 });
    expect(over.status).toBe(403);
    expect(over.body).toEqual({ code: 'NOT_CANCELABLE_AMOUNT', message: '취소 할 수 없는 금액 입니다.' });
    expect((await lookup(sandbox, done.paymentKey)).body.balanceAmount).toBe(6000);
  });

  it('answers 400 NOT_MATCHES_REFUNDABLE_AMOUNT when refundableAmount is not the balance', async () => {
    const done = await approvedPayment(sandbox, 10000);
    const wrong = await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 1000, refundableAmount: 9000 });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ code: 'NOT_MATCHES_REFUNDABLE_AMOUNT', message: '잔액 결과가 일치하지 않습니다.' });
    const right = await cancel(sandbox, done.paymentKey, { cancelReason: 'x', cancelAmount: 1000, refundableAmount: 10000 });
    expect(right.body.balanceAmount).toBe(9000);
  });

  it('answers 403 NOT_CANCELABLE_PAYMENT for IN_PROGRESS, ABORTED and EXPIRED payments', async () => {
    const inProgress = await authorize(sandbox);
    const aborted = await authorize(sandbox, { confirmError: 'REJECT_CARD_COMPANY' });
    await confirm(sandbox, aborted);
    const toExpire = await authorize(sandbox);
    sandbox.advanceClock(11 * 60 * 1000);
    for (const { paymentKey } of [inProgress, aborted, toExpire]) {
      const result = await cancel(sandbox, paymentKey, { cancelReason: 'x' });
      expect(result.status).toBe(403);
      expect(result.body).toEqual({ code: 'NOT_CANCELABLE_PAYMENT', message: '취소 할 수 없는 결제 입니다.' });
    }
    expect((await lookup(sandbox, inProgress.paymentKey)).body.status).toBe('EXPIRED');
  });

  it('answers 404 NOT_FOUND_PAYMENT for an unknown paymentKey', async () => {
    const result = await cancel(sandbox, 'tgen_20240213121757Ab1Cd', { cancelReason: 'x' });
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ code: 'NOT_FOUND_PAYMENT', message: '존재하지 않는 결제 정보 입니다.' });
  });

  it.each([
    ['missing cancelReason', {}],
    ['empty cancelReason', { cancelReason: '' }],
    ['cancelReason over 200 chars', { cancelReason: '가'.repeat(201) }],
    ['cancelAmount zero', { cancelReason: 'x', cancelAmount: 0 }],
    ['cancelAmount as a string', { cancelReason: 'x', cancelAmount: '1000' }],
    ['cancelAmount not an integer', { cancelReason: 'x', cancelAmount: 100.5 }],
    ['another currency', { cancelReason: 'x', currency: 'USD' }],
  ])('answers 400 INVALID_REQUEST for %s', async (_name, body) => {
    const done = await approvedPayment(sandbox);
    const result = await cancel(sandbox, done.paymentKey, body);
    expect([result.status, result.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await lookup(sandbox, done.paymentKey)).body.status).toBe('DONE');
  });
});
