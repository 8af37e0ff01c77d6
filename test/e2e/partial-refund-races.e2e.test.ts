import type { GraphQLClient, Result } from '../helpers/graphql-client';
import { codeOf } from '../helpers/graphql-client';
import {
  cancellationsOf,
  cancelItems,
  cancelWhole,
  expectConsistent,
  threeLineOrder,
  tossPaymentOf,
  type PartialOrder,
  type ThreeLineOrder,
} from '../helpers/partial-refunds';
import { ship, startTwoInstanceWorld, type TwoInstanceWorld } from '../helpers/shipping';

/**
 * Issue #16: partial refunds racing each other, a shipment and the full refund. On the production
 * profile the calls go through two app instances on one database and Redis (startPeer); the
 * embedded profile is one process, so there both "instances" are the same app.
 */
let w: TwoInstanceWorld;
let peer: TwoInstanceWorld['peer'];
let one: GraphQLClient, two: GraphQLClient;
beforeAll(async () => {
  w = await startTwoInstanceWorld();
  ({ peer, one, two } = w);
}, 60_000);
afterAll(() => w?.close());

/** A refusal the loser of a race may get: a stable answer a client can show, never an internal error. */
const STABLE = ['BAD_USER_INPUT', 'CONFLICT'];
const won = (res: Result<unknown>) => !res.errors?.length && res.data != null;
const via = (round: number) => (round % 2 ? [one, two] : [two, one]);
type Units = { itemId: string; quantity: number };

/** Every call either won or lost with a stable code. */
function expectStableLosers(round: number, calls: Record<string, Result<unknown>>) {
  for (const [call, res] of Object.entries(calls)) {
    if (won(res)) continue;
    const code = codeOf(res);
    expect({ round, call, code, stable: STABLE.includes(code ?? '') }).toEqual({ round, call, code, stable: true });
  }
}

/** Money and goods agree, no claim or cancellation is left pending, and each line lost exactly the units its winners asked for. */
async function expectSettled(o: ThreeLineOrder, winners: Units[][]): Promise<PartialOrder> {
  const now = await expectConsistent(w, o);
  expect(now.refundPending).toBe(false);
  expect((await cancellationsOf(w, o.orderId)).filter((c) => c.status === 'PENDING')).toEqual([]);
  if (now.status !== 'CANCELLED') {
    const asked = (id: string) => winners.flat().reduce((n, u) => n + (u.itemId === id ? u.quantity : 0), 0);
    expect(Object.fromEntries(now.items.map((i) => [i.id, i.cancelledQuantity]))).toEqual(
      Object.fromEntries(now.items.map((i) => [i.id, asked(i.id)])),
    );
  }
  return now;
}

it('two partial cancels of different lines at once (customer and customer, customer and seller): never more refunded than paid', async () => {
  const outcomes = { both: 0, one: 0 };
  for (let round = 0; round < 8; round++) {
    const o = await threeLineOrder(w);
    const [c1, c2] = via(round);
    const first: Units[] = [{ itemId: o.a1.id, quantity: 1 }];
    const second: Units[] = [{ itemId: o.b1.id, quantity: 2 }];
    // Odd rounds: seller B cancels its own line while the customer cancels seller A's.
    const secondToken = round % 2 ? w.sellerB.token : w.customer.token;
    const [r1, r2] = await Promise.all([
      cancelItems(c1, w.customer.token, o.orderId, first),
      cancelItems(c2, secondToken, o.orderId, second),
    ]);
    expectStableLosers(round, { first: r1, second: r2 });
    for (const r of [r1, r2]) if (!won(r)) expect({ round, code: codeOf(r) }).toEqual({ round, code: 'CONFLICT' });
    const winners = [won(r1) ? first : [], won(r2) ? second : []];
    expect({ round, any: won(r1) || won(r2) }).toEqual({ round, any: true });
    await expectSettled(o, winners);
    outcomes[won(r1) && won(r2) ? 'both' : 'one']++;
  }
  expect(outcomes.both + outcomes.one).toBe(8);
}, 120_000);

it('two partial cancels of the same line at once: the units are cancelled and refunded at most once', async () => {
  for (let round = 0; round < 8; round++) {
    const o = await threeLineOrder(w);
    const [c1, c2] = via(round);
    // Even rounds: 2 of the line's 3 units each (both cannot fit); odd rounds: 1 each (both may, one after the other).
    const units: Units[] = [{ itemId: o.a2.id, quantity: round % 2 ? 1 : 2 }];
    const [r1, r2] = await Promise.all([
      cancelItems(c1, w.customer.token, o.orderId, units),
      cancelItems(c2, round % 4 === 0 ? w.sellerA.token : w.customer.token, o.orderId, units),
    ]);
    expectStableLosers(round, { first: r1, second: r2 });
    const winners = [r1, r2].filter(won).map(() => units);
    expect({ round, winners: winners.length >= 1, fits: winners.length * units[0].quantity <= 3 }).toEqual({
      round,
      winners: true,
      fits: true,
    });
    await expectSettled(o, winners);
  }
}, 120_000);

