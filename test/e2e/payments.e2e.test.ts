import { Order, OrderStatus, OrderStatusChange, Payment, Product } from '../../src/entities';
import type { TossSandbox } from '../../toss-sandbox';
import { CancelOrderDocument, CartDocument, ConfirmPaymentDocument, OrderWithPaymentDocument, PaymentDocument } from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { codeOf } from '../helpers/graphql-client';
import type { TestApp } from '../helpers/test-app';
import { startAppWithToss, authorizeOrder } from '../helpers/toss';

let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
let admin: TestAccount, seller: TestAccount, customer: TestAccount, otherCustomer: TestAccount;

beforeAll(async () => {
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  [admin, seller, customer, otherCustomer] = await Promise.all([
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'CUSTOMER'),
    signUpAs(t.client, 'CUSTOMER'),
  ]);
});
afterAll(() => close?.());
afterEach(() => toss.clearFaults());

const em = () => t.app.orm.em.fork();
const stockOf = async (id: string) => (await em().findOneOrFail(Product, Number(id))).stock;
const counterOf = async (id: string) => (await t.app.stock.counters([Number(id)])).get(Number(id));
const tossPaymentsFor = (orderId: string) => toss.payments().filter((p) => p.orderId === orderId);

/** A fresh product with `stock`, an order of `quantity` of it, and Toss's window passed (what successUrl receives). */
async function pendingOrder(options: { stock?: number; quantity?: number; price?: number; confirmError?: string } = {}) {
  const product = await createProduct(t.client, seller.token, { stock: options.stock ?? 5, price: options.price ?? 15000 });
  const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: options.quantity ?? 2 }]);
  const auth = authorizeOrder(toss, order, options.confirmError);
  return { product, order, auth };
}

const confirm = (input: { paymentKey: string; orderId: string; amount: number }, token = customer.token) =>
  t.client.request(ConfirmPaymentDocument, { input }, { token });

