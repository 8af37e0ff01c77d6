import { Order, OrderEventKind, OrderStatusChange, Payment, PaymentStatus, Product } from '../../src/entities';
import type { TossSandbox } from '../../toss-sandbox';
import {
  CancelOrderDocument,
  ConfirmPaymentDocument,
  FlaggedOrdersDocument,
  OrderFlagDocument,
  OrderWithPaymentDocument,
  UpdateOrderStatusDocument,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { codeOf } from '../helpers/graphql-client';
import type { TestApp } from '../helpers/test-app';
import { merchantCancel, startAppWithToss, authorizeOrder } from '../helpers/toss';

/** Issue #13's cases, each as it was reproduced against the running server. */
let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
let admin: TestAccount, seller: TestAccount, customer: TestAccount;

beforeAll(async () => {
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  [admin, seller, customer] = await Promise.all([
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'CUSTOMER'),
  ]);
});
afterAll(() => close?.());
afterEach(() => toss.clearFaults());

const em = () => t.app.orm.em.fork();
const stockOf = async (id: string) => (await em().findOneOrFail(Product, Number(id))).stock;
const tossPayment = (orderId: string) => toss.payments().filter((p) => p.orderId === orderId);
const confirm = (input: { paymentKey: string; orderId: string; amount: number }) =>
  t.client.request(ConfirmPaymentDocument, { input }, { token: customer.token });
const ship = (orderId: string, status: 'SHIPPING' | 'DELIVERED' = 'SHIPPING') =>
  t.client.request(UpdateOrderStatusDocument, { orderId, status }, { token: admin.token });
const cancel = (orderId: string) => t.client.request(CancelOrderDocument, { orderId }, { token: customer.token });
const asCustomer = async (orderId: string) => (await t.client.ok(OrderWithPaymentDocument, { orderId }, { token: customer.token })).order!;
const flagOf = async (orderId: string) => (await t.client.ok(OrderFlagDocument, { orderId }, { token: admin.token })).order!;
const eventsOf = (orderId: string) => em().find(OrderStatusChange, { orderCode: orderId }, { orderBy: { id: 'asc' } });

async function pendingOrder(options: { stock?: number; quantity?: number; price?: number } = {}) {
  const product = await createProduct(t.client, seller.token, { stock: options.stock ?? 5, price: options.price ?? 10000 });
  const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: options.quantity ?? 2 }]);
  const auth = authorizeOrder(toss, order);
  return { product, order, auth };
}

async function paidOrder(options: { stock?: number; quantity?: number } = {}) {
  const pending = await pendingOrder(options);
  const res = await confirm(pending.auth);
  expect(res.errors).toBeUndefined();
  return pending;
}

/** Runs `work` with webhooks off, so only what the test drives reaches the app. */
async function withoutWebhooks<T>(work: () => Promise<T>): Promise<T> {
  toss.setWebhookUrl(null);
  try {
    return await work();
  } finally {
    await toss.waitForWebhooks();
    toss.setWebhookUrl(`${t.url}/webhooks/toss`);
  }
}