it('a partial cancel racing a shipment of the same line: exactly one wins (shipped and not cancelled, or cancelled and not shipped)', async () => {
  const outcomes = { shipped: 0, cancelled: 0 };
  for (let round = 0; round < 16; round++) {
    const o = await threeLineOrder(w);
    const [shipVia, cancelVia] = via(round);
    const shipCall = () => ship(shipVia, w.sellerA.token, o.orderId, [o.a1.id]);
    // The customer, or the line's own seller (판매 취소), cancels the line.
    const cancelCall = () =>
      cancelItems(cancelVia, round % 4 < 2 ? w.customer.token : w.sellerA.token, o.orderId, [{ itemId: o.a1.id, quantity: 1 }]);
    const [shipped, cancelled] =
      round % 2 ? await Promise.all([shipCall(), cancelCall()]) : (await Promise.all([cancelCall(), shipCall()])).reverse();
    expectStableLosers(round, { shipOrderItems: shipped, cancelOrderItems: cancelled });
    const now = await expectSettled(o, [won(cancelled) ? [{ itemId: o.a1.id, quantity: 1 }] : []]);
    const line = now.items.find((i) => i.id === o.a1.id)!;
    const seen = {
      round,
      shipWon: won(shipped),
      cancelWon: won(cancelled),
      line: [line.status, line.shipmentId !== null, line.cancelledQuantity],
      order: now.status,
      toss: tossPaymentOf(w.toss, o.orderId)!.cancels?.map((c) => c.cancelAmount) ?? [],
    };
    if (seen.shipWon === seen.cancelWon) throw new Error(`not exactly one winner: ${JSON.stringify(seen)}`);
    if (seen.shipWon) {
      expect(seen).toEqual({ ...seen, line: ['SHIPPING', true, 0], order: 'SHIPPING', toss: [] });
      outcomes.shipped++;
    } else {
      expect(seen).toEqual({ ...seen, line: ['CANCELLED', false, 1], order: 'ORDER_COMPLETED', toss: [12000] });
      outcomes.cancelled++;
    }
  }
  expect(outcomes.shipped + outcomes.cancelled).toBe(16);
}, 180_000);

it('a partial cancel racing cancelOrder: never more refunded than paid, the stock back exactly once', async () => {
  const outcomes = { partialOnly: 0, wholeOnly: 0, both: 0 };
  for (let round = 0; round < 10; round++) {
    const o = await threeLineOrder(w);
    const [partialVia, wholeVia] = via(round);
    const units: Units[] = [
      { itemId: o.a2.id, quantity: 1 },
      { itemId: o.b1.id, quantity: 1 },
    ];
    const partialCall = () => cancelItems(partialVia, w.customer.token, o.orderId, units);
    const wholeCall = () => cancelWhole(wholeVia, w.customer.token, o.orderId);
    const [partial, whole] =
      round % 2 ? await Promise.all([partialCall(), wholeCall()]) : (await Promise.all([wholeCall(), partialCall()])).reverse();
    expectStableLosers(round, { cancelOrderItems: partial, cancelOrder: whole });
    const now = await expectSettled(o, [won(partial) ? units : []]);
    const refunds = tossPaymentOf(w.toss, o.orderId)!.cancels?.map((c) => c.cancelAmount) ?? [];
    const seen = { round, partialWon: won(partial), wholeWon: won(whole), order: now.status, refunds };
    if (seen.partialWon && seen.wholeWon) {
      // The partial cancel first, then the rest.
      expect(seen).toEqual({ ...seen, order: 'CANCELLED', refunds: [12000, o.total - 12000] });
      outcomes.both++;
    } else if (seen.wholeWon) {
      expect(seen).toEqual({ ...seen, order: 'CANCELLED', refunds: [o.total] });
      outcomes.wholeOnly++;
    } else if (seen.partialWon) {
      expect(seen).toEqual({ ...seen, order: 'ORDER_COMPLETED', refunds: [12000] });
      outcomes.partialOnly++;
    } else throw new Error(`neither won: ${JSON.stringify(seen)}`);
  }
  expect(outcomes.partialOnly + outcomes.wholeOnly + outcomes.both).toBe(10);
}, 180_000);