describe('confirmPayment', () => {
  it('completes the order: ORDER_COMPLETED with paidAt, the payment DONE, the lines out of the cart, the stock sold', async () => {
    const { product, order, auth } = await pendingOrder({ stock: 5, quantity: 2 });
    const res = await confirm(auth);
    expect(res.errors).toBeUndefined();
    const done = res.data!.confirmPayment;
    expect(done).toMatchObject({ orderId: order.orderId, status: 'ORDER_COMPLETED', totalAmount: 30000 });
    expect(done.paidAt).not.toBeNull();
    expect(done.payment).toMatchObject({
      paymentKey: auth.paymentKey,
      orderId: order.orderId,
      amount: 30000,
      status: 'DONE',
      method: '카드',
    });
    expect(done.payment!.approvedAt).not.toBeNull();
    expect(done.payment!.receiptUrl).toMatch(/^http/);
    const { cart } = await t.client.ok(CartDocument, {}, { token: customer.token });
    expect(cart.lines.some((l) => l.product.id === product.id)).toBe(false);
    expect([await stockOf(product.id), await counterOf(product.id)]).toEqual([3, 3]);
    expect(await t.app.stock.reservation(order.orderId)).toBeNull();
    expect(tossPaymentsFor(order.orderId).map((p) => p.status)).toEqual(['DONE']);
    // Never card numbers in what we keep.
    const row = await em().findOneOrFail(Payment, { paymentKey: auth.paymentKey });
    expect(JSON.stringify(row.lastResponse)).not.toMatch(/"(number|cardNumber)"/);
    expect(row.lastResponse).toMatchObject({ status: 'DONE', paymentKey: auth.paymentKey });
  });

  it('fails the order without asking Toss when the amount was tampered with (PAYMENT_FAILED, stock back)', async () => {
    const { product, order, auth } = await pendingOrder({ stock: 5, quantity: 2 });
    const res = await confirm({ ...auth, amount: 100 });
    expect(codeOf(res)).toBe('PAYMENT_FAILED');
    expect(res.errors![0].extensions).toMatchObject({ reason: 'AMOUNT_MISMATCH', orderId: order.orderId });
    const { order: failed } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(failed).toMatchObject({ status: 'PAYMENT_FAILED', failureCode: 'AMOUNT_MISMATCH' });
    expect([await stockOf(product.id), await counterOf(product.id)]).toEqual([5, 5]);
    expect(tossPaymentsFor(order.orderId).map((p) => p.status)).toEqual(['IN_PROGRESS']);
  });

  it("answers NOT_FOUND for someone else's order, FORBIDDEN for sellers, UNAUTHENTICATED when anonymous, and leaves the order alone", async () => {
    const { order, auth } = await pendingOrder();
    expect(codeOf(await confirm(auth, otherCustomer.token))).toBe('NOT_FOUND');
    expect(codeOf(await confirm(auth, seller.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(ConfirmPaymentDocument, { input: auth }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await confirm({ ...auth, orderId: 'bad id!' }))).toBe('BAD_USER_INPUT');
    const { order: still } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(still).toMatchObject({ status: 'PAYMENT_PENDING', payment: null });
  });

  it("a declined card fails the order with Toss's code, the payment ABORTED, the stock back", async () => {
    const { product, order, auth } = await pendingOrder({ stock: 4, quantity: 1, confirmError: 'REJECT_CARD_COMPANY' });
    const res = await confirm(auth);
    expect(codeOf(res)).toBe('PAYMENT_FAILED');
    expect(res.errors![0].extensions).toMatchObject({ tossCode: 'REJECT_CARD_COMPANY', reason: 'REJECT_CARD_COMPANY' });
    const { order: failed } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(failed).toMatchObject({
      status: 'PAYMENT_FAILED',
      failureCode: 'REJECT_CARD_COMPANY',
      payment: { status: 'ABORTED', failureCode: 'REJECT_CARD_COMPANY' },
    });
    expect([await stockOf(product.id), await counterOf(product.id)]).toEqual([4, 4]);
  });

  it('the same confirm twice in a row completes the order once, and the second caller sees it', async () => {
    const { order, auth } = await pendingOrder();
    const first = await confirm(auth);
    const second = await confirm(auth);
    expect(first.data!.confirmPayment.status).toBe('ORDER_COMPLETED');
    expect(second.errors).toBeUndefined();
    expect(second.data!.confirmPayment).toMatchObject({ status: 'ORDER_COMPLETED', paidAt: first.data!.confirmPayment.paidAt });
    expect(await em().count(OrderStatusChange, { order: { orderId: order.orderId }, toStatus: OrderStatus.ORDER_COMPLETED })).toBe(1);
    expect(tossPaymentsFor(order.orderId)).toHaveLength(1);
  });

  it('the same confirm sent several times at once completes the order once, one charge, and every caller sees it', async () => {
    const { product, order, auth } = await pendingOrder({ stock: 5, quantity: 1 });
    const results = await Promise.all(Array.from({ length: 4 }, () => confirm(auth)));
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data!.confirmPayment.status).toBe('ORDER_COMPLETED');
    }
    expect(await em().count(OrderStatusChange, { order: { orderId: order.orderId }, toStatus: OrderStatus.ORDER_COMPLETED })).toBe(1);
    expect(tossPaymentsFor(order.orderId).map((p) => p.status)).toEqual(['DONE']);
    expect(await stockOf(product.id)).toBe(4);
  });

  it("after Toss's 10-minute window: Toss refuses, the order fails with Toss's code and the stock returns", async () => {
    const { product, order, auth } = await pendingOrder({ stock: 3, quantity: 3 });
    toss.advanceClock(11 * 60_000);
    const res = await confirm(auth);
    expect(codeOf(res)).toBe('PAYMENT_FAILED');
    expect(res.errors![0].extensions!.tossCode).toBe('NOT_FOUND_PAYMENT_SESSION');
    const { order: failed } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(failed!.status).toBe('PAYMENT_FAILED');
    expect([await stockOf(product.id), await counterOf(product.id)]).toEqual([3, 3]);
  });

  it('PG 5xx: the order stays pending (SERVICE_UNAVAILABLE), and a retry completes it with one charge', async () => {
    const { order, auth } = await pendingOrder();
    toss.addFault({ endpoint: 'confirm', mode: 'error5xx', times: 2 });
    const first = await confirm(auth);
    expect(codeOf(first)).toBe('SERVICE_UNAVAILABLE');
    expect((await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token })).order).toMatchObject({
      status: 'PAYMENT_PENDING',
      payment: { status: 'READY' },
    });
    const retry = await confirm(auth);
    expect(retry.data!.confirmPayment.status).toBe('ORDER_COMPLETED');
    expect(tossPaymentsFor(order.orderId).map((p) => p.status)).toEqual(['DONE']);
  });

  it('PG approves but every reply is lost: settled by looking the payment up, with one charge', async () => {
    const { order, auth } = await pendingOrder();
    toss.addFault({ endpoint: 'confirm', mode: 'drop-after', times: 5 });
    const res = await confirm(auth);
    expect(res.errors).toBeUndefined();
    expect(res.data!.confirmPayment).toMatchObject({ status: 'ORDER_COMPLETED', payment: { status: 'DONE' } });
    expect(tossPaymentsFor(order.orderId).map((p) => p.status)).toEqual(['DONE']);
  });
});

