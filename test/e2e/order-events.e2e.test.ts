import { print } from 'graphql';
import type { TossSandbox } from '../../toss-sandbox';
import {
  AddToCartDocument,
  CancelOrderDocument,
  ConfirmPaymentDocument,
  CreateOrderDocument,
  LogoutDocument,
  MarkNotificationsReadDocument,
  NotificationsDocument,
  OrderEventsDocument,
  SellerOrderEventsDocument,
  UpdateOrderStatusDocument,
  type OrderEventsSubscription,
  type SellerOrderEventsSubscription,
} from '../generated/graphql';
import { signUpAs, TEST_INVITE_CODE, type TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { orderProducts } from '../factories/orders';
import { spawnAppProcess, type AppProcess } from '../helpers/app-process';
import { codeOf, type GraphQLClient } from '../helpers/graphql-client';
import { EMBEDDED, type TestApp } from '../helpers/test-app';
import { startAppWithToss, authorizeOrder } from '../helpers/toss';
import { collect, connectWs, type WsConnection } from '../helpers/ws-client';

type Event = OrderEventsSubscription['orderEvents'];
type SellerEvent = SellerOrderEventsSubscription['sellerOrderEvents'];

/**
 * Two app processes (A and B) on one MariaDB and Redis; events made through B must reach
 * subscribers on A. The embedded profile runs one process, so there A and B are the test app itself.
 */
let t: TestApp, toss: TossSandbox, close: () => Promise<void>;
let a: Pick<AppProcess, 'url' | 'client' | 'stop'>, b: Pick<AppProcess, 'url' | 'client' | 'stop'>;
let admin: TestAccount, seller: TestAccount, otherSeller: TestAccount;
const connections: WsConnection[] = [];

beforeAll(async () => {
  ({ t, toss, close } = await startAppWithToss({ ADMIN_INVITE_CODE: TEST_INVITE_CODE }));
  const self = { url: t.url, client: t.client, stop: async () => undefined };
  [a, b] = EMBEDDED ? [self, self] : await Promise.all([spawnAppProcess(t.peerEnv), spawnAppProcess(t.peerEnv)]);
  [admin, seller, otherSeller] = await Promise.all([
    signUpAs(t.client, 'ADMIN'),
    signUpAs(t.client, 'SELLER'),
    signUpAs(t.client, 'SELLER'),
  ]);
}, 120_000);
afterAll(async () => {
  for (const c of connections) await c.client.dispose();
  await Promise.all([a?.stop(), b?.stop()]);
  await close?.();
});

function open(url: string, token?: string): WsConnection {
  const conn = connectWs(url, token);
  connections.push(conn);
  return conn;
}
const ORDER_EVENTS = print(OrderEventsDocument);
const SELLER_EVENTS = print(SellerOrderEventsDocument);

/** Orders one unit of `productId` as `customer` through `client`, pays it, and returns the orderId. */
async function orderAndPay(client: GraphQLClient, customer: TestAccount, productId: string): Promise<string> {
  const order = await orderProducts(client, customer.token, [{ productId, quantity: 1 }]);
  const auth = authorizeOrder(toss, order);
  await client.ok(ConfirmPaymentDocument, { input: auth }, { token: customer.token });
  return order.orderId;
}

it('a customer subscribed on instance A receives, in order, the events of an order created, paid and shipped through instance B; another customer none', async () => {
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const stranger = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token, { stock: 5 });
  const mine = open(a.url, customer.token);
  const theirs = open(a.url, stranger.token);
  await Promise.all([mine.opened, theirs.opened]);
  const events = collect<Event>(mine, ORDER_EVENTS, 'orderEvents');
  const strangerEvents = collect<Event>(theirs, ORDER_EVENTS, 'orderEvents');
  await new Promise((r) => setTimeout(r, 200)); // let both subscriptions register

  const orderId = await orderAndPay(b.client, customer, product.id);
  await b.client.ok(UpdateOrderStatusDocument, { orderId, status: 'SHIPPING' }, { token: admin.token });

  const got = await events.waitFor(3);
  expect(got.map((e) => [e.orderId, e.kind, e.orderStatus, e.paymentStatus])).toEqual([
    [orderId, 'CREATED', 'PAYMENT_PENDING', null],
    [orderId, 'PAID', 'ORDER_COMPLETED', 'DONE'],
    [orderId, 'SHIPPING', 'SHIPPING', 'DONE'],
  ]);
  const ids = got.map((e) => Number(e.id));
  expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  await new Promise((r) => setTimeout(r, 300));
  expect(events.items).toHaveLength(3); // exactly one event per change
  expect(strangerEvents.items).toEqual([]);
}, 60_000);

