import { SellerPayoutsDocument, SettlementTotalsDocument, type SellerPayoutFieldsFragment } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { codeOf, type GraphQLClient } from '../helpers/graphql-client';
import {
  allEntries,
  confirmedOrderOf,
  confirmPurchase,
  paidOrderOf,
  periodSince,
  recordPayout,
  refusalOf,
  shipAndDeliver,
  sumOf,
} from '../helpers/settlement';
import { startShippingWorld, type ShippingWorld } from '../helpers/shipping';
import type { TestApp } from '../helpers/test-app';

/**
 * Payout batches of the settlement ledger (정산 지급, #16): recordSellerPayout marks the owed entries
 * up to a time exactly once, even when admins press at once on two instances (startPeer: the same
 * database and Redis; on the embedded profile, the one process).
 */
let w: ShippingWorld;
let peer: Awaited<ReturnType<TestApp['startPeer']>>;
let otherAdmin: TestAccount;
beforeAll(async () => {
  w = await startShippingWorld();
  peer = await w.t.startPeer();
  otherAdmin = await signUpAs(w.t.client, 'ADMIN');
});
afterAll(async () => {
  await peer?.close();
  await w?.close();
});

const newSeller = () => signUpAs(w.t.client, 'SELLER');
const ledgerOf = async (seller: TestAccount, since: Date) => (await allEntries(w.t.client, seller.token, periodSince(since))).entries;
const totalsOf = async (seller: TestAccount, since: Date) =>
  (await w.t.client.ok(SettlementTotalsDocument, periodSince(since), { token: seller.token })).sellerSettlements.totals;
const payoutsOf = async (token: string, sellerId?: string, client: GraphQLClient = w.t.client) =>
  (await client.ok(SellerPayoutsDocument, { sellerId }, { token })).sellerPayouts.edges.map((e) => e.node);
const paid = async (sellerId: string, upTo: Date | string, token = w.admin.token): Promise<SellerPayoutFieldsFragment> => {
  const res = await recordPayout(w.t.client, token, sellerId, upTo);
  if (res.errors) throw new Error(`recordSellerPayout failed: ${JSON.stringify(res.errors)}`);
  return res.data!.recordSellerPayout;
};

describe('recordSellerPayout', () => {
  it('pays every owed entry confirmed at or before upTo, once; paidOut and owed follow', async () => {
    const since = new Date();
    const seller = await newSeller();
    await confirmedOrderOf(w, [
      { seller, price: 999 },
      { seller, price: 1001 },
    ]);
    await confirmedOrderOf(w, [{ seller, price: 33333 }]);
    const entries = await ledgerOf(seller, since);
    expect(entries.map((e) => e.net)).toEqual([900, 901, 30000]);

    // Up to the first order's confirmation: its two lines (the bound is inclusive), not the third.
    const first = await paid(seller.id, entries[0].confirmedAt);
    expect(first).toEqual({
      id: expect.any(String),
      sellerId: seller.id,
      upTo: entries[0].confirmedAt,
      amount: 1801,
      entryCount: 2,
      createdAt: expect.any(String),
    });
    const afterFirst = await ledgerOf(seller, since);
    expect(afterFirst.map((e) => [e.payoutId, e.paidOutAt])).toEqual([
      [first.id, first.createdAt],
      [first.id, first.createdAt],
      [null, null],
    ]);
    expect(await totalsOf(seller, since)).toEqual({
      gross: 35333,
      commission: 3532,
      net: 31801,
      paidOut: 1801,
      owed: 30000,
      entryCount: 3,
    });

    // The same press again finds nothing owed; a time in the future is refused.
    expect(refusalOf(await recordPayout(w.t.client, w.admin.token, seller.id, entries[0].confirmedAt))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'upTo',
    });
    expect(refusalOf(await recordPayout(w.t.client, w.admin.token, seller.id, new Date(Date.now() + 60_000)))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'upTo',
    });

    const second = await paid(seller.id, new Date(), otherAdmin.token);
    expect([second.amount, second.entryCount]).toEqual([30000, 1]);
    expect(await totalsOf(seller, since)).toMatchObject({ net: 31801, paidOut: 31801, owed: 0 });
    expect(refusalOf(await recordPayout(w.t.client, w.admin.token, seller.id, new Date()))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'upTo',
    });

    // A line confirmed later is owed, and a payout up to an earlier time does not reach it.
    await confirmedOrderOf(w, [{ seller, price: 12000 }]);
    expect(await totalsOf(seller, since)).toMatchObject({ net: 42601, paidOut: 31801, owed: 10800, entryCount: 4 });
    expect(codeOf(await recordPayout(w.t.client, w.admin.token, seller.id, second.upTo))).toBe('BAD_USER_INPUT');

    // The seller's payouts, newest first: to the seller, and to an admin naming the seller.
    expect(await payoutsOf(seller.token)).toEqual([second, first]);
    expect(await payoutsOf(w.admin.token, seller.id)).toEqual([second, first]);
    const pages = await w.t.client.ok(SellerPayoutsDocument, { first: 1 }, { token: seller.token });
    expect(pages.sellerPayouts.edges.map((e) => e.node.id)).toEqual([second.id]);
    const next = await w.t.client.ok(
      SellerPayoutsDocument,
      { first: 1, after: pages.sellerPayouts.pageInfo.endCursor },
      { token: seller.token },
    );
    expect([next.sellerPayouts.edges.map((e) => e.node.id), next.sellerPayouts.pageInfo.hasNextPage]).toEqual([[first.id], false]);
    // An admin with no seller named sees every seller's, newest first.
    expect((await payoutsOf(w.admin.token)).slice(0, 2)).toEqual([second, first]);
  });

  it('refuses anonymous callers, customers and sellers, unknown sellers and bad times, writing nothing', async () => {
    const since = new Date();
    const seller = await newSeller();
    await confirmedOrderOf(w, [{ seller, price: 5000 }]);
    const before = await totalsOf(seller, since);
    const now = new Date();
    const cases: Array<[string | null, string, Date | string, { code: string; field?: string }]> = [
      [null, seller.id, now, { code: 'UNAUTHENTICATED' }],
      [w.customer.token, seller.id, now, { code: 'FORBIDDEN' }],
      [seller.token, seller.id, now, { code: 'FORBIDDEN' }],
      [w.sellerA.token, seller.id, now, { code: 'FORBIDDEN' }],
      [w.admin.token, '99999999', now, { code: 'NOT_FOUND' }],
      [w.admin.token, 'abc', now, { code: 'NOT_FOUND' }],
      [w.admin.token, seller.id, new Date(Date.now() + 3_600_000), { code: 'BAD_USER_INPUT', field: 'upTo' }],
      [w.admin.token, seller.id, '0001-01-01T00:00:00Z', { code: 'BAD_USER_INPUT', field: 'upTo' }],
      // Before the seller's only entry: nothing owed by then.
      [w.admin.token, seller.id, new Date(since.getTime() - 1000), { code: 'BAD_USER_INPUT', field: 'upTo' }],
    ];
    for (const [token, sellerId, upTo, expected] of cases) {
      const res = await recordPayout(w.t.client, token, sellerId, upTo);
      expect({ sellerId, upTo, ...refusalOf(res) }).toEqual({ sellerId, upTo, field: undefined, ...expected });
    }
    expect(await totalsOf(seller, since)).toEqual(before);
    expect(await payoutsOf(seller.token)).toEqual([]);
    // A seller cannot read another seller's payouts.
    expect(codeOf(await w.t.client.request(SellerPayoutsDocument, { sellerId: seller.id }, { token: w.sellerA.token }))).toBe('FORBIDDEN');
  });
});