describe('case 1: a refund claims the order before Toss is asked', () => {
  it('while Toss is refunding (1 s), shipping is refused with CONFLICT; the refund then completes: CANCELLED, CANCELED, stock back', async () => {
    const { product, order } = await paidOrder({ stock: 5, quantity: 2 });
    toss.addFault({ endpoint: 'cancel', mode: 'delay', ms: 1000 });
    const refunding = cancel(order.orderId);
    await new Promise((r) => setTimeout(r, 300));
    expect((await flagOf(order.orderId)).refundPending).toBe(true);
    const shipping = await ship(order.orderId);
    expect(codeOf(shipping)).toBe('CONFLICT');
    const refunded = await refunding;
    expect(refunded.errors).toBeUndefined();
    expect(refunded.data!.cancelOrder).toMatchObject({ status: 'CANCELLED', refundPending: false });
    const now = await asCustomer(order.orderId);
    expect(now.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(tossPayment(order.orderId).map((p) => [p.status, p.balanceAmount])).toEqual([['CANCELED', 0]]);
    expect(await stockOf(product.id)).toBe(5);
    // Nothing shipped, and shipping now is refused for what the order is.
    expect(codeOf(await ship(order.orderId))).toBe('BAD_USER_INPUT');
  });

  it('shipping and a refund sent at once: exactly one wins, and the loser changes nothing', async () => {
    for (let round = 0; round < 4; round++) {
      const { product, order } = await paidOrder({ stock: 3, quantity: 1 });
      const [shipped, refunded] = await Promise.all([ship(order.orderId), cancel(order.orderId)]);
      const now = await asCustomer(order.orderId);
      const toss1 = tossPayment(order.orderId)[0];
      if (shipped.errors === undefined) {
        expect(now.status).toBe('SHIPPING');
        expect(codeOf(refunded)).toMatch(/^(BAD_USER_INPUT|CONFLICT)$/);
        expect([toss1.status, now.payment!.status, await stockOf(product.id)]).toEqual(['DONE', 'DONE', 2]);
      } else {
        expect(refunded.errors).toBeUndefined();
        expect(codeOf(shipped)).toMatch(/^(BAD_USER_INPUT|CONFLICT)$/);
        expect([now.status, toss1.status, now.payment!.status, await stockOf(product.id)]).toEqual([
          'CANCELLED',
          'CANCELED',
          'CANCELED',
          3,
        ]);
      }
    }
  });

  it('once shipped, a refund is refused and Toss is never asked', async () => {
    const { order } = await paidOrder();
    expect((await ship(order.orderId)).errors).toBeUndefined();
    expect(codeOf(await cancel(order.orderId))).toBe('BAD_USER_INPUT');
    expect(tossPayment(order.orderId).map((p) => [p.status, p.cancels?.length ?? 0])).toEqual([['DONE', 0]]);
  });

  it('when Toss cannot say (5xx, lookup too), the claim stays: SERVICE_UNAVAILABLE, no shipping until the reconciler finds no refund, then shippable', async () => {
    const { order } = await paidOrder();
    toss.addFault({ endpoint: 'cancel', mode: 'error5xx', times: 5 });
    toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 5 });
    expect(codeOf(await cancel(order.orderId))).toBe('SERVICE_UNAVAILABLE');
    toss.clearFaults();
    expect(await flagOf(order.orderId)).toMatchObject({ status: 'ORDER_COMPLETED', refundPending: true });
    expect(codeOf(await ship(order.orderId))).toBe('CONFLICT');
    // Once no call can still be running, the reconciler asks Toss: still charged, so the claim is given back.
    await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 10 * 60_000));
    expect(await flagOf(order.orderId)).toMatchObject({ status: 'ORDER_COMPLETED', refundPending: false });
    expect((await ship(order.orderId)).errors).toBeUndefined();
    expect(tossPayment(order.orderId)[0].status).toBe('DONE');
  });

  it('a refund Toss makes after we stopped waiting: nothing ships meanwhile, and the reconciler cancels the order (no webhook needed)', async () => {
    const { product, order, auth } = await paidOrder({ stock: 4, quantity: 1 });
    await withoutWebhooks(async () => {
      // Toss takes 6 s (past our timeout and retry): the refund's outcome is unknown, and the claim stays.
      toss.addFault({ endpoint: 'cancel', mode: 'delay', ms: 6000 });
      expect(codeOf(await cancel(order.orderId))).toBe('SERVICE_UNAVAILABLE');
      expect(codeOf(await ship(order.orderId))).toBe('CONFLICT');
      for (let i = 0; i < 80 && tossPayment(order.orderId)[0].status !== 'CANCELED'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(tossPayment(order.orderId)[0].status).toBe('CANCELED');
    });
    await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 10 * 60_000));
    expect(await flagOf(order.orderId)).toMatchObject({ status: 'CANCELLED', refundPending: false, flaggedAt: null });
    expect((await asCustomer(order.orderId)).payment!.status).toBe('CANCELED');
    expect(await stockOf(product.id)).toBe(4);
    expect((await em().findOneOrFail(Payment, { paymentKey: auth.paymentKey })).refundCheckAt).toBeNull();
  }, 30_000);

  it('a refund made at Toss after shipping started flags the order for an admin (field and event), never marks it refunded', async () => {
    const { product, order, auth } = await paidOrder({ stock: 4, quantity: 1 });
    expect((await ship(order.orderId)).errors).toBeUndefined();
    await merchantCancel(toss, auth.paymentKey);
    await toss.waitForWebhooks();
    const flagged = await flagOf(order.orderId);
    expect(flagged.status).toBe('SHIPPING');
    expect(flagged.flaggedAt).not.toBeNull();
    expect(flagged.flagReason).toMatch(/fully refunded while the order is SHIPPING/);
    expect((await asCustomer(order.orderId)).payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    const events = await eventsOf(order.orderId);
    expect(events.filter((e) => e.kind === OrderEventKind.FLAGGED)).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ kind: OrderEventKind.FLAGGED, toStatus: 'SHIPPING', paymentStatus: 'CANCELED' });
    // Shipped goods do not come back into stock by themselves.
    expect(await stockOf(product.id)).toBe(3);
    // The same news again (a webhook retry, a reconciler pass) flags once.
    await t.app.payments.webhook!.handle({ eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: auth.paymentKey } });
    expect((await eventsOf(order.orderId)).filter((e) => e.kind === OrderEventKind.FLAGGED)).toHaveLength(1);
    // Admins find it; customers do not see the flag.
    const { orders } = await t.client.ok(FlaggedOrdersDocument, { flagged: true }, { token: admin.token });
    expect(orders.edges.map((e) => e.node.orderId)).toContain(order.orderId);
    const own = await t.client.ok(OrderFlagDocument, { orderId: order.orderId }, { token: customer.token });
    expect(own.order).toMatchObject({ flaggedAt: null, flagReason: null });
  });

  it('a claim left by an instance that died blocks shipping until the reconciler asks Toss: still charged, so it is given back', async () => {
    const { order } = await paidOrder();
    const claimedAt = new Date(Date.now() - 1000);
    await em().nativeUpdate(Order, { orderId: order.orderId }, { refundClaimedAt: claimedAt });
    expect(codeOf(await ship(order.orderId))).toBe('CONFLICT');
    await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 10 * 60_000));
    expect((await flagOf(order.orderId)).refundPending).toBe(false);
    expect((await ship(order.orderId)).errors).toBeUndefined();
  });

  it('a claim left by an instance that died after Toss refunded: the reconciler finishes the refund (CANCELLED, stock back)', async () => {
    const { product, order, auth } = await paidOrder({ stock: 5, quantity: 2 });
    await withoutWebhooks(async () => {
      await em().nativeUpdate(Order, { orderId: order.orderId }, { refundClaimedAt: new Date() });
      await merchantCancel(toss, auth.paymentKey);
    });
    await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 10 * 60_000));
    expect(await flagOf(order.orderId)).toMatchObject({ status: 'CANCELLED', refundPending: false, flaggedAt: null });
    expect(await stockOf(product.id)).toBe(5);
  });
});

