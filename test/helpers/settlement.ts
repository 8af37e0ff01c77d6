import {
  ConfirmPurchaseDocument,
  MarkShipmentDeliveredDocument,
  RecordSellerPayoutDocument,
  SellerSettlementsDocument,
  type SellerLedgerEntryFieldsFragment,
  type SellerSettlementsQuery,
  type SellerSettlementsQueryVariables,
} from '../generated/graphql';
import { createProduct } from '../factories/catalog';
import type { TestAccount } from '../factories/accounts';
import type { GraphQLClient, Result } from './graphql-client';
import { ADDRESS, createOrderWith, orderAs, payOrder, ship, type ShippedOrder, type ShippingWorld } from './shipping';

export type LedgerEntry = SellerLedgerEntryFieldsFragment;
/** A line to order: a new product of `seller` at `price`, `quantity` units (1 unless given). */
export type LineSpec = { seller: TestAccount; price: number; quantity?: number };
export type PlacedOrder = { orderId: string; itemIds: string[]; order: ShippedOrder };

/** A paid order (with an address) of a new product per line, in the order given. */
export async function paidOrderOf(w: ShippingWorld, lines: LineSpec[], customer: TestAccount = w.customer): Promise<PlacedOrder> {
  const products = await Promise.all(lines.map((l) => createProduct(w.t.client, l.seller.token, { price: l.price, stock: 100 })));
  const cart = products.map((p, i) => ({ productId: p.id, quantity: lines[i].quantity ?? 1 }));
  const created = await createOrderWith(w.t.client, customer.token, cart, { shippingAddress: ADDRESS });
  if (created.errors) throw new Error(`createOrder failed: ${JSON.stringify(created.errors)}`);
  const { orderId } = created.data!.createOrder;
  await payOrder(w.t.client, w.toss, customer.token, orderId);
  const order = await orderAs(w.t.client, customer.token, orderId);
  const itemIds = products.map((p) => order.items.find((i) => i.productId === p.id)!.id);
  return { orderId, itemIds, order };
}

/** The seller ships these lines of the order in one parcel and marks it delivered. */
export async function shipAndDeliver(w: ShippingWorld, seller: TestAccount, orderId: string, itemIds: string[]): Promise<void> {
  const shipped = await ship(w.t.client, seller.token, orderId, itemIds);
  if (shipped.errors) throw new Error(`shipOrderItems failed: ${JSON.stringify(shipped.errors)}`);
  await w.t.client.ok(MarkShipmentDeliveredDocument, { shipmentId: shipped.data!.shipOrderItems.id }, { token: seller.token });
}

/** 구매확정 by the order's customer; the order as they see it afterwards. */
export async function confirmPurchase(w: ShippingWorld, orderId: string, customer: TestAccount = w.customer): Promise<ShippedOrder> {
  return (await w.t.client.ok(ConfirmPurchaseDocument, { orderId }, { token: customer.token })).confirmPurchase;
}

/** An order of one seller's lines, paid, shipped, delivered and confirmed: its lines are in the ledger. */
export async function confirmedOrderOf(w: ShippingWorld, lines: LineSpec[], customer: TestAccount = w.customer): Promise<ShippedOrder> {
  const { orderId, itemIds } = await paidOrderOf(w, lines, customer);
  await shipAndDeliver(w, lines[0].seller, orderId, itemIds);
  return confirmPurchase(w, orderId, customer);
}

/** sellerSettlements as `token`, the raw result. */
export const settlements = (client: GraphQLClient, token: string | null, variables: SellerSettlementsQueryVariables) =>
  client.request(SellerSettlementsDocument, variables, { token });

/** Every entry of the period, following the pages (`first` a page); also the pages' sizes. */
export async function allEntries(
  client: GraphQLClient,
  token: string,
  variables: Omit<SellerSettlementsQueryVariables, 'after'>,
): Promise<{ entries: LedgerEntry[]; pages: number[] }> {
  const entries: LedgerEntry[] = [];
  const pages: number[] = [];
  let after: string | null | undefined = null;
  do {
    const data: SellerSettlementsQuery = await client.ok(SellerSettlementsDocument, { ...variables, after }, { token });
    const s = data.sellerSettlements;
    entries.push(...s.entries.edges.map((e) => e.node));
    pages.push(s.entries.edges.length);
    after = s.entries.pageInfo.hasNextPage ? s.entries.pageInfo.endCursor : null;
  } while (after);
  return { entries, pages };
}

/** recordSellerPayout as `token`, the raw result. */
export const recordPayout = (client: GraphQLClient, token: string | null, sellerId: string, upTo: Date | string) =>
  client.request(RecordSellerPayoutDocument, { sellerId, upTo: typeof upTo === 'string' ? upTo : upTo.toISOString() }, { token });

/** The code and field of a refusal. */
export const refusalOf = (res: Result<unknown>) => ({ code: res.errors?.[0]?.extensions?.code, field: res.errors?.[0]?.extensions?.field });

/** A period around now: from `since` to a minute ahead (ISO strings, as the API takes them). */
export const periodSince = (since: Date) => ({ from: since.toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

/** Gross, commission and net summed over entries. */
export const sumOf = (entries: Array<{ gross: number; commission: number; net: number }>) =>
  entries.reduce((s, e) => ({ gross: s.gross + e.gross, commission: s.commission + e.commission, net: s.net + e.net }), {
    gross: 0,
    commission: 0,
    net: 0,
  });
