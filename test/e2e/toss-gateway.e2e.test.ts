import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PaymentGatewayError } from '../../src/services/payments/payment-gateway';
import { TossPaymentGateway, type TossPaymentGatewayOptions } from '../../src/services/payments/toss-payment-gateway';
import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';

const CLIENT_KEY = 'test_gck_sandbox_marketplace';
const SECRET_KEY = 'test_gsk_sandbox_marketplace';
const KST_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/;

type Warning = { obj: Record<string, unknown>; msg: string };

function newOrderId(): string {
  return `ORD-${randomBytes(6).toString('hex')}`;
}

/** Resolves to the PaymentGatewayError the promise rejects with; fails the test if it resolves or throws anything else. */
async function gatewayError(promise: Promise<unknown>): Promise<PaymentGatewayError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PaymentGatewayError);
  return error as PaymentGatewayError;
}

/** A bare HTTP server answering every request with a fixed status and body: what a proxy in front of Toss might send. */
async function startStub(
  status: number,
  body: string,
  contentType = 'text/html',
): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(status, { 'content-type': contentType }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits, server };
}

describe('TossPaymentGateway against the Toss sandbox', () => {
  let sandbox: TossSandbox;
  let warnings: Warning[];

  const gateway = (options: Partial<TossPaymentGatewayOptions> = {}): TossPaymentGateway =>
    new TossPaymentGateway({
      apiUrl: sandbox.url,
      secretKey: SECRET_KEY,
      timeoutMs: 2000,
      retryDelayMs: 20,
      logger: { warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) },
      ...options,
    });

  const authorize = (overrides: { amount?: number; confirmError?: string } = {}) =>
    sandbox.authorize({ clientKey: CLIENT_KEY, orderId: newOrderId(), orderName: '생수 외 1건', amount: 15000, ...overrides });

  const confirmInput = (auth: { paymentKey: string; orderId: string; amount: number }) => ({
    ...auth,
    idempotencyKey: `confirm:${auth.orderId}`,
  });

  beforeAll(async () => {
    sandbox = await startTossSandbox();
  });
  beforeEach(() => {
    warnings = [];
  });
  afterEach(() => sandbox.clearFaults());
  afterAll(() => sandbox.close());

  describe('confirm', () => {
    it('approves: DONE with approvedAt, receipt url, and a raw body without any card number', async () => {
      const auth = authorize();
      const payment = await gateway().confirm(confirmInput(auth));
      expect(payment).toMatchObject({
        paymentKey: auth.paymentKey,
        orderId: auth.orderId,
        orderName: '생수 외 1건',
        status: 'DONE',
        method: '카드',
        totalAmount: 15000,
        balanceAmount: 15000,
        cancels: [],
        failure: null,
      });
      expect(payment.approvedAt).toMatch(KST_TIME);
      expect(payment.requestedAt).toMatch(KST_TIME);
      expect(payment.receiptUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/receipt\//);
      // raw is the whole body (secret included, needed to verify webhooks) minus the masked card number.
      expect(payment.raw).toMatchObject({ mId: 'tgen_sandbox1', status: 'DONE', secret: expect.any(String) });
      expect(payment.raw.card).toMatchObject({ issuerCode: '71', approveNo: '00000000' });
      expect(payment.raw.card).not.toHaveProperty('number');
      expect(JSON.stringify(payment.raw)).not.toMatch(/\*\*\*\*|12345678/);
      expect(sandbox.payments().find((p) => p.paymentKey === auth.paymentKey)?.card?.number).toBe('12345678****000*');
    });

    it('replays the first result for the same idempotency key; a new key is ALREADY_PROCESSED_PAYMENT (reconcile)', async () => {
      const auth = authorize();
      const first = await gateway().confirm(confirmInput(auth));
      expect(await gateway().confirm(confirmInput(auth))).toEqual(first);
      const error = await gatewayError(gateway().confirm({ ...auth, idempotencyKey: `other:${auth.orderId}` }));
      expect(error).toMatchObject({ kind: 'rejected', code: 'ALREADY_PROCESSED_PAYMENT', status: 400, reconcile: true, retryable: false });
      expect(error.toClientExtensions()).toEqual({ tossCode: 'ALREADY_PROCESSED_PAYMENT', tossMessage: '이미 처리된 결제 입니다.' });
    });

    it('rejects an amount mismatch with Toss code, and the payment stays confirmable', async () => {
      const auth = authorize();
      const error = await gatewayError(gateway().confirm({ ...confirmInput(auth), amount: 14000 }));
      expect(error).toMatchObject({ kind: 'rejected', code: 'INVALID_REQUEST', status: 400, reconcile: false });
      expect((await gateway().getByPaymentKey(auth.paymentKey)).status).toBe('IN_PROGRESS');
    });

    it('rejects a declined card with the card code; the lookup shows ABORTED with the failure', async () => {
      const auth = authorize({ confirmError: 'REJECT_CARD_COMPANY' });
      const error = await gatewayError(gateway().confirm(confirmInput(auth)));
      expect(error).toMatchObject({
        kind: 'rejected',
        code: 'REJECT_CARD_COMPANY',
        status: 403,
        tossMessage: '결제 승인이 거절되었습니다.',
      });
      expect(await gateway().getByOrderId(auth.orderId)).toMatchObject({ status: 'ABORTED', failure: { code: 'REJECT_CARD_COMPANY' } });
    });

    it('flags temporary 4xx codes (PROVIDER_ERROR) as retryable but never retries them itself', async () => {
      const error = await gatewayError(gateway().confirm(confirmInput(authorize({ confirmError: 'PROVIDER_ERROR' }))));
      expect(error).toMatchObject({ kind: 'rejected', code: 'PROVIDER_ERROR', status: 400, retryable: true, reconcile: false });
      expect(warnings).toEqual([]);
    });

    it('rejects a wrong secret key with UNAUTHORIZED_KEY', async () => {
      const auth = authorize();
      const wrong = gateway({ secretKey: 'test_gsk_not_a_real_key' });
      expect(await gatewayError(wrong.confirm(confirmInput(auth)))).toMatchObject({
        kind: 'rejected',
        code: 'UNAUTHORIZED_KEY',
        status: 401,
      });
      expect(await gatewayError(wrong.getByOrderId(auth.orderId))).toMatchObject({ kind: 'rejected', code: 'UNAUTHORIZED_KEY' });
    });

    it('a 5xx without retries is unknown; the same key later succeeds (Toss does not store 5xx answers)', async () => {
      const auth = authorize();
      sandbox.addFault({ endpoint: 'confirm', mode: 'error5xx' });
      const error = await gatewayError(gateway({ retries: 0 }).confirm(confirmInput(auth)));
      expect(error).toMatchObject({ kind: 'unknown', reason: 'server-error', status: 500, code: 'FAILED_INTERNAL_SYSTEM_PROCESSING' });
      expect(error).toMatchObject({ retryable: true, reconcile: true });
      expect((await gateway().getByOrderId(auth.orderId))?.status).toBe('IN_PROGRESS');
      expect((await gateway().confirm(confirmInput(auth))).status).toBe('DONE');
    });

    it('retries a 5xx with the same key (default policy) and logs each retry', async () => {
      const auth = authorize();
      sandbox.addFault({ endpoint: 'confirm', mode: 'error5xx', times: 2 });
      expect((await gateway().confirm(confirmInput(auth))).status).toBe('DONE');
      expect(warnings.map((w) => [w.obj.operation, w.obj.attempt, w.obj.code])).toEqual([
        ['confirm', 1, 'FAILED_INTERNAL_SYSTEM_PROCESSING'],
        ['confirm', 2, 'FAILED_INTERNAL_SYSTEM_PROCESSING'],
      ]);
      expect(JSON.stringify(warnings)).not.toContain(auth.paymentKey);
    });

    it('gives up after `retries` and reports the last failure as unknown', async () => {
      sandbox.addFault({ endpoint: 'confirm', mode: 'error5xx', times: 3 });
      const error = await gatewayError(gateway({ retries: 2 }).confirm(confirmInput(authorize())));
      expect(error).toMatchObject({ kind: 'unknown', reason: 'server-error' });
      expect(warnings).toHaveLength(2);
    });

    it('does not retry UNKNOWN_PAYMENT_ERROR (5xx marked "look it up")', async () => {
      const auth = authorize({ confirmError: 'UNKNOWN_PAYMENT_ERROR' });
      const error = await gatewayError(gateway().confirm(confirmInput(auth)));
      expect(error).toMatchObject({ kind: 'unknown', code: 'UNKNOWN_PAYMENT_ERROR', status: 500, retryable: false, reconcile: true });
      expect(warnings).toEqual([]);
      expect((await gateway().getByOrderId(auth.orderId))?.status).toBe('ABORTED');
    });

    it('drop-after (approved, reply lost) without retries is unknown; getByOrderId shows DONE; the same key replays it', async () => {
      const auth = authorize();
      sandbox.addFault({ endpoint: 'confirm', mode: 'drop-after' });
      expect(await gatewayError(gateway({ retries: 0 }).confirm(confirmInput(auth)))).toMatchObject({
        kind: 'unknown',
        reason: 'network',
        status: null,
        code: null,
      });
      const found = await gateway().getByOrderId(auth.orderId);
      expect(found?.status).toBe('DONE');
      expect(await gateway().confirm(confirmInput(auth))).toEqual(found);
    });

    it('with the default policy a lost reply (drop-after) or a request dropped before processing is retried under the same key', async () => {
      const auth = authorize();
      sandbox.addFault({ endpoint: 'confirm', mode: 'drop-after' });
      expect((await gateway().confirm(confirmInput(auth))).status).toBe('DONE');
      const other = authorize();
      sandbox.addFault({ endpoint: 'confirm', mode: 'drop-before' });
      expect((await gateway().confirm(confirmInput(other))).status).toBe('DONE');
      expect(warnings.map((w) => w.obj.reason)).toEqual(['network', 'network']);
    });

    it('a reply slower than the timeout is unknown (timeout); Toss finishes the confirm anyway', async () => {
      const auth = authorize();
      sandbox.addFault({ endpoint: 'confirm', mode: 'delay', ms: 600 });
      const started = Date.now();
      const error = await gatewayError(gateway({ timeoutMs: 200, retries: 0 }).confirm(confirmInput(auth)));
      expect(error).toMatchObject({ kind: 'unknown', reason: 'timeout', retryable: true, reconcile: true });
      expect(Date.now() - started).toBeLessThan(550);
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect((await gateway().getByOrderId(auth.orderId))?.status).toBe('DONE');
    });

    it('a timed-out confirm retried under the same key meets 409 while Toss works, then gets the replayed result', async () => {
      const auth = authorize();
      sandbox.addFault({ endpoint: 'confirm', mode: 'delay', ms: 800 });
      const payment = await gateway({ timeoutMs: 300, retries: 6, retryDelayMs: 200 }).confirm(confirmInput(auth));
      expect(payment.status).toBe('DONE');
      expect(warnings[0].obj).toMatchObject({ kind: 'unknown', reason: 'timeout' });
      expect(warnings.slice(1).map((w) => w.obj.kind)).toContain('conflict');
    });

    it('a concurrent confirm with the same key is a conflict (409 IDEMPOTENT_REQUEST_PROCESSING)', async () => {
      const auth = authorize();
      sandbox.addFault({ endpoint: 'confirm', mode: 'delay', ms: 400 });
      const first = gateway({ retries: 0 }).confirm(confirmInput(auth));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const error = await gatewayError(gateway({ retries: 0 }).confirm(confirmInput(auth)));
      expect(error).toMatchObject({
        kind: 'conflict',
        code: 'IDEMPOTENT_REQUEST_PROCESSING',
        status: 409,
        retryable: true,
        reconcile: true,
      });
      expect((await first).status).toBe('DONE');
    });

    it('validates the idempotency key before sending anything', async () => {
      const auth = authorize();
      for (const idempotencyKey of ['', 'x'.repeat(301), 'has space', '주문-1', 'line\nbreak']) {
        await expect(gateway().confirm({ ...auth, idempotencyKey })).rejects.toBeInstanceOf(RangeError);
      }
      expect((await gateway().getByPaymentKey(auth.paymentKey)).status).toBe('IN_PROGRESS');
      expect((await gateway().confirm({ ...auth, idempotencyKey: 'k'.repeat(300) })).status).toBe('DONE');
    });
  });

  describe('cancel', () => {
    it('cancels in full with the reason; the same key replays; a new key is ALREADY_CANCELED_PAYMENT', async () => {
      const auth = authorize();
      await gateway().confirm(confirmInput(auth));
      const input = { paymentKey: auth.paymentKey, reason: '고객 변심', idempotencyKey: `cancel:${auth.orderId}:1` };
      const canceled = await gateway().cancel(input);
      expect(canceled).toMatchObject({ status: 'CANCELED', balanceAmount: 0, totalAmount: 15000 });
      expect(canceled.cancels).toEqual([
        {
          cancelReason: '고객 변심',
          cancelAmount: 15000,
          canceledAt: expect.stringMatching(KST_TIME),
          transactionKey: expect.any(String),
          refundableAmount: 0,
        },
      ]);
      expect(await gateway().cancel(input)).toEqual(canceled);
      const error = await gatewayError(gateway().cancel({ ...input, idempotencyKey: `cancel:${auth.orderId}:2` }));
      expect(error).toMatchObject({ kind: 'rejected', code: 'ALREADY_CANCELED_PAYMENT', status: 400, reconcile: true });
    });

    it('retries a lost cancel reply under the same key: one refund only', async () => {
      const auth = authorize();
      await gateway().confirm(confirmInput(auth));
      sandbox.addFault({ endpoint: 'cancel', mode: 'drop-after' });
      const canceled = await gateway().cancel({ paymentKey: auth.paymentKey, reason: '품절', idempotencyKey: `cancel:${auth.orderId}` });
      expect(canceled.status).toBe('CANCELED');
      expect(canceled.cancels).toHaveLength(1);
    });

    it('a lost cancel reply without retries is unknown, and the error does not carry the paymentKey (URL) anywhere', async () => {
      const auth = authorize();
      await gateway().confirm(confirmInput(auth));
      sandbox.addFault({ endpoint: 'cancel', mode: 'drop-after' });
      const input = { paymentKey: auth.paymentKey, reason: '품절', idempotencyKey: `cancel:${auth.orderId}` };
      const error = await gatewayError(gateway({ retries: 0 }).cancel(input));
      expect(error).toMatchObject({ kind: 'unknown', reason: 'network', operation: 'cancel' });
      expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain(auth.paymentKey);
      expect((await gateway().getByPaymentKey(auth.paymentKey)).status).toBe('CANCELED');
    });

    it('rejects cancelling an unknown payment and one that is not approved', async () => {
      const unknown = gateway().cancel({ paymentKey: 'tgen_nope', reason: 'x', idempotencyKey: 'cancel:nope' });
      expect(await gatewayError(unknown)).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND_PAYMENT', status: 404 });
      const auth = authorize();
      const pending = gateway().cancel({ paymentKey: auth.paymentKey, reason: 'x', idempotencyKey: `cancel:${auth.orderId}` });
      expect(await gatewayError(pending)).toMatchObject({ kind: 'rejected', code: 'NOT_CANCELABLE_PAYMENT', status: 403 });
    });
  });

  describe('lookups', () => {
    it('finds a payment by paymentKey and by orderId', async () => {
      const auth = authorize();
      const confirmed = await gateway().confirm(confirmInput(auth));
      expect(await gateway().getByPaymentKey(auth.paymentKey)).toEqual(confirmed);
      expect(await gateway().getByOrderId(auth.orderId)).toEqual(confirmed);
    });

    it('getByOrderId is null for an unknown order (also with characters that need encoding); getByPaymentKey rejects', async () => {
      expect(await gateway().getByOrderId(newOrderId())).toBeNull();
      expect(await gateway().getByOrderId('a/b?c#d%e')).toBeNull();
      expect(await gatewayError(gateway().getByPaymentKey('tgen_missing/../x'))).toMatchObject({ code: 'NOT_FOUND_PAYMENT', status: 404 });
      await expect(gateway().getByPaymentKey('..')).rejects.toBeInstanceOf(RangeError);
    });

    it('retries lookups on 5xx and dropped connections', async () => {
      const auth = authorize();
      sandbox.addFault({ endpoint: 'lookup', mode: 'error5xx' });
      sandbox.addFault({ endpoint: 'lookup', mode: 'drop-before' });
      expect((await gateway().getByOrderId(auth.orderId))?.paymentKey).toBe(auth.paymentKey);
      expect(warnings.map((w) => w.obj.reason)).toEqual(['server-error', 'network']);
    });

    it('a lookup slower than the timeout is unknown once retries run out', async () => {
      sandbox.addFault({ endpoint: 'lookup', mode: 'delay', ms: 500, times: 2 });
      const error = await gatewayError(gateway({ timeoutMs: 150, retries: 1 }).getByOrderId(authorize().orderId));
      expect(error).toMatchObject({ kind: 'unknown', reason: 'timeout', operation: 'lookup' });
    });
  });

  describe('answers that are not Toss answers', () => {
    it('a 200 that is not a Payment is unknown (invalid-response), never retried for confirm', async () => {
      const stub = await startStub(200, '<html>maintenance</html>');
      try {
        const stubbed = gateway({ apiUrl: stub.url });
        const error = await gatewayError(stubbed.confirm(confirmInput(authorize())));
        expect(error).toMatchObject({ kind: 'unknown', reason: 'invalid-response', status: 200, reconcile: true });
        expect(stub.hits()).toBe(1);
      } finally {
        stub.server.close();
      }
    });

    it('a 404 without a Toss code is unknown, not "no payment"; a 502 page is retried', async () => {
      const notFound = await startStub(404, '<html>Not Found</html>');
      const badGateway = await startStub(502, '<html>Bad Gateway</html>');
      try {
        expect(await gatewayError(gateway({ apiUrl: notFound.url }).getByOrderId(newOrderId()))).toMatchObject({
          kind: 'unknown',
          reason: 'invalid-response',
          status: 404,
        });
        expect(await gatewayError(gateway({ apiUrl: `${badGateway.url}/` }).getByOrderId(newOrderId()))).toMatchObject({
          kind: 'unknown',
          reason: 'server-error',
          status: 502,
          code: null,
        });
        expect(badGateway.hits()).toBe(3);
      } finally {
        notFound.server.close();
        badGateway.server.close();
      }
    });

    it('a refused connection is unknown (network)', async () => {
      const stub = await startStub(200, '{}');
      await new Promise((resolve) => stub.server.close(resolve));
      const error = await gatewayError(gateway({ apiUrl: stub.url, retries: 0 }).getByPaymentKey('tgen_any'));
      expect(error).toMatchObject({ kind: 'unknown', reason: 'network', status: null });
    });
  });
});