it('refuses anonymous and revoked connections, and logging out closes open subscriptions', async () => {
  const anonymous = open(a.url);
  expect((await anonymous.closed).code).toBe(4403);
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const live = open(a.url, customer.token);
  await live.opened;
  const events = collect<Event>(live, ORDER_EVENTS, 'orderEvents');
  await b.client.ok(LogoutDocument, {}, { token: customer.token });
  expect((await live.closed).code).toBe(4401);
  await events.done;
  const revoked = open(a.url, customer.token);
  expect((await revoked.closed).code).toBe(4403);
}, 30_000);

it('after a disconnect, the events published meanwhile arrive on reconnect with the last id, then live ones, in order', async () => {
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token, { stock: 5 });
  const first = open(a.url, customer.token);
  await first.opened;
  const before = collect<Event>(first, ORDER_EVENTS, 'orderEvents');
  await new Promise((r) => setTimeout(r, 200));
  const orderId = await orderAndPay(b.client, customer, product.id);
  const seen = await before.waitFor(2);
  const lastId = seen.at(-1)!.id;
  await first.client.dispose();

  // Meanwhile, on the other instance: shipped, delivered, and a new order cancelled.
  await b.client.ok(UpdateOrderStatusDocument, { orderId, status: 'SHIPPING' }, { token: admin.token });
  await b.client.ok(UpdateOrderStatusDocument, { orderId, status: 'DELIVERED' }, { token: admin.token });
  const second = await orderProducts(b.client, customer.token, [{ productId: product.id, quantity: 1 }]);
  await b.client.ok(CancelOrderDocument, { orderId: second.orderId }, { token: customer.token });

  const again = open(a.url, customer.token);
  await again.opened;
  const after = collect<Event>(again, ORDER_EVENTS, 'orderEvents', { afterId: lastId });
  const missed = await after.waitFor(4);
  expect(missed.map((e) => [e.orderId, e.kind])).toEqual([
    [orderId, 'SHIPPING'],
    [orderId, 'DELIVERED'],
    [second.orderId, 'CREATED'],
    [second.orderId, 'CANCELLED'],
  ]);
  // ... then live ones.
  const third = await orderProducts(b.client, customer.token, [{ productId: product.id, quantity: 1 }]);
  const all = await after.waitFor(5);
  expect([all[4].orderId, all[4].kind]).toEqual([third.orderId, 'CREATED']);
  const ids = all.map((e) => Number(e.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort((x, y) => x - y)).toEqual(ids);
}, 60_000);

it('a rolled-back change publishes nothing', async () => {
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token, { stock: 1 });
  const conn = open(a.url, customer.token);
  await conn.opened;
  const events = collect<Event>(conn, ORDER_EVENTS, 'orderEvents');
  await new Promise((r) => setTimeout(r, 200));
  await b.client.ok(AddToCartDocument, { productId: product.id, quantity: 1 }, { token: customer.token });
  // Drift the StockGuard's counter upwards and sell the unit behind the cart's back: the next
  // order passes the counter, then MySQL's guard refuses it and its transaction (with its event row) rolls back.
  await t.app.stock.adjust(Number(product.id), 5);
  const other = await signUpAs(t.client, 'CUSTOMER');
  await orderProducts(t.client, other.token, [{ productId: product.id, quantity: 1 }]);
  const refused = await b.client.request(CreateOrderDocument, {}, { token: customer.token });
  expect(codeOf(refused)).toBe('OUT_OF_STOCK');
  // A refused cancel changes nothing either.
  expect(codeOf(await b.client.request(CancelOrderDocument, { orderId: 'no-such-order' }, { token: customer.token }))).toBe('NOT_FOUND');
  // The next real change is the first event this customer sees.
  await createProduct(t.client, seller.token, { stock: 1 }).then((p) =>
    orderProducts(b.client, customer.token, [{ productId: p.id, quantity: 1 }]),
  );
  const got = await events.waitFor(1);
  await new Promise((r) => setTimeout(r, 300));
  expect(events.items).toHaveLength(1);
  expect(got[0].kind).toBe('CREATED');
}, 60_000);

