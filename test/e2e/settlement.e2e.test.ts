import { CancelOrderDocument, ConfirmPurchaseDocument, SellerPayoutsDocument, SettlementTotalsDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { codeOf } from '../helpers/graphql-client';
import { orderAs, paidOrderWithTwoSellers, ship, startShippingWorld, type ShippingWorld } from '../helpers/shipping';
import {
  allEntries,
  confirmedOrderOf,
  confirmPurchase,
  paidOrderOf,
  periodSince,
  refusalOf,
  settlements,
  shipAndDeliver,
  sumOf,
  type LedgerEntry,
} from '../helpers/settlement';

/**
 * The seller settlement ledger (정산, #16): purchase-confirmed lines enter their sellers' ledgers
 * once, with floor-per-line commission; the period query's totals, filters, paging and access.
 * Payouts are in settlement-payouts.e2e.test.ts.
 */
const queries: string[] = [];
let w: ShippingWorld;
beforeAll(async () => {
  // The sweeper stays quiet (its passes are called by hand), so only requests' statements and the outbox relay's are counted.
  w = await startShippingWorld({ ORDER_SWEEP_INTERVAL_MS: '3600000' }, { onQuery: (sql) => queries.push(sql) });
});
afterAll(() => w?.close());

const DAY = 24 * 60 * 60 * 1000;
/** The outbox relay's polling, which runs beside any request (services/notifications/outbox-relay.ts). */
const RELAY = /order_status_change|^\s*(begin|commit|rollback|start transaction|set transaction)|from order_item where order_id in/i;
const newSeller = () => signUpAs(w.t.client, 'SELLER');
const ledgerOf = async (seller: TestAccount, since: Date) => (await allEntries(w.t.client, seller.token, periodSince(since))).entries;
const totalsOf = async (token: string, since: Date, sellerId?: string) =>
  (await w.t.client.ok(SettlementTotalsDocument, { ...periodSince(since), sellerId }, { token })).sellerSettlements.totals;
/** Every amount of an entry adds up: gross = unit price x quantity = commission + net, commission = floor(gross x bps / 10^4). */
const expectConsistent = (e: LedgerEntry) => {
  expect(e.commission + e.net).toBe(e.gross);
  expect(e.commission).toBe(Math.floor((e.gross * e.commissionBps) / 10_000));
};

describe('entries', () => {
  it("a confirmed line enters its seller's ledger once: by the customer's 구매확정, by the sweeper, never twice", async () => {
    const since = new Date();
    const [a, b] = await Promise.all([newSeller(), newSeller()]);
    const { orderId, itemIds } = await paidOrderOf(w, [
      { seller: a, price: 999 },
      { seller: a, price: 1001, quantity: 2 },
      { seller: b, price: 33333 },
    ]);
    const [a1, a2, b1] = itemIds;
    await shipAndDeliver(w, a, orderId, [a1, a2]);
    expect(await ledgerOf(a, since)).toEqual([]);
    await ship(w.t.client, b.token, orderId, [b1]);
    const confirmed = await confirmPurchase(w, orderId);
    const confirmedAt = (id: string) => confirmed.items.find((i) => i.id === id)!.purchaseConfirmedAt;

    const ledgerA = await ledgerOf(a, since);
    const entry = { sellerId: a.id, orderId, commissionBps: 1000, paidOutAt: null, payoutId: null };
    expect(ledgerA).toEqual([
      {
        ...entry,
        id: expect.any(String),
        orderItemId: a1,
        productName: expect.any(String),
        quantity: 1,
        gross: 999,
        commission: 99,
        net: 900,
        confirmedAt: confirmedAt(a1),
      },
      {
        ...entry,
        id: expect.any(String),
        orderItemId: a2,
        productName: expect.any(String),
        quantity: 2,
        gross: 2002,
        commission: 200,
        net: 1802,
        confirmedAt: confirmedAt(a2),
      },
    ]);
    expect(ledgerA.map((e) => e.productName)).toEqual(confirmed.items.slice(0, 2).map((i) => i.productName));
    // B's line is still on its way: nothing in B's ledger.
    expect(await ledgerOf(b, since)).toEqual([]);

    // B delivers; the sweeper confirms it PURCHASE_CONFIRM_DAYS later, and only it enters.
    const shipmentB = (await orderAs(w.t.client, b.token, orderId)).shipments[0].id;
    await w.t.client.raw('mutation($s: ID!) { markShipmentDelivered(shipmentId: $s) { id } }', { s: shipmentB }, { token: b.token });
    await w.t.app.services.sweeper.confirmDelivered(new Date(Date.now() + 8 * DAY));
    await w.t.app.services.sweeper.confirmDelivered(new Date(Date.now() + 9 * DAY));
    expect(codeOf(await w.t.client.request(ConfirmPurchaseDocument, { orderId }, { token: w.customer.token }))).toBe('BAD_USER_INPUT');
    const order = await orderAs(w.t.client, w.customer.token, orderId);
    expect(await ledgerOf(a, since)).toEqual(ledgerA);
    expect(await ledgerOf(b, since)).toEqual([
      expect.objectContaining({
        sellerId: b.id,
        orderItemId: b1,
        gross: 33333,
        commission: 3333,
        net: 30000,
        confirmedAt: order.items[2].purchaseConfirmedAt,
      }),
    ]);
    // Totals of each seller: sums of their own lines only.
    expect(await totalsOf(a.token, since)).toEqual({ gross: 3001, commission: 299, net: 2702, paidOut: 0, owed: 2702, entryCount: 2 });
    expect(await totalsOf(b.token, since)).toEqual({ gross: 33333, commission: 3333, net: 30000, paidOut: 0, owed: 30000, entryCount: 1 });
  });

  it('never enters unpaid, cancelled, undelivered or unconfirmed lines', async () => {
    const since = new Date();
    const seller = await newSeller();
    await paidOrderWithTwoSellers(w, { paid: false, sellers: [seller, w.sellerC] });
    const cancelled = await paidOrderOf(w, [{ seller, price: 4000 }]);
    await w.t.client.ok(CancelOrderDocument, { orderId: cancelled.orderId }, { token: w.customer.token });
    const shipped = await paidOrderOf(w, [{ seller, price: 5000 }]);
    await ship(w.t.client, seller.token, shipped.orderId, shipped.itemIds);
    const delivered = await paidOrderOf(w, [{ seller, price: 6000 }]);
    await shipAndDeliver(w, seller, delivered.orderId, delivered.itemIds);
    // A day after delivery is too early for the sweeper.
    await w.t.app.services.sweeper.confirmDelivered(new Date(Date.now() + DAY));
    expect(await ledgerOf(seller, since)).toEqual([]);
    // Eight days on, only the delivered line is confirmed, and only it enters.
    await w.t.app.services.sweeper.confirmDelivered(new Date(Date.now() + 8 * DAY));
    expect((await ledgerOf(seller, since)).map((e) => [e.orderId, e.gross])).toEqual([[delivered.orderId, 6000]]);
  });
});

describe('the period query', () => {
  let seller: TestAccount;
  let since: Date;
  let entries: LedgerEntry[];
  beforeAll(async () => {
    since = new Date();
    seller = await newSeller();
    // Three lines confirmed at the same instant (the keyset's tie-breaker is the id), then two more orders.
    await confirmedOrderOf(w, [
      { seller, price: 999 },
      { seller, price: 1001 },
      { seller, price: 33333, quantity: 3 },
    ]);
    await confirmedOrderOf(w, [{ seller, price: 12000 }]);
    await confirmedOrderOf(w, [{ seller, price: 107 }]);
    entries = await ledgerOf(seller, since);
  });

  it('pages oldest first by (confirmedAt, id), at most `first` a page, totals over the whole period', async () => {
    expect(entries.map((e) => e.gross)).toEqual([999, 1001, 99999, 12000, 107]);
    const order = [...entries].sort((x, y) => x.confirmedAt.localeCompare(y.confirmedAt) || Number(x.id) - Number(y.id));
    expect(entries).toEqual(order);
    const paged = await allEntries(w.t.client, seller.token, { ...periodSince(since), first: 2 });
    expect(paged).toEqual({ entries, pages: [2, 2, 1] });
    const first = (await settlements(w.t.client, seller.token, { ...periodSince(since), first: 2 })).data!.sellerSettlements;
    expect(first.totals).toEqual({ ...sumOf(entries), paidOut: 0, owed: sumOf(entries).net, entryCount: 5 });
    expect(first.totals.gross).toBe(999 + 1001 + 99999 + 12000 + 107);
    for (const e of entries) expectConsistent(e);
  });

  it('takes entries confirmed at or after `from` and before `to`', async () => {
    const at = entries[3].confirmedAt;
    const between = async (from: string, to: string) => (await allEntries(w.t.client, seller.token, { from, to })).entries.map((e) => e.id);
    const ids = entries.map((e) => e.id);
    expect(await between(at, periodSince(since).to)).toEqual(ids.slice(3));
    expect(await between(since.toISOString(), at)).toEqual(ids.slice(0, 3));
    expect(await between(at, at)).toEqual([]);
    expect(await between(new Date(Date.now() - 366 * DAY).toISOString(), since.toISOString())).toEqual([]);
  });

  it('refuses a reversed or too long period, a page size outside 1..20 and foreign cursors (BAD_USER_INPUT)', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const payoutCursor = (await w.t.client.ok(SellerPayoutsDocument, { first: 1 }, { token: w.admin.token })).sellerPayouts.pageInfo
      .endCursor;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ from: iso(now), to: iso(now - 1) }, 'to'],
      [{ from: iso(now - 367 * DAY), to: iso(now) }, 'to'],
      [{ from: iso(now - 366 * DAY - 1), to: iso(now) }, 'to'],
      [{ first: 21 }, 'first'],
      [{ first: 0 }, 'first'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ after: Buffer.from(JSON.stringify(['ORDERS', 0, 1])).toString('base64url') }, 'after'],
      [{ from: '0001-01-01T00:00:00Z', to: '0001-02-01T00:00:00Z' }, 'from'],
    ];
    if (payoutCursor) cases.push([{ after: payoutCursor }, 'after']);
    for (const [variables, field] of cases) {
      const res = await settlements(w.t.client, seller.token, { ...periodSince(since), ...variables });
      expect({ variables, ...refusalOf(res) }).toEqual({ variables, code: 'BAD_USER_INPUT', field });
    }
    expect(codeOf(await settlements(w.t.client, seller.token, { from: iso(now - 366 * DAY), to: iso(now) }))).toBeUndefined();
  });

  it('costs the same number of SQL statements for a page of 1 and of 20', async () => {
    const count = async (first: number) => {
      queries.length = 0;
      const res = await settlements(w.t.client, seller.token, { ...periodSince(since), first });
      expect(res.data!.sellerSettlements.entries.edges).toHaveLength(Math.min(first, 5));
      return queries.filter((q) => !RELAY.test(q)).length;
    };
    const one = await count(1);
    expect(await count(20)).toBe(one);
    // The session check, the totals and the page, and nothing per entry.
    expect(one).toBeGreaterThanOrEqual(2);
    expect(one).toBeLessThanOrEqual(3);
  });

  it('shows an admin the seller named, or every seller when none is', async () => {
    const other = await newSeller();
    await confirmedOrderOf(w, [{ seller: other, price: 2500 }]);
    const asAdmin = await allEntries(w.t.client, w.admin.token, { ...periodSince(since), sellerId: seller.id });
    expect(asAdmin.entries).toEqual(entries);
    const everyone = (await allEntries(w.t.client, w.admin.token, periodSince(since))).entries;
    expect(everyone.map((e) => e.sellerId)).toEqual([...entries.map(() => seller.id), other.id]);
    const totals = await totalsOf(w.admin.token, since);
    expect(totals).toEqual({ ...sumOf(everyone), paidOut: 0, owed: sumOf(everyone).net, entryCount: 6 });
    expect((await settlements(w.t.client, w.admin.token, periodSince(since))).data!.sellerSettlements.sellerId).toBeNull();
  });
});