describe('cancelOrder on a paid order', () => {
  it('refunds through Toss, then cancels: payment CANCELED, order CANCELLED, stock back; a second cancel is refused', async () => {
    const { product, order, auth } = await pendingOrder({ stock: 5, quantity: 2 });
    await confirm(auth);
    expect(await stockOf(product.id)).toBe(3);
    const res = await t.client.request(CancelOrderDocument, { orderId: order.orderId, reason: '단순 변심' }, { token: customer.token });
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelOrder.status).toBe('CANCELLED');
    expect(res.data!.cancelOrder.cancelledAt).not.toBeNull();
    const { payment } = await t.client.ok(PaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(payment).toMatchObject({ status: 'CANCELED', cancelReason: '단순 변심' });
    expect(payment!.canceledAt).not.toBeNull();
    expect(tossPaymentsFor(order.orderId).map((p) => p.status)).toEqual(['CANCELED']);
    expect([await stockOf(product.id), await counterOf(product.id)]).toEqual([5, 5]);
    const again = await t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token });
    expect(codeOf(again)).toBe('BAD_USER_INPUT');
    expect(tossPaymentsFor(order.orderId).map((p) => p.cancels?.length)).toEqual([1]);
  });

  it('a PG error leaves the order paid and says why', async () => {
    const { product, order, auth } = await pendingOrder({ stock: 5, quantity: 1 });
    await confirm(auth);
    toss.addFault({ endpoint: 'cancel', mode: 'error5xx', times: 10 });
    toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 10 });
    const res = await t.client.request(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token });
    expect(codeOf(res)).toBe('SERVICE_UNAVAILABLE');
    expect(res.errors![0].message).toMatch(/still paid/);
    const { order: still } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(still).toMatchObject({ status: 'ORDER_COMPLETED', payment: { status: 'DONE' } });
    expect(await stockOf(product.id)).toBe(4);
  });
});