describe('exactly once', () => {
  it('two admins pressing at once on two instances record one payout; the others find nothing owed', async () => {
    const since = new Date();
    const seller = await newSeller();
    await confirmedOrderOf(w, [
      { seller, price: 999 },
      { seller, price: 1001, quantity: 3 },
    ]);
    await confirmedOrderOf(w, [{ seller, price: 33333 }]);
    const owed = sumOf(await ledgerOf(seller, since)).net;
    const upTo = new Date().toISOString();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        recordPayout(i % 2 ? peer.client : w.t.client, i % 4 < 2 ? w.admin.token : otherAdmin.token, seller.id, upTo),
      ),
    );
    const won = results.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.errors).map(refusalOf)).toEqual(Array(7).fill({ code: 'BAD_USER_INPUT', field: 'upTo' }));
    const payout = won[0].data!.recordSellerPayout;
    expect([payout.amount, payout.entryCount]).toEqual([owed, 3]);
    expect(await payoutsOf(seller.token, undefined, peer.client)).toEqual([payout]);
    expect((await ledgerOf(seller, since)).map((e) => e.payoutId)).toEqual([payout.id, payout.id, payout.id]);
    expect(await totalsOf(seller, since)).toMatchObject({ net: owed, paidOut: owed, owed: 0 });
  });

  it('a confirmation racing payouts is paid by one of them or owed, never both and never lost', async () => {
    const since = new Date();
    const seller = await newSeller();
    await confirmedOrderOf(w, [{ seller, price: 2000 }]);
    const racing = await Promise.all([1001, 999, 33333].map((price) => paidOrderOf(w, [{ seller, price }])));
    for (const o of racing) await shipAndDeliver(w, seller, o.orderId, o.itemIds);
    // Confirmations and payouts up to "now" at once, on both instances.
    const outcomes = await Promise.all([
      ...racing.map((o) => confirmPurchase(w, o.orderId)),
      ...Array.from({ length: 4 }, (_, i) =>
        new Promise((r) => setTimeout(r, 5 * i)).then(() =>
          recordPayout(i % 2 ? peer.client : w.t.client, w.admin.token, seller.id, new Date()),
        ),
      ),
    ]);
    expect(outcomes).toHaveLength(7);
    const entries = await ledgerOf(seller, since);
    expect(entries).toHaveLength(4);
    const payouts = await payoutsOf(w.admin.token, seller.id);
    // Each entry is in at most one payout, each payout's amount is the net of exactly its entries, and paid + owed = net.
    for (const p of payouts) {
      const its = entries.filter((e) => e.payoutId === p.id);
      expect([p.amount, p.entryCount]).toEqual([sumOf(its).net, its.length]);
    }
    expect(entries.every((e) => e.payoutId === null || payouts.some((p) => p.id === e.payoutId))).toBe(true);
    const totals = await totalsOf(seller, since);
    expect(totals.paidOut + totals.owed).toBe(totals.net);
    expect(totals.paidOut).toBe(payouts.reduce((s, p) => s + p.amount, 0));
    expect(totals).toMatchObject({ gross: 2000 + 1001 + 999 + 33333, entryCount: 4 });
  });
});
