import { Order, OrderStatus, Payment, PaymentStatus } from '../../src/entities';
import { ConfirmPaymentDocument, OrderWithPaymentDocument } from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { spawnAppProcess } from '../helpers/app-process';
import { startAppWithToss, authorizeOrder } from '../helpers/toss';

const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

it("the app killed (SIGKILL) between Toss's approval and its own commit: the reconciler completes the order, one charge", async () => {
  const { t, toss, close } = await startAppWithToss();
  try {
    // Webhooks off, so that only the reconciler can settle what the dead instance left.
    toss.setWebhookUrl(null);
    const doomed = await spawnAppProcess(t.peerEnv);
    const seller = await signUpAs(t.client, 'SELLER');
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { stock: 3 });
    const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 1 }]);
    const auth = authorizeOrder(toss, order);

    // Toss takes its time approving; the instance dies while waiting for the answer.
    toss.addFault({ endpoint: 'confirm', mode: 'delay', ms: 1500, times: 1 });
    const inFlight = doomed.client
      .request(ConfirmPaymentDocument, { input: auth }, { token: customer.token })
      .catch(() => 'connection lost' as const);
    const em = () => t.app.orm.em.fork();
    await waitFor('the attempt to be recorded', async () => (await em().count(Payment, { paymentKey: auth.paymentKey })) === 1);
    // The confirm has reached Toss once the delay fault is used up.
    await waitFor('the confirm to reach Toss', () => toss.faults().length === 0);
    await doomed.kill();
    expect(await inFlight).toBe('connection lost');
    await waitFor("Toss's approval", () => toss.payments().some((p) => p.orderId === order.orderId && p.status === 'DONE'));

    // What the crash left: Toss approved, our order still pending with a READY attempt.
    expect((await em().findOneOrFail(Order, { orderId: order.orderId })).status).toBe(OrderStatus.PAYMENT_PENDING);
    expect((await em().findOneOrFail(Payment, { paymentKey: auth.paymentKey })).status).toBe(PaymentStatus.READY);

    expect(await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 60_000))).toBe(1);
    const { order: paid } = await t.client.ok(OrderWithPaymentDocument, { orderId: order.orderId }, { token: customer.token });
    expect(paid).toMatchObject({ status: 'ORDER_COMPLETED', payment: { status: 'DONE', paymentKey: auth.paymentKey } });
    expect(
      toss
        .payments()
        .filter((p) => p.orderId === order.orderId)
        .map((p) => p.status),
    ).toEqual(['DONE']);
    expect(await t.app.payments.reconciler!.runOnce(new Date(Date.now() + 60_000))).toBe(0);
  } finally {
    await close();
  }
}, 120_000);
