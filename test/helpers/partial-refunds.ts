import { OrderCancellation, OrderStatusChange, Product } from '../../src/entities';
import type { Payment as TossPayment, TossSandbox } from '../../toss-sandbox';
import {
  CancelOrderItemsDocument,
  CancelWholeOrderDocument,
  NotificationsDocument,
  PartialOrderDocument,
  type CancelOrderItemInput,
  type PartialOrderFieldsFragment,
} from '../generated/graphql';
import type { TestAccount } from '../factories/accounts';
import { createProduct } from '../factories/catalog';
import { codeOf, type GraphQLClient, type Result } from './graphql-client';
import { ADDRESS, createOrderWith, payOrder, type ShippingWorld } from './shipping';

export type PartialOrder = PartialOrderFieldsFragment;

/** Every product of these fixtures starts with this stock. */
export const STOCK = 50;
/** The customer's reason when none is given, and the seller's (판매 취소). */
export const CUSTOMER_REASON = '고객 요청 (requested by the customer)';
export const SELLER_REASON = '판매자 취소 (cancelled by the seller)';

/**
 * A paid order of the world's customer (or `customer`) with three lines on fresh products:
 * a1 = seller A's 12,000 KRW x1, a2 = seller A's 5,000 KRW x3, b1 = seller B's 7,000 KRW x2 (41,000 KRW).
 */
export type ThreeLineOrder = {
  orderId: string;
  paymentKey: string;
  total: number;
  a1: Line;
  a2: Line;
  b1: Line;
};
export type Line = { id: string; productId: string; unitPrice: number; quantity: number };
export const TOTAL = 12000 + 5000 * 3 + 7000 * 2;

export async function threeLineOrder(w: ShippingWorld, options: { customer?: TestAccount; paid?: boolean } = {}): Promise<ThreeLineOrder> {
  const { t, toss } = w;
  const customer = options.customer ?? w.customer;
  const [pa1, pa2, pb1] = await Promise.all([
    createProduct(t.client, w.sellerA.token, { name: 'A 김치', price: 12000, stock: STOCK }),
    createProduct(t.client, w.sellerA.token, { name: 'A 된장', price: 5000, stock: STOCK }),
    createProduct(t.client, w.sellerB.token, { name: 'B 고추장', price: 7000, stock: STOCK }),
  ]);
  const wanted = [
    { productId: pa1.id, quantity: 1 },
    { productId: pa2.id, quantity: 3 },
    { productId: pb1.id, quantity: 2 },
  ];
  const created = await createOrderWith(t.client, customer.token, wanted, { shippingAddress: ADDRESS });
  if (created.errors) throw new Error(`createOrder failed: ${JSON.stringify(created.errors)}`);
  const { orderId, items } = created.data!.createOrder;
  if (options.paid !== false) await payOrder(t.client, toss, customer.token, orderId);
  // The payment's webhook is handled before the test begins (it reads the payment back from Toss when it arrives).
  await toss.waitForWebhooks();
  const line = (productId: string): Line => {
    const item = items.find((i) => i.productId === productId)!;
    return { id: item.id, productId, unitPrice: item.unitPrice, quantity: item.quantity };
  };
  const paymentKey = tossPaymentOf(toss, orderId)?.paymentKey ?? '';
  return { orderId, paymentKey, total: TOTAL, a1: line(pa1.id), a2: line(pa2.id), b1: line(pb1.id) };
}

/** cancelOrderItems as the holder of `token`; the raw result. */
export function cancelItems(
  client: GraphQLClient,
  token: string,
  orderId: string,
  items: CancelOrderItemInput[],
  reason?: string,
): Promise<Result<{ cancelOrderItems: PartialOrder }>> {
  return client.request(CancelOrderItemsDocument, { orderId, items, reason }, { token });
}

/** cancelOrder (the full refund) as the holder of `token`; the raw result. */
export function cancelWhole(client: GraphQLClient, token: string, orderId: string): Promise<Result<{ cancelOrder: PartialOrder }>> {
  return client.request(CancelWholeOrderDocument, { orderId }, { token });
}

/** The order as the holder of `token` sees it. */
export async function partialOrder(client: GraphQLClient, token: string, orderId: string): Promise<PartialOrder> {
  return (await client.ok(PartialOrderDocument, { orderId }, { token })).order!;
}

/** Each line's status by item id. */
export const lineStatusesOf = (order: PartialOrder) => Object.fromEntries(order.items.map((i) => [i.id, i.status]));

/** `{ code, field }` of a refusal. */
export const refusal = (res: Result<unknown>) => ({ code: codeOf(res), field: res.errors?.[0]?.extensions?.field });

/** The order's approved payment as Toss itself holds it (DONE, PARTIAL_CANCELED or CANCELED). */
export function tossPaymentOf(toss: TossSandbox, orderId: string): TossPayment | undefined {
  return toss.payments().find((p) => p.orderId === orderId && ['DONE', 'PARTIAL_CANCELED', 'CANCELED'].includes(p.status));
}

/** Every refund Toss holds, across payments (what "nothing sent to Toss" compares). */
export const tossCancelCount = (toss: TossSandbox) => toss.payments().reduce((n, p) => n + (p.cancels?.length ?? 0), 0);