describe('case 2: an attempt whose outcome is unknown', () => {
  /** Toss approves the confirm, but neither its reply nor a lookup gets through: SERVICE_UNAVAILABLE, order pending. */
  async function unknownOutcome() {
    const pending = await pendingOrder({ stock: 5, quantity: 2 });
    toss.addFault({ endpoint: 'confirm', mode: 'drop-after', times: 5 });
    toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 3 });
    expect(codeOf(await confirm(pending.auth))).toBe('SERVICE_UNAVAILABLE');
    toss.clearFaults();
    expect(tossPayment(pending.order.orderId).map((p) => p.status)).toEqual(['DONE']);
    return pending;
  }

  it('a confirm with another amount or paymentKey answers BAD_USER_INPUT and changes nothing', async () => {
    await withoutWebhooks(async () => {
      const { product, order, auth } = await unknownOutcome();
      const tampered = await confirm({ ...auth, amount: auth.amount - 1000 });
      expect(codeOf(tampered)).toBe('BAD_USER_INPUT');
      expect(tampered.errors![0].extensions!.field).toBe('amount');
      const otherKey = await confirm({ ...auth, paymentKey: `${auth.paymentKey}x` });
      expect(codeOf(otherKey)).toBe('BAD_USER_INPUT');
      expect(otherKey.errors![0].extensions!.field).toBe('paymentKey');
      const now = await asCustomer(order.orderId);
      expect(now).toMatchObject({ status: 'PAYMENT_PENDING', payment: { status: 'READY' } });
      expect(await stockOf(product.id)).toBe(3);
      // The same confirm again settles it: paid once.
      expect((await confirm(auth)).data!.confirmPayment.status).toBe('ORDER_COMPLETED');
    });
  });

  it('the order expires with the attempt unsettled: the payment stays READY (no ABORTED without Toss), and the reconciler refunds the approval once', async () => {
    await withoutWebhooks(async () => {
      const { product, order } = await unknownOutcome();
      const later = new Date(Date.parse(order.expiresAt) + 1000);
      expect(await t.app.services.sweeper.expireOverdue(later)).toBeGreaterThanOrEqual(1);
      expect((await asCustomer(order.orderId)).payment!.status).toBe('READY');
      expect(await stockOf(product.id)).toBe(5);
      const peer = await t.startPeer();
      try {
        await Promise.all([t.app.payments.reconciler!.runOnce(later), peer.app.payments.reconciler!.runOnce(later)]);
      } finally {
        await peer.close();
      }
      await t.app.payments.reconciler!.runOnce(later);
      const [charge] = tossPayment(order.orderId);
      expect([charge.status, charge.balanceAmount, charge.cancels?.length]).toEqual(['CANCELED', 0, 1]);
      expect(await asCustomer(order.orderId)).toMatchObject({
        status: 'PAYMENT_FAILED',
        payment: { status: 'CANCELED', balanceAmount: 0 },
      });
      expect(await stockOf(product.id)).toBe(5);
    });
  });

  it('the customer cancels the pending order meanwhile: the reconciler refunds the approval', async () => {
    await withoutWebhooks(async () => {
      const { order } = await unknownOutcome();
      expect((await cancel(order.orderId)).data!.cancelOrder.status).toBe('CANCELLED');
      await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 60 * 60_000));
      expect(tossPayment(order.orderId)[0]).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
      expect((await asCustomer(order.orderId)).payment!.status).toBe('CANCELED');
    });
  });

  it('a paymentKey no Toss path can carry (".", "..") is BAD_USER_INPUT and writes nothing', async () => {
    const { order, auth } = await pendingOrder();
    for (const paymentKey of ['.', '..']) {
      const res = await confirm({ ...auth, paymentKey });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.field).toBe('paymentKey');
    }
    expect(await em().count(Payment, { order: { orderId: order.orderId } })).toBe(0);
    expect((await confirm(auth)).data!.confirmPayment.status).toBe('ORDER_COMPLETED');
  });

  it('a tampered amount with no attempt still fails the order at once (AMOUNT_MISMATCH) without touching Toss', async () => {
    const { order, auth } = await pendingOrder();
    expect(codeOf(await confirm({ ...auth, amount: 100 }))).toBe('PAYMENT_FAILED');
    expect((await asCustomer(order.orderId)).status).toBe('PAYMENT_FAILED');
    expect(tossPayment(order.orderId).map((p) => p.status)).toEqual(['IN_PROGRESS']);
    expect(await em().count(Payment, { order: { orderId: order.orderId } })).toBe(0);
  });

  it('a tampered confirm and the right one sent at once: one serial outcome (paid, or failed with nothing charged)', async () => {
    for (let round = 0; round < 4; round++) {
      const { order, auth } = await pendingOrder({ stock: 3, quantity: 1 });
      await Promise.all([confirm({ ...auth, amount: auth.amount + 1 }), confirm(auth)]);
      await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 60 * 60_000));
      const now = await asCustomer(order.orderId);
      const charged = tossPayment(order.orderId).filter((p) => p.status === 'DONE' || p.status === 'PARTIAL_CANCELED');
      if (now.status === 'ORDER_COMPLETED') expect(charged).toHaveLength(1);
      else expect([now.status, charged.length]).toEqual(['PAYMENT_FAILED', 0]);
    }
  });
});

