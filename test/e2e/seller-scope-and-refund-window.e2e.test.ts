// A seller pages only through orders holding their lines (never another customer's address), and an order whose
// refund outcome is unknown cannot ship until the refund is settled: found by an attack on #15 (shipments).
import type { TossSandbox } from '../../toss-sandbox';
import { AddToCartDocument, ClearCartDocument, ConfirmPaymentDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf } from '../helpers/graphql-client';
import type { TestApp } from '../helpers/test-app';
import { authorizeOrder, startAppWithToss } from '../helpers/toss';

let t: TestApp, toss: TossSandbox, close: () => Promise<void>;

beforeAll(async () => {
  // A short Toss timeout, so a refund slower than it can be played by the sandbox's delay fault.
  ({ t, toss, close } = await startAppWithToss({ TOSS_TIMEOUT_MS: '400' }));
});
afterAll(() => close?.());
afterEach(() => toss.clearFaults());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ADDRESS = {
  recipientName: '홍길동',
  phone: '010-1234-5678',
  postcode: '06236',
  roadAddress: '서울특별시 강남구 테헤란로 152',
  detail: '101동 1001호',
};

type PlacedOrder = { orderId: string; orderName: string; totalAmount: number; items: Array<{ id: string }> };

/** The customer orders `productIds` (one of each) to `address`, and pays. */
async function paidOrder(customer: TestAccount, productIds: string[], address = ADDRESS): Promise<PlacedOrder> {
  await t.client.ok(ClearCartDocument, {}, { token: customer.token });
  for (const productId of productIds) await t.client.ok(AddToCartDocument, { productId, quantity: 1 }, { token: customer.token });
  const created = await t.client.raw<{ createOrder: PlacedOrder }>(
    'mutation($input: CreateOrderInput) { createOrder(input: $input) { orderId orderName totalAmount items { id } } }',
    { input: { shippingAddress: address } },
    { token: customer.token },
  );
  expect(created.errors).toBeUndefined();
  const order = created.data!.createOrder;
  const auth = authorizeOrder(toss, order);
  await t.client.ok(ConfirmPaymentDocument, { input: auth }, { token: customer.token });
  return order;
}

const SHIP = `mutation($orderId: String!, $itemIds: [ID!]!, $trackingNumber: String!) {
  shipOrderItems(orderId: $orderId, itemIds: $itemIds, carrier: CJ_LOGISTICS, trackingNumber: $trackingNumber) { id }
}`;

type Page = {
  orders: {
    totalCount: number;
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    edges: Array<{ node: { orderId: string; shippingAddress: { recipientName: string } | null } }>;
  };
};

/** Every order a caller reaches by paging `orders(first: 1)` to the end (at most `max` pages). */
async function pageThrough(token: string, status: string | null, max = 20) {
  const seen: Array<{ orderId: string; recipientName: string | null }> = [];
  let after: string | null = null;
  let totalCount = 0;
  for (let page = 0; page < max; page++) {
    const res: Awaited<ReturnType<typeof t.client.raw<Page>>> = await t.client.raw<Page>(
      `query($after: String, $status: OrderStatus) {
        orders(first: 1, after: $after, status: $status) {
          totalCount pageInfo { endCursor hasNextPage } edges { node { orderId shippingAddress { recipientName } } }
        }
      }`,
      { after, status },
      { token },
    );
    expect(res.errors).toBeUndefined();
    const { orders } = res.data!;
    totalCount = orders.totalCount;
    for (const { node } of orders.edges) seen.push({ orderId: node.orderId, recipientName: node.shippingAddress?.recipientName ?? null });
    if (!orders.pageInfo.hasNextPage) break;
    after = orders.pageInfo.endCursor;
  }
  return { seen, totalCount };
}

describe('a seller paging through orders', () => {
  // Found: OrderService.list puts the cursor's `id < x` in place of the seller's scope (`id in (their orders)`),
  // which is also an `id` condition; so from the second page on a seller gets every order, and since #15
  // every paid order's shipping address (name, phone, address) with it.
  it.each([
    ['all their orders', null],
    ['their work queue (status: ORDER_COMPLETED)', 'ORDER_COMPLETED'],
  ])('%s: page 2 onwards holds only orders with their lines, never another customer address', async (_label, status) => {
    const [attacker, otherSeller, customer, victim] = await Promise.all([
      signUpAs(t.client, 'SELLER'),
      signUpAs(t.client, 'SELLER'),
      signUpAs(t.client, 'CUSTOMER'),
      signUpAs(t.client, 'CUSTOMER'),
    ]);
    const own = await createProduct(t.client, attacker.token, { stock: 10 });
    const foreign = await createProduct(t.client, otherSeller.token, { stock: 10 });
    const secret = await paidOrder(victim, [foreign.id], { ...ADDRESS, recipientName: '김비밀' });
    const first = await paidOrder(customer, [own.id]);
    const second = await paidOrder(customer, [own.id]);

    const { seen, totalCount } = await pageThrough(attacker.token, status);
    expect(seen.map((o) => o.orderId)).not.toContain(secret.orderId);
    expect(seen.map((o) => o.recipientName)).not.toContain('김비밀');
    expect(seen.map((o) => o.orderId).sort()).toEqual([first.orderId, second.orderId].sort());
    expect(seen).toHaveLength(totalCount);
  });
});

describe('a refund Toss could not confirm in time', () => {
  // Found: when Toss's cancel outlasts TOSS_TIMEOUT_MS and the lookup still shows the payment DONE, the
  // claim is given back (SERVICE_UNAVAILABLE) and the seller may ship at once; the refund then lands at
  // Toss, and the order ends SHIPPING with its payment CANCELED (flagged): shipped and refunded.
  it('keeps the order from shipping until the refund is settled: never both shipped and refunded', async () => {
    const [seller, customer] = await Promise.all([signUpAs(t.client, 'SELLER'), signUpAs(t.client, 'CUSTOMER')]);
    const product = await createProduct(t.client, seller.token, { stock: 10 });
    const order = await paidOrder(customer, [product.id]);

    toss.addFault({ endpoint: 'cancel', mode: 'delay', ms: 2500, times: 5 });
    const cancel = await t.client.raw(
      'mutation($o: String!) { cancelOrder(orderId: $o) { status } }',
      { o: order.orderId },
      { token: customer.token },
    );
    expect(codeOf(cancel)).toBe('SERVICE_UNAVAILABLE');

    const ship = await t.client.raw(
      SHIP,
      { orderId: order.orderId, itemIds: [order.items[0].id], trackingNumber: '123456789012' },
      { token: seller.token },
    );
    expect(codeOf(ship)).toBe('CONFLICT');

    // The delayed refund lands at Toss meanwhile; whatever settles it, no line may be both shipped and refunded.
    await sleep(3500);
    await toss.waitForWebhooks();
    const tossStatus = toss.payments().find((p) => p.orderId === order.orderId)?.status;
    const shipments = await t.app.orm.em
      .fork()
      .getConnection()
      .execute('select s.id from shipment s join customer_order o on o.id = s.order_id where o.order_id = ?', [order.orderId]);
    expect(tossStatus === 'CANCELED' && shipments.length > 0).toBe(false);
  });
});