/**
 * Counts the requests that reach Toss's cancel endpoint, refused ones included: a zero-length
 * `delay` fault armed for a million requests, whose remaining count drops by one per request.
 * Faults are taken first-in first-out per endpoint, so arm it only where no other cancel fault is.
 */
export function countCancelRequests(toss: TossSandbox): () => number {
  const times = 1_000_000;
  toss.addFault({ endpoint: 'cancel', mode: 'delay', ms: 0, times });
  return () => times - (toss.faults().find((f) => f.endpoint === 'cancel' && f.mode === 'delay' && f.ms === 0)?.remaining ?? 0);
}

/** A product's stock in the database and in the StockGuard's counter (null when it has none). */
export async function stockOf(w: ShippingWorld, productId: string): Promise<{ db: number; guard: number | null }> {
  const id = Number(productId);
  const db = (await w.t.app.orm.em.fork().findOneOrFail(Product, id)).stock;
  const guard = (await w.t.app.stock.counters([id])).get(id) ?? null;
  return { db, guard };
}

/** Stock of each of the order's products, by product id. */
export async function stocksOf(w: ShippingWorld, order: ThreeLineOrder): Promise<Record<string, { db: number; guard: number | null }>> {
  const lines = [order.a1, order.a2, order.b1];
  return Object.fromEntries(await Promise.all(lines.map(async (l) => [l.productId, await stockOf(w, l.productId)] as const)));
}

/** Expected stock: STOCK less the units still sold, in the database and the StockGuard alike. */
export const held = (units: number) => ({ db: STOCK - units, guard: STOCK - units });

/** The customer's notifications about one order, oldest first. */
export async function notificationsOf(client: GraphQLClient, token: string, orderId: string) {
  const { notifications } = await client.ok(NotificationsDocument, { first: 50 }, { token });
  return notifications.edges
    .map((e) => e.node)
    .filter((n) => n.orderId === orderId)
    .reverse()
    .map(({ kind, orderStatus, paymentStatus }) => ({ kind, orderStatus, paymentStatus }));
}

/** The order's events as written (kind only), oldest first. */
export async function eventKindsOf(w: ShippingWorld, orderId: string): Promise<string[]> {
  const events = await w.t.app.orm.em.fork().find(OrderStatusChange, { orderCode: orderId }, { orderBy: { id: 'asc' } });
  return events.map((e) => e.kind);
}

/** The order's partial cancellations as recorded (status, amount, Idempotency-Key), oldest first. */
export async function cancellationsOf(w: ShippingWorld, orderId: string) {
  const rows = await w.t.app.orm.em.fork().find(OrderCancellation, { order: { orderId } }, { orderBy: { id: 'asc' } });
  return rows.map((c) => ({ status: c.status, amount: c.amount, idempotencyKey: c.idempotencyKey, transactionKey: c.transactionKey }));
}

/** Everything a refused call must leave as it was: the order (lines, payment), its stock, Toss's record. */
export async function snapshot(w: ShippingWorld, order: ThreeLineOrder) {
  await w.toss.waitForWebhooks();
  return {
    order: await partialOrder(w.t.client, w.admin.token, order.orderId),
    stock: await stocksOf(w, order),
    toss: tossPaymentOf(w.toss, order.orderId),
    events: await eventKindsOf(w, order.orderId),
  };
}

/**
 * Money and goods agree after whatever happened to the order: Toss refunded exactly what the
 * order's cancelled units come to (everything once the order is CANCELLED), the balance is the
 * rest, our payment shows the same, and each product's stock is STOCK less the units still sold.
 */
export async function expectConsistent(w: ShippingWorld, order: ThreeLineOrder): Promise<PartialOrder> {
  await w.toss.waitForWebhooks();
  const now = await partialOrder(w.t.client, w.admin.token, order.orderId);
  const cancelled = now.status === 'CANCELLED';
  const refunded = cancelled ? order.total : now.items.reduce((sum, i) => sum + i.unitPrice * i.cancelledQuantity, 0);
  const toss = tossPaymentOf(w.toss, order.orderId)!;
  const tossRefunded = (toss.cancels ?? []).reduce((sum, c) => sum + c.cancelAmount, 0);
  const seen = {
    orderId: order.orderId,
    status: now.status,
    tossRefunded,
    tossBalance: toss.balanceAmount,
    ours: { balance: now.payment!.balanceAmount, cancels: now.payment!.cancels.length },
    stock: await stocksOf(w, order),
  };
  const stillSold = (i: PartialOrder['items'][number]) => (cancelled ? 0 : i.quantity - i.cancelledQuantity);
  expect(seen).toEqual({
    ...seen,
    tossRefunded: refunded,
    tossBalance: order.total - refunded,
    ours: { balance: order.total - refunded, cancels: toss.cancels?.length ?? 0 },
    stock: Object.fromEntries(now.items.map((i) => [i.productId, held(stillSold(i))])),
  });
  return now;
}

/** Runs `work` with Toss's webhooks off, so only what the test drives reaches the app. */
export async function withoutWebhooks<T>(w: ShippingWorld, work: () => Promise<T>): Promise<T> {
  // A delivery still under way would read the payment back from Toss after `work` began (and take its lookup faults).
  await w.toss.waitForWebhooks();
  w.toss.setWebhookUrl(null);
  try {
    return await work();
  } finally {
    await w.toss.waitForWebhooks();
    w.toss.setWebhookUrl(`${w.t.url}/webhooks/toss`);
  }
}