describe('case 4: a partial cancel at Toss', () => {
  it('is recorded on the payment (balance, cancels) and flagged; the order stays paid and keeps its stock', async () => {
    const { product, order, auth } = await paidOrder({ stock: 5, quantity: 2 });
    await merchantCancel(toss, auth.paymentKey, 3000);
    await toss.waitForWebhooks();
    const now = await asCustomer(order.orderId);
    expect(now.status).toBe('ORDER_COMPLETED');
    expect(now.payment).toMatchObject({ status: 'PARTIAL_CANCELED', amount: 20000, balanceAmount: 17000 });
    expect(now.payment!.cancels).toEqual([expect.objectContaining({ amount: 3000, reason: expect.stringMatching(/merchant console/) })]);
    expect((await flagOf(order.orderId)).flagReason).toMatch(/3000 of 20000 KRW refunded, 17000 KRW still charged/);
    expect(await stockOf(product.id)).toBe(3);
    const row = await em().findOneOrFail(Payment, { paymentKey: auth.paymentKey });
    expect(row.status).toBe(PaymentStatus.PARTIAL_CANCELED);

    // A second partial cancel is a new flag; the customer can still cancel the rest (full refund of the balance).
    await merchantCancel(toss, auth.paymentKey, 2000);
    await toss.waitForWebhooks();
    expect((await flagOf(order.orderId)).flagReason).toMatch(/5000 of 20000 KRW refunded, 15000 KRW still charged/);
    expect((await eventsOf(order.orderId)).filter((e) => e.kind === OrderEventKind.FLAGGED)).toHaveLength(2);
    expect((await cancel(order.orderId)).data!.cancelOrder.status).toBe('CANCELLED');
    expect(tossPayment(order.orderId)[0]).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect(await stockOf(product.id)).toBe(5);
  });

  it('a stale answer never takes a payment back: a DONE applied after the refund changes nothing', async () => {
    const { order, auth } = await paidOrder();
    const done = await t.app.payments.gateway!.getByPaymentKey(auth.paymentKey);
    expect((await cancel(order.orderId)).data!.cancelOrder.status).toBe('CANCELLED');
    const eventsBefore = (await eventsOf(order.orderId)).length;
    const dbId = (await em().findOneOrFail(Order, { orderId: order.orderId })).id;
    await t.app.payments.settlement!.apply(em(), dbId, done);
    expect((await asCustomer(order.orderId)).payment!.status).toBe('CANCELED');
    expect((await eventsOf(order.orderId)).length).toBe(eventsBefore);
    expect(tossPayment(order.orderId)[0].cancels).toHaveLength(1);
  });
});
