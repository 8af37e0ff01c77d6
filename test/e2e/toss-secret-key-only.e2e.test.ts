import { ConfirmPaymentDocument } from '../generated/graphql';
import { signUpAs } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { startAppWithToss, TOSS_CLIENT_KEY, authorizeOrder } from '../helpers/toss';

/**
 * A headless deployment: the storefront holds the Toss client key, the API only TOSS_SECRET_KEY
 * (issue #13, case 6). Payments are on; only /demo's payment window needs the client key.
 */
it('TOSS_SECRET_KEY alone turns payments on: an order is paid end to end, and /demo says it has no client key', async () => {
  const { t, toss, close } = await startAppWithToss({ TOSS_CLIENT_KEY: '' });
  try {
    expect(t.app.config.payments).toMatchObject({ sandbox: false, clientKey: undefined });
    expect(t.app.payments.gateway).not.toBeNull();
    const seller = await signUpAs(t.client, 'SELLER');
    const customer = await signUpAs(t.client, 'CUSTOMER');
    const product = await createProduct(t.client, seller.token, { price: 15000, stock: 5 });
    const order = await orderProducts(t.client, customer.token, [{ productId: product.id, quantity: 2 }]);
    // The storefront opens Toss's payment window with its own client key, then hands the result to the API.
    const auth = authorizeOrder(toss, order);
    const paid = await t.client.ok(ConfirmPaymentDocument, { input: auth }, { token: customer.token });
    expect(paid.confirmPayment).toMatchObject({
      orderId: order.orderId,
      status: 'ORDER_COMPLETED',
      payment: { status: 'DONE', amount: 30000 },
    });

    const demoConfig = await (await fetch(`${t.url}/demo/config.js`)).text();
    expect(demoConfig).toContain('"tossClientKey":null');
  } finally {
    await close();
  }
});
