import { randomBytes } from 'node:crypto';
import { startTossSandbox, type TossSandbox } from '../../toss-sandbox';
import { OrderWithPaymentDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { merchantCancel, startAppWithToss, TOSS_CLIENT_KEY, TOSS_SECRET_KEY, authorizeOrder } from '../helpers/toss';

/**
 * `/webhooks/toss` is public and every delivery makes the server ask Toss with the merchant's
 * secret key: junk must not turn into Toss calls (the merchant's rate limit) or warnings.
 */

const COUNTER = 100_000;
/** Arms a zero-delay fault on Toss's look-up endpoint, so its remaining count tells how many look-ups Toss received. */
function countLookups(toss: TossSandbox): () => number {
  toss.clearFaults();
  toss.addFault({ endpoint: 'lookup', mode: 'delay', ms: 0, times: COUNTER });
  return () => COUNTER - (toss.faults().find((f) => f.endpoint === 'lookup')?.remaining ?? 0);
}

const junkKey = () => `tviva${randomBytes(12).toString('hex')}`;
const deliver = (url: string, data: Record<string, unknown>) =>
  fetch(`${url}/webhooks/toss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-01-01T00:00:00.000000', data }),
  });

describe('junk deliveries', () => {
  let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
  beforeAll(async () => {
    ({ t, toss, close } = await startAppWithToss({ TOSS_WEBHOOK_PER_IP_PER_MINUTE: '10' }));
  });
  afterAll(() => close?.());

  it('30 posts naming unknown payments make at most 10 Toss calls: Toss NOT_FOUND is 200 (no redelivery), past the per-IP limit 429 with Retry-After', async () => {
    const lookups = countLookups(toss);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await deliver(t.url, { paymentKey: junkKey(), status: 'DONE' });
      statuses.push(res.status);
      if (res.status === 200) expect(await res.json()).toEqual({ result: 'unknown payment' });
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect(lookups()).toBeLessThanOrEqual(10);
  });
});

describe('the look-up memory, the paymentKey check and a real payment', () => {
  let t: TestApp, toss: TossSandbox, seller: TestAccount, customer: TestAccount;
  beforeAll(async () => {
    // The last retry comes after the look-up memory has forgotten (WEBHOOK_MEMO_TTL_MS), as Toss's own do.
    toss = await startTossSandbox({ webhookRetryDelaysMs: [100, 4000] });
    t = await startTestApp({ TOSS_API_URL: toss.url, TOSS_SECRET_KEY, TOSS_CLIENT_KEY, TOSS_TIMEOUT_MS: '2000' });
    toss.setWebhookUrl(`${t.url}/webhooks/toss`);
    [seller, customer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
  });
  afterAll(async () => {
    toss?.setWebhookUrl(null);
    await t?.close();
    await toss?.close();
  });

  it('30 deliveries naming one payment, 20 of them at once, share one Toss look-up', async () => {
    const lookups = countLookups(toss);
    const paymentKey = junkKey();
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => deliver(t.url, { paymentKey, status: 'DONE' })));
    const sequential = [];
    for (let i = 0; i < 10; i++) sequential.push(await deliver(t.url, { paymentKey, status: 'DONE' }));
    expect([...concurrent, ...sequential].map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(lookups()).toBe(1);
  });

  it('a paymentKey no Toss path can carry is refused (400) without asking Toss', async () => {
    const lookups = countLookups(toss);
    for (const paymentKey of ['.', '..', '', 'x'.repeat(201), 42, null]) {
      expect((await deliver(t.url, { paymentKey })).status).toBe(400);
    }
    expect(lookups()).toBe(0);
  });

  it('real deliveries still settle the order, even right after a forged delivery claiming the same news was answered from Toss', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 5, price: 12000 });
    const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    const auth = authorizeOrder(toss, order);
    // Approved at Toss without this server's confirm: only the webhook tells it.
    await t.app.payments.gateway!.confirm({ ...auth, idempotencyKey: `confirm-${order.orderId}` });
    await toss.waitForWebhooks();
    const read = async () => (await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token })).order!;
    expect(await read()).toMatchObject({ status: 'ORDER_COMPLETED', payment: { status: 'DONE' } });

    // A forger announces the refund before it happens: Toss says DONE, and that answer is remembered briefly.
    expect((await deliver(t.url, { paymentKey: auth.paymentKey, status: 'CANCELED', balanceAmount: 0 })).status).toBe(200);
    // Then the merchant really refunds it. Toss's delivery says the same as the forgery; the remembered answer
    // disagrees with it, so the delivery is told to come back (503) and the retry after the memory settles it.
    await merchantCancel(toss, auth.paymentKey);
    await toss.waitForWebhooks();
    expect((await read()).payment).toMatchObject({ status: 'CANCELED' });
    const deliveries = toss.webhookDeliveries().filter((d) => JSON.stringify(d).includes(auth.paymentKey));
    expect(deliveries.at(-1)).toMatchObject({ status: 'DELIVERED', lastResponseStatus: 200 });
    expect(deliveries.at(-1)!.attempts).toBeGreaterThan(1);
  });
  it('a delivery whose look-up at Toss failed is not remembered: the next delivery right after asks Toss again and settles', async () => {
    const product = await createProduct(t.client, seller.token, { stock: 5, price: 9000 });
    const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    const auth = authorizeOrder(toss, order);
    await t.app.payments.gateway!.confirm({ ...auth, idempotencyKey: `confirm-${order.orderId}` });
    await toss.waitForWebhooks();
    toss.setWebhookUrl(null);
    try {
      await merchantCancel(toss, auth.paymentKey);
      // Toss cannot be read: the delivery is told to come back.
      toss.clearFaults();
      toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 20 });
      expect((await deliver(t.url, { paymentKey: auth.paymentKey, status: 'CANCELED', balanceAmount: 0 })).status).toBe(503);
      toss.clearFaults();
      // Toss's retry comes within the memo's window, and is served from a fresh look-up.
      expect((await deliver(t.url, { paymentKey: auth.paymentKey, status: 'CANCELED', balanceAmount: 0 })).status).toBe(200);
    } finally {
      toss.setWebhookUrl(`${t.url}/webhooks/toss`);
    }
    const { order: now } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(now).toMatchObject({ status: 'CANCELLED', payment: { status: 'CANCELED' } });
  });
});

describe('TOSS_WEBHOOK_ALLOWED_IPS', () => {
  it('a sender outside the list gets 403 and Toss is not asked; one inside is served', async () => {
    const toss = await startTossSandbox();
    const apps: TestApp[] = [];
    try {
      const env = { TOSS_API_URL: toss.url, TOSS_SECRET_KEY, TOSS_CLIENT_KEY, TOSS_TIMEOUT_MS: '2000' };
      const closed = await startTestApp({ ...env, TOSS_WEBHOOK_ALLOWED_IPS: '203.0.113.0/24, 2001:db8::1' });
      apps.push(closed);
      const open = await startTestApp({ ...env, TOSS_WEBHOOK_ALLOWED_IPS: '203.0.113.7,127.0.0.0/8,::1' });
      apps.push(open);
      const lookups = countLookups(toss);
      const refused = await deliver(closed.url, { paymentKey: junkKey(), status: 'DONE' });
      expect(refused.status).toBe(403);
      expect(lookups()).toBe(0);
      const served = await deliver(open.url, { paymentKey: junkKey(), status: 'DONE' });
      expect(served.status).toBe(200);
      expect(lookups()).toBe(1);
    } finally {
      for (const app of apps) await app.close();
      await toss.close();
    }
  });
});