describe('who sees what', () => {
  it('anonymous UNAUTHENTICATED, customers FORBIDDEN, a seller only their own (FORBIDDEN), an unknown seller NOT_FOUND', async () => {
    const period = periodSince(new Date(Date.now() - DAY));
    const cases: Array<[string | null, string | undefined, string | undefined]> = [
      [null, undefined, 'UNAUTHENTICATED'],
      [w.customer.token, undefined, 'FORBIDDEN'],
      [w.customer.token, w.sellerA.id, 'FORBIDDEN'],
      [w.sellerA.token, w.sellerB.id, 'FORBIDDEN'],
      [w.sellerA.token, '99999999', 'FORBIDDEN'],
      [w.sellerA.token, 'abc', 'FORBIDDEN'],
      [w.sellerA.token, w.sellerA.id, undefined],
      [w.sellerA.token, undefined, undefined],
      [w.admin.token, '99999999', 'NOT_FOUND'],
      [w.admin.token, 'abc', 'NOT_FOUND'],
      [w.admin.token, w.sellerB.id, undefined],
    ];
    for (const [token, sellerId, code] of cases) {
      const res = await settlements(w.t.client, token, { ...period, sellerId });
      expect({ sellerId, code: codeOf(res), data: code ? (res.data ?? null) : 'data' }).toEqual({
        sellerId,
        code,
        data: code ? null : 'data',
      });
      const payouts = await w.t.client.request(SellerPayoutsDocument, { sellerId }, { token });
      expect({ sellerId, payouts: codeOf(payouts) }).toEqual({ sellerId, payouts: code });
    }
    // A seller's own view names them.
    expect((await settlements(w.t.client, w.sellerA.token, period)).data!.sellerSettlements.sellerId).toBe(w.sellerA.id);
  });
});

