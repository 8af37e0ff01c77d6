import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { approvedPayment, authorize, call, cancel, confirm, lookup, lookupByOrder } from './helpers';

function addFault(sandbox: TossSandbox, body: unknown): Promise<{ status: number; body: { faults: unknown[]; code?: string } }> {
  return call<{ faults: unknown[]; code?: string }>(sandbox, 'POST', '/__sandbox/faults', { secretKey: null, body });
}

describe('toss sandbox: fault injection', () => {
  let sandbox: TossSandbox;

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  afterEach(async () => {
    await call(sandbox, 'DELETE', '/__sandbox/faults', { secretKey: null });
  });
  afterAll(() => sandbox.close());

  it('error5xx answers 500 FAILED_INTERNAL_SYSTEM_PROCESSING without doing anything, `times` requests in a row', async () => {
    const auth = await authorize(sandbox);
    expect((await addFault(sandbox, { endpoint: 'confirm', mode: 'error5xx', times: 2 })).status).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      const failed = await confirm(sandbox, auth, { headers: { 'Idempotency-Key': `confirm:${auth.orderId}` } });
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({
        code: 'FAILED_INTERNAL_SYSTEM_PROCESSING',
        message: '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.',
      });
      expect((await lookup(sandbox, auth.paymentKey)).body.status).toBe('IN_PROGRESS');
    }
    expect((await confirm(sandbox, auth, { headers: { 'Idempotency-Key': `confirm:${auth.orderId}` } })).status).toBe(200);
  });

  it('drop-before kills the connection without processing', async () => {
    const auth = await authorize(sandbox);
    sandbox.addFault({ endpoint: 'confirm', mode: 'drop-before' });
    await expect(confirm(sandbox, auth)).rejects.toThrow();
    expect((await lookupByOrder(sandbox, auth.orderId)).body.status).toBe('IN_PROGRESS');
    expect((await confirm(sandbox, auth)).status).toBe(200);
  });

  it('drop-after approves, then kills the connection; a lookup by orderId shows DONE and the same key replays', async () => {
    const auth = await authorize(sandbox);
    await addFault(sandbox, { endpoint: 'confirm', mode: 'drop-after' });
    const headers = { 'Idempotency-Key': `confirm:${auth.orderId}` };
    await expect(confirm(sandbox, auth, { headers })).rejects.toThrow();
    const found = await lookupByOrder(sandbox, auth.orderId);
    expect(found.body.status).toBe('DONE');
    const retry = await confirm(sandbox, auth, { headers });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(found.body);
  });

  it('delay waits, then processes normally', async () => {
    const done = await approvedPayment(sandbox);
    await addFault(sandbox, { endpoint: 'lookup', mode: 'delay', ms: 250 });
    const started = Date.now();
    const result = await lookup(sandbox, done.paymentKey);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(result.status).toBe(200);
    const fast = Date.now();
    await lookup(sandbox, done.paymentKey);
    expect(Date.now() - fast).toBeLessThan(240);
  });

  it('targets one endpoint only: a cancel fault leaves confirm and lookup alone', async () => {
    const done = await approvedPayment(sandbox);
    await addFault(sandbox, { endpoint: 'cancel', mode: 'drop-after' });
    expect((await lookup(sandbox, done.paymentKey)).status).toBe(200);
    await expect(cancel(sandbox, done.paymentKey, { cancelReason: 'x' })).rejects.toThrow();
    expect((await lookup(sandbox, done.paymentKey)).body.status).toBe('CANCELED');
  });

  it('lists, clears and validates faults', async () => {
    await addFault(sandbox, { endpoint: 'lookup', mode: 'error5xx', times: 3 });
    const listed = await call<{ faults: unknown[] }>(sandbox, 'GET', '/__sandbox/faults', { secretKey: null });
    expect(listed.body.faults).toEqual([{ endpoint: 'lookup', mode: 'error5xx', ms: 1000, remaining: 3 }]);
    expect((await call(sandbox, 'DELETE', '/__sandbox/faults', { secretKey: null })).status).toBe(200);
    expect(sandbox.faults()).toEqual([]);
    for (const bad of [
      { endpoint: 'refund', mode: 'error5xx' },
      { endpoint: 'confirm', mode: 'explode' },
      { endpoint: 'confirm', mode: 'delay', times: 0 },
    ]) {
      const result = await addFault(sandbox, bad);
      expect([result.status, result.body.code]).toEqual([400, 'INVALID_REQUEST']);
    }
  });
});
