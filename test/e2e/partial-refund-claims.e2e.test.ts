import { Order, OrderCancellation } from '../../src/entities';
import { OrderFlagDocument } from '../generated/graphql';
import { codeOf } from '../helpers/graphql-client';
import {
  cancellationsOf,
  cancelItems,
  cancelWhole,
  expectConsistent,
  partialOrder,
  threeLineOrder,
  tossPaymentOf,
  type ThreeLineOrder,
  withoutWebhooks,
} from '../helpers/partial-refunds';
import { ship, startShippingWorld, type ShippingWorld } from '../helpers/shipping';
import { merchantCancel } from '../helpers/toss';

/**
 * Issue #16: a partial cancel whose outcome Toss could not tell holds the order's refund claim until
 * it is settled. What a full refund (cancelOrder taking a claim gone stale, or a refund at Toss's
 * console) and the reconciler do meanwhile must leave the order cancelled once, and never shipped
 * while Toss refunds it.
 */
let w: ShippingWorld;
beforeAll(async () => {
  // Toss may take 8 s before we give up, so a slow refund (below) stays under way long enough to be looked at.
  w = await startShippingWorld({ TOSS_TIMEOUT_MS: '8000' });
}, 60_000);
afterAll(() => w?.close());
afterEach(() => w.toss.clearFaults());

const LATER = () => new Date(Date.now() + 10 * 60_000);
const byCustomer = (orderId: string, items: Array<{ itemId: string; quantity: number }>) =>
  cancelItems(w.t.client, w.customer.token, orderId, items);
const flagOf = async (orderId: string) => (await w.t.client.ok(OrderFlagDocument, { orderId }, { token: w.admin.token })).order!;
const tossCancels = (orderId: string) => tossPaymentOf(w.toss, orderId)!.cancels?.map((c) => c.cancelAmount) ?? [];

describe('a full refund while a partial cancel is still unsettled', () => {
  /** A partial cancel of a2 x2 (10,000 KRW) that landed at Toss while neither its reply nor a lookup got through. */
  async function unsettledPartial(o: ThreeLineOrder) {
    w.toss.addFault({ endpoint: 'cancel', mode: 'drop-after', times: 2 });
    w.toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 2 });
    expect(codeOf(await byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 2 }]))).toBe('SERVICE_UNAVAILABLE');
    w.toss.clearFaults();
    expect(tossCancels(o.orderId)).toEqual([10000]);
  }

  // A claim is never taken over, even once stale: cancelOrder waits for the reconciler to settle the partial cancel.
  it('cancelOrder while a partial cancel is unsettled is CONFLICT, even once its claim is stale; after the reconciler, it refunds the rest', async () => {
    const o = await threeLineOrder(w);
    await withoutWebhooks(w, async () => {
      await unsettledPartial(o);
      // The claim outlived every call that could still be running (its instance died, say) and no reconciler pass came yet.
      await w.t.app.orm.em.fork().nativeUpdate(Order, { orderId: o.orderId }, { refundClaimedAt: new Date(Date.now() - 60 * 60_000) });
      expect(codeOf(await cancelWhole(w.t.client, w.customer.token, o.orderId))).toBe('CONFLICT');
      expect(codeOf(await ship(w.t.client, w.sellerA.token, o.orderId, [o.a1.id]))).toBe('CONFLICT');
      expect(tossCancels(o.orderId)).toEqual([10000]);
      await w.t.app.payments.reconciler!.runOnce(LATER());
      expect((await cancellationsOf(w, o.orderId)).map((c) => c.status)).toEqual(['DONE']);
      const res = await cancelWhole(w.t.client, w.customer.token, o.orderId);
      expect(res.errors).toBeUndefined();
      expect(res.data!.cancelOrder).toMatchObject({ status: 'CANCELLED', payment: { status: 'CANCELED', balanceAmount: 0 } });
    });
    expect(await expectConsistent(w, o)).toMatchObject({ status: 'CANCELLED', refundPending: false });
  });

  // A full refund at Toss's console, reported while our partial cancel is pending: the partial cancel is settled
  // from Toss's cancels[], and the order, with nothing left charged, is CANCELLED (its remaining units back).
  it('a console full refund reported by the webhook: the partial cancel is settled and the order is CANCELLED', async () => {
    const o = await threeLineOrder(w);
    await withoutWebhooks(w, async () => {
      await unsettledPartial(o);
      await merchantCancel(w.toss, o.paymentKey);
      const delivered = await w.t.app.payments.webhook!.handle({ eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: o.paymentKey } });
      expect(delivered.status).toBe(200);
    });
    await w.t.app.payments.reconciler!.runOnce(LATER());
    const now = await partialOrder(w.t.client, w.admin.token, o.orderId);
    expect(now.payment).toMatchObject({ status: 'CANCELED', balanceAmount: 0 });
    expect({ status: now.status, flagged: (await flagOf(o.orderId)).flaggedAt !== null }).toEqual({ status: 'CANCELLED', flagged: false });
    await expectConsistent(w, o);
  });

  // A partial cancel that never reached Toss holds its claim until the reconciler fails it: nothing ships and no
  // full refund starts meanwhile; then the claim is released and the full refund goes through.
  it('a stale partial cancel that never reached Toss is failed by the reconciler; until then its claim is not taken over', async () => {
    const o = await threeLineOrder(w);
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    await withoutWebhooks(w, async () => {
      w.toss.addFault({ endpoint: 'cancel', mode: 'drop-before', times: 2 });
      w.toss.addFault({ endpoint: 'lookup', mode: 'error5xx', times: 2 });
      expect(codeOf(await byCustomer(o.orderId, [{ itemId: o.a2.id, quantity: 2 }]))).toBe('SERVICE_UNAVAILABLE');
      w.toss.clearFaults();
      const em = w.t.app.orm.em.fork();
      await em.nativeUpdate(Order, { orderId: o.orderId }, { refundClaimedAt: hourAgo });
      await em.nativeUpdate(OrderCancellation, { order: { orderId: o.orderId } }, { createdAt: hourAgo });
      expect(codeOf(await cancelWhole(w.t.client, w.customer.token, o.orderId))).toBe('CONFLICT');
      expect(codeOf(await ship(w.t.client, w.sellerA.token, o.orderId, [o.a1.id]))).toBe('CONFLICT');
      // A reconciler pass: Toss shows no such refund, so the partial cancel fails and its claim is released.
      await w.t.app.payments.reconciler!.runOnce(new Date());
      expect((await cancellationsOf(w, o.orderId)).map((c) => c.status)).toEqual(['FAILED']);
      expect(tossCancels(o.orderId)).toEqual([]);
      const res = await cancelWhole(w.t.client, w.customer.token, o.orderId);
      expect(res.errors).toBeUndefined();
    });
    expect(await expectConsistent(w, o)).toMatchObject({ status: 'CANCELLED' });
  });
});