describe('at another rate', () => {
  let w333: ShippingWorld;
  beforeAll(async () => {
    w333 = await startShippingWorld({ SELLER_COMMISSION_BPS: '333' });
  });
  afterAll(() => w333?.close());

  it('SELLER_COMMISSION_BPS=333 rounds each line down, and gross = commission + net on every line and total', async () => {
    const since = new Date();
    const seller = w333.sellerA;
    await confirmedOrderOf(
      w333,
      [
        { seller, price: 999 },
        { seller, price: 1001 },
        { seller, price: 33333, quantity: 3 },
      ],
      w333.customer,
    );
    const { entries } = await allEntries(w333.t.client, seller.token, periodSince(since));
    // 33.27 -> 33, 33.33 -> 33, 3329.97 -> 3329.
    expect(entries.map((e) => [e.gross, e.commission, e.net, e.commissionBps])).toEqual([
      [999, 33, 966, 333],
      [1001, 33, 968, 333],
      [99999, 3329, 96670, 333],
    ]);
    for (const e of entries) expectConsistent(e);
    const { totals } = (await w333.t.client.ok(SettlementTotalsDocument, periodSince(since), { token: seller.token })).sellerSettlements;
    // Per line, never on the total: floor(101999 x 0.0333) would be 3396.
    expect(totals).toEqual({ gross: 101999, commission: 3395, net: 98604, paidOut: 0, owed: 98604, entryCount: 3 });
  });
});
