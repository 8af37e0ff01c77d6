import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import type { GraphQLErrorShape } from '../helpers/graphql-client';
import { ADDRESS, createOrderWith, paidOrderOf, shipOk } from '../helpers/shipping';
import type { TestApp } from '../helpers/test-app';
import { startAppWithToss } from '../helpers/toss';
import { WsClients } from '../helpers/ws-client';

/**
 * The authorization matrix's companion for fields (issue #15): what each kind of caller sees of
 * an order's shipping address (a seller once the order is paid, null before), its shipments (a
 * seller only their own) and its lines' status and shipment, over HTTP and the WebSocket alike.
 * A paid order with a line of each seller, each line shipped by its seller; an unpaid order with
 * an address and the seller's line only.
 */
type Actor = 'anonymous' | 'customer' | 'otherCustomer' | 'seller' | 'otherSeller' | 'admin';
type Seen = { address: boolean; lines: string[]; shipments: string[] } | string;
type OrderSeen = {
  shippingAddress: unknown;
  items: Array<{ productId: string; status: string; shipmentId: string | null }>;
  shipments: Array<{ id: string; seller: { id: string }; status: string; items: Array<{ productId: string }> }>;
};

const ORDER_FIELDS = `query($o: String!) { order(orderId: $o) {
  shippingAddress { recipientName phone postcode roadAddress detail memo }
  items { productId status shipmentId purchaseConfirmedAt }
  shipments { id seller { id } carrier trackingNumber trackingUrl status shippedAt deliveredAt items { productId } } } }`;

const seen = (address: boolean, lines: string[], shipments: string[] = []): Seen => ({ address, lines, shipments });
const BOTH_LINES = ['otherSeller SHIPPING by otherSeller', 'seller SHIPPING by seller'];
const BOTH_SHIPMENTS = ['otherSeller SHIPPING: otherSeller', 'seller SHIPPING: seller'];
// prettier-ignore
const VISIBLE: Record<'paid' | 'unpaid', Record<Actor, Seen>> = {
  paid: {
    anonymous: 'UNAUTHENTICATED',
    customer: seen(true, BOTH_LINES, BOTH_SHIPMENTS),
    otherCustomer: 'NOT_FOUND',
    seller: seen(true, ['seller SHIPPING by seller'], ['seller SHIPPING: seller']),
    otherSeller: seen(true, ['otherSeller SHIPPING by otherSeller'], ['otherSeller SHIPPING: otherSeller']),
    admin: seen(true, BOTH_LINES, BOTH_SHIPMENTS),
  },
  unpaid: {
    anonymous: 'UNAUTHENTICATED',
    customer: seen(true, ['seller PAYMENT_PENDING']),
    otherCustomer: 'NOT_FOUND',
    seller: seen(false, ['seller PAYMENT_PENDING']),
    otherSeller: 'NOT_FOUND',
    admin: seen(true, ['seller PAYMENT_PENDING']),
  },
};

let t: TestApp, close: () => Promise<void>;
let accounts: Record<Actor, TestAccount | null>;
let orders: Record<'paid' | 'unpaid', string>;
/** Products and sellers by the name of their owner in the table. */
let productOf: Record<string, string>, sellerOf: Record<string, string>;

beforeAll(async () => {
  let toss;
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  const [c, oc, s, os, ad] = await Promise.all(
    (['CUSTOMER', 'CUSTOMER', 'SELLER', 'SELLER', 'ADMIN'] as const).map((role) => signUpAs(t.client, role)),
  );
  accounts = { anonymous: null, customer: c, otherCustomer: oc, seller: s, otherSeller: os, admin: ad };
  const [product, otherProduct] = await Promise.all([s, os].map((owner) => createProduct(t.client, owner.token, { stock: 10 })));
  const paid = await paidOrderOf(t.client, toss, c.token, [
    { productId: product.id, quantity: 1 },
    { productId: otherProduct.id, quantity: 2 },
  ]);
  const itemOf = (p: { id: string }) => paid.items.find((i) => i.productId === p.id)!.id;
  await shipOk(t.client, s.token, paid.orderId, [itemOf(product)]);
  await shipOk(t.client, os.token, paid.orderId, [itemOf(otherProduct)]);
  const unpaid = await createOrderWith(t.client, c.token, [{ productId: product.id, quantity: 1 }], { shippingAddress: ADDRESS });
  orders = { paid: paid.orderId, unpaid: unpaid.data!.createOrder.orderId };
  productOf = { [product.id]: 'seller', [otherProduct.id]: 'otherSeller' };
  sellerOf = { [s.id]: 'seller', [os.id]: 'otherSeller' };
});
afterAll(() => close?.());

/** What a caller saw of an order, in the table's terms. */
function summarize(res: { data?: { order: OrderSeen | null } | null; errors?: GraphQLErrorShape[] }): Seen {
  if (res.errors?.length) return String(res.errors[0].extensions?.code);
  const order = res.data?.order;
  if (!order) return 'null';
  const name = (productId: string) => productOf[productId] ?? `product ${productId}`;
  const sellerName = (id: string) => sellerOf[id] ?? `seller ${id}`;
  const shippedBy = new Map(order.shipments.map((s) => [s.id, sellerName(s.seller.id)]));
  return {
    address: order.shippingAddress !== null,
    lines: order.items
      .map((i) => `${name(i.productId)} ${i.status}${i.shipmentId ? ` by ${shippedBy.get(i.shipmentId) ?? 'an unseen shipment'}` : ''}`)
      .sort(),
    shipments: order.shipments
      .map((s) => `${sellerName(s.seller.id)} ${s.status}: ${s.items.map((i) => name(i.productId)).join(' ')}`)
      .sort(),
  };
}

describe.each(['paid', 'unpaid'] as const)('the %s order', (which) => {
  let ws: WsClients;
  beforeAll(() => {
    ws = new WsClients(t.url);
  });
  afterAll(() => ws?.close());

  it.each(Object.keys(VISIBLE[which]) as Actor[])('as %s, over HTTP and the WebSocket', async (actor) => {
    const token = accounts[actor]?.token ?? null;
    const variables = { o: orders[which] };
    const overHttp = summarize(await t.client.raw<{ order: OrderSeen | null }>(ORDER_FIELDS, variables, { token }));
    expect({ actor, seen: overHttp }).toEqual({ actor, seen: VISIBLE[which][actor] });
    const overWs = summarize(await ws.run<{ order: OrderSeen | null }>(ORDER_FIELDS, variables, token));
    expect({ actor, seen: overWs }).toEqual({ actor, seen: VISIBLE[which][actor] });
  });
});