it("a seller's feed shows new paid orders touching their products, with only their lines", async () => {
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const mineProduct = await createProduct(t.client, seller.token, { name: '내 상품', price: 1000, stock: 5 });
  const theirProduct = await createProduct(t.client, otherSeller.token, { name: '남의 상품', price: 2000, stock: 5 });
  const conn = open(a.url, seller.token);
  await conn.opened;
  const feed = collect<SellerEvent>(conn, SELLER_EVENTS, 'sellerOrderEvents');
  await new Promise((r) => setTimeout(r, 200));
  const order = await orderProducts(b.client, customer.token, [
    { productId: mineProduct.id, quantity: 2 },
    { productId: theirProduct.id, quantity: 1 },
  ]);
  const auth = authorizeOrder(toss, order);
  await b.client.ok(ConfirmPaymentDocument, { input: auth }, { token: customer.token });
  const [paid] = await feed.waitFor(1);
  expect(paid).toMatchObject({ orderId: order.orderId, kind: 'PAID', orderStatus: 'ORDER_COMPLETED' });
  expect(paid.items).toEqual([{ productId: mineProduct.id, productName: '내 상품', unitPrice: 1000, quantity: 2 }]);
  // The customer cancels it (a refund): the seller hears of that too, again with only their lines.
  await b.client.ok(CancelOrderDocument, { orderId: order.orderId }, { token: customer.token });
  const [, refunded] = await feed.waitFor(2);
  expect(refunded).toMatchObject({ orderId: order.orderId, kind: 'REFUNDED', orderStatus: 'CANCELLED' });
  expect(refunded.items.map((i) => i.productId)).toEqual([mineProduct.id]);
  // The other seller's own feed would carry only their line; this seller never sees it.
  expect(feed.items.flatMap((e) => e.items).some((i) => i.productId === theirProduct.id)).toBe(false);
  // A customer cannot open a seller feed.
  const customerConn = open(a.url, customer.token);
  await customerConn.opened;
  const refused = collect<SellerEvent>(customerConn, SELLER_EVENTS, 'sellerOrderEvents');
  await refused.done;
  expect(JSON.stringify(refused.errors)).toContain('FORBIDDEN');
}, 60_000);

it('keeps the events as notifications: listed newest first, filtered by unread, marked read (only your own)', async () => {
  const customer = await signUpAs(t.client, 'CUSTOMER');
  const stranger = await signUpAs(t.client, 'CUSTOMER');
  const product = await createProduct(t.client, seller.token, { stock: 5 });
  const orderId = await orderAndPay(t.client, customer, product.id);
  const { notifications } = await t.client.ok(NotificationsDocument, {}, { token: customer.token });
  expect(notifications.totalCount).toBe(2);
  expect(notifications.edges.map((e) => [e.node.orderId, e.node.kind, e.node.read])).toEqual([
    [orderId, 'PAID', false],
    [orderId, 'CREATED', false],
  ]);
  const ids = notifications.edges.map((e) => e.node.id);
  expect((await t.client.ok(MarkNotificationsReadDocument, { ids }, { token: stranger.token })).markNotificationsRead).toBe(0);
  expect((await t.client.ok(MarkNotificationsReadDocument, { ids: [ids[1]] }, { token: customer.token })).markNotificationsRead).toBe(1);
  const unread = await t.client.ok(NotificationsDocument, { unreadOnly: true }, { token: customer.token });
  expect(unread.notifications.edges.map((e) => e.node.id)).toEqual([ids[0]]);
  const page = await t.client.ok(NotificationsDocument, { first: 1 }, { token: customer.token });
  const next = await t.client.ok(
    NotificationsDocument,
    { first: 1, after: page.notifications.pageInfo.endCursor },
    { token: customer.token },
  );
  expect([page.notifications.edges[0].node.id, next.notifications.edges[0].node.id]).toEqual(ids);
  expect(codeOf(await t.client.request(NotificationsDocument, {}, { token: seller.token }))).toBe('FORBIDDEN');
  expect(codeOf(await t.client.request(NotificationsDocument, {}))).toBe('UNAUTHENTICATED');
  expect(codeOf(await t.client.request(MarkNotificationsReadDocument, { ids: ['x'] }, { token: customer.token }))).toBe('BAD_USER_INPUT');
});