describe('webhooks and the reconciler', () => {
  it('a webhook settles an order whose client never called confirmPayment (the body is re-read from Toss); duplicates and forged bodies change nothing', async () => {
    const { order, auth } = await pendingOrder();
    // Toss approves without this client's confirmPayment (e.g. a confirm sent by an instance that then vanished).
    await t.app.payments.gateway!.confirm({ ...auth, idempotencyKey: `confirm-${order.orderId}` });
    await toss.waitForWebhooks();
    const { order: paid } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(paid).toMatchObject({ status: 'ORDER_COMPLETED', payment: { status: 'DONE', paymentKey: auth.paymentKey } });

    const delivered = toss.webhookDeliveries().filter((d) => JSON.stringify(d).includes(order.orderId));
    expect(delivered.length).toBeGreaterThan(0);
    const duplicate = await fetch(`${t.url}/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        eventType: 'PAYMENT_STATUS_CHANGED',
        createdAt: '2026-01-01T00:00:00.000000',
        data: { paymentKey: auth.paymentKey, status: 'CANCELED' },
      }),
    });
    expect(duplicate.status).toBe(200);
    expect((await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token })).order!.status).toBe(
      'ORDER_COMPLETED',
    );
    expect(await em().count(OrderStatusChange, { order: { orderId: order.orderId }, toStatus: OrderStatus.ORDER_COMPLETED })).toBe(1);

    // A forged "DONE" for a payment that Toss has not approved does nothing.
    const forged = await pendingOrder();
    const res = await fetch(`${t.url}/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        eventType: 'PAYMENT_STATUS_CHANGED',
        data: { paymentKey: forged.auth.paymentKey, orderId: forged.order.orderId, status: 'DONE' },
      }),
    });
    expect(res.status).toBe(200);
    expect((await t.client.ok(OrderWithPaymentDocument, { orderId: forged.order.orderId }, { token: customer.token })).order!.status).toBe(
      'PAYMENT_PENDING',
    );
    const bad = await fetch(`${t.url}/webhooks/toss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED' }),
    });
    expect(bad.status).toBe(400);
  });

  it('an approval for an order that expired meanwhile is refunded by the reconciler; nobody pays for goods they will not get', async () => {
    toss.setWebhookUrl(null);
    try {
      const { product, order, auth } = await pendingOrder({ stock: 5, quantity: 2 });
      // Toss approves but neither the reply nor a lookup gets through: the order stays pending.
      toss.addFault({ endpoint: 'confirm', mode: 'drop-after', times: 10 });
      toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 10 });
      expect(codeOf(await confirm(auth))).toBe('SERVICE_UNAVAILABLE');
      toss.clearFaults();
      // The order's window passes before anything settles it.
      const later = new Date(Date.parse(order.expiresAt) + 1000);
      await t.app.services.sweeper.expireOverdue(later);
      expect((await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token })).order!.status).toBe(
        'PAYMENT_FAILED',
      );
      expect(await stockOf(product.id)).toBe(5);

      // Two instances' reconcilers at once (two passes of the one process's in the embedded profile): one refund between them.
      const peer = await t.startPeer();
      try {
        const passes = await Promise.all([t.app.payments.reconciler!.runOnce(later), peer.app.payments.reconciler!.runOnce(later)]);
        expect(passes[0] + passes[1]).toBeGreaterThanOrEqual(1);
      } finally {
        await peer.close();
      }
      expect(tossPaymentsFor(order.orderId).map((p) => p.status)).toEqual(['CANCELED']);
      expect(tossPaymentsFor(order.orderId)[0].cancels).toHaveLength(1);
      const { payment } = await t.client.ok(PaymentDocument, { orderId: order.orderId }, { token: customer.token });
      expect(payment!.status).toBe('CANCELED');
      expect((await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token })).order!.status).toBe(
        'PAYMENT_FAILED',
      );
      // The stock came back once, with the expiry.
      expect([await stockOf(product.id), await counterOf(product.id)]).toEqual([5, 5]);
      // A second pass has nothing left to do.
      expect(await t.app.payments.reconciler!.runOnce(later)).toBe(0);
    } finally {
      toss.setWebhookUrl(`${t.url}/webhooks/toss`);
    }
  });
});

describe('payment(orderId)', () => {
  it('is for the order’s customer and admins: another customer gets NOT_FOUND, a seller FORBIDDEN; null before any confirm', async () => {
    const { order, auth } = await pendingOrder();
    expect((await t.client.ok(PaymentDocument, { orderId: order.orderId }, { token: customer.token })).payment).toBeNull();
    await confirm(auth);
    expect((await t.client.ok(PaymentDocument, { orderId: order.orderId }, { token: admin.token })).payment!.status).toBe('DONE');
    expect(codeOf(await t.client.request(PaymentDocument, { orderId: order.orderId }, { token: otherCustomer.token }))).toBe('NOT_FOUND');
    expect(codeOf(await t.client.request(PaymentDocument, { orderId: order.orderId }, { token: seller.token }))).toBe('FORBIDDEN');
    expect(codeOf(await t.client.request(PaymentDocument, { orderId: order.orderId }))).toBe('UNAUTHENTICATED');
    // The seller sees the order (their lines) but not its payment.
    const { order: sellerView } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: seller.token });
    expect(sellerView!.payment).toBeNull();
    expect(await em().count(Order, { orderId: order.orderId })).toBe(1);
  });
});
