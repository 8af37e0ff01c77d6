import fc from 'fast-check';

/**
 * The steps test/e2e/order-payment-interleaving.e2e.test.ts draws: who does what to which order
 * (an index into the run's orders), on which of the two instances. Orders hold one to three
 * lines: products 0 and 1 are the first seller's, product 2 the second's.
 */
export type On = 0 | 1;
export type Op =
  | { kind: 'create'; customer: number; products: number[]; quantity: number; address: boolean; on: On }
  | { kind: 'confirm'; order: number; variant: 'right' | 'tampered' | 'otherKey' | 'declined' | 'twice'; on: On }
  | { kind: 'cancel'; order: number; on: On }
  | { kind: 'ship'; order: number; to: 'SHIPPING' | 'DELIVERED'; on: On }
  | { kind: 'merchantRefund'; order: number; partial: boolean }
  | { kind: 'webhook'; order: number; on: On }
  | { kind: 'reconcile'; on: On }
  | { kind: 'expire'; on: On }
  | { kind: 'fault'; endpoint: 'confirm' | 'cancel' | 'lookup'; mode: 'slow' | 'timeout' | 'error5xx' | 'drop-after' | 'drop-before' }
  // Issue #15: a seller ships its unshipped lines of an order (all, or only the first; or tries
  // the other seller's), with a carrier and a tracking number (rarely a wrong one); a shipment is
  // marked delivered by its seller or an admin; the customer confirms the purchase; the sweeper
  // confirms it days later.
  | {
      kind: 'sellerShip';
      order: number;
      seller: 0 | 1;
      lines: 'all' | 'first' | 'foreign';
      carrier: number;
      tracking: 'good' | 'bad';
      on: On;
    }
  | { kind: 'deliver'; order: number; shipment: number; by: 'seller' | 'admin'; on: On }
  | { kind: 'confirmPurchase'; order: number; on: On }
  | { kind: 'autoConfirm'; on: On }
  /** The StockGuard's counters of the scenario's products dropped (a flush, a failover, a drift): rebuilt from MySQL by the next checkout. */
  | { kind: 'dropCounters'; on: On }
  // Issue #16: a partial cancel (cancelOrderItems) of some units of some unshipped lines, by the
  // customer or by a seller of its own lines (rarely of the other seller's: NOT_FOUND); 'twice'
  // sends the same request to both instances at once.
  | {
      kind: 'cancelItems';
      order: number;
      by: 'customer' | 'seller' | 'foreignSeller';
      seller: 0 | 1;
      lines: 'first' | 'all';
      units: 'one' | 'rest';
      twice: boolean;
      on: On;
    };

/** Carriers with a tracking number each accepts (the digits of CARRIERS), for the seller's shipments. */
export const TRACKING = [
  { carrier: 'CJ_LOGISTICS', good: '1234-5678-9012', bad: '123456789' },
  { carrier: 'EPOST', good: '1234567890123', bad: '123456789012' },
  { carrier: 'LOGEN', good: '123 4567 8901', bad: '1234567890' },
] as const;

const on = fc.constantFrom<On>(0, 1);
const slot = fc.nat(7);
export const createArb = fc.record({
  kind: fc.constant('create' as const),
  customer: fc.nat(2),
  products: fc.oneof(
    fc.subarray([0, 1, 2], { minLength: 1 }),
    fc.nat(2).map((p) => [p]),
  ),
  quantity: fc.integer({ min: 1, max: 3 }),
  // Mostly with an address: a seller cannot ship without one (an admin can).
  address: fc.constantFrom(true, true, true, false),
  on,
});
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: createArb },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('confirm' as const),
      order: slot,
      variant: fc.constantFrom(
        'right' as const,
        'right' as const,
        'right' as const,
        'tampered' as const,
        'otherKey' as const,
        'declined' as const,
        'twice' as const,
      ),
      on,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cancel' as const), order: slot, on }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('ship' as const),
      order: slot,
      to: fc.constantFrom('SHIPPING' as const, 'SHIPPING' as const, 'DELIVERED' as const),
      on,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('merchantRefund' as const), order: slot, partial: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('webhook' as const), order: slot, on }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reconcile' as const), on }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), on }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      endpoint: fc.constantFrom('confirm' as const, 'cancel' as const, 'lookup' as const),
      mode: fc.constantFrom('slow' as const, 'timeout' as const, 'error5xx' as const, 'drop-after' as const, 'drop-before' as const),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('sellerShip' as const),
      order: slot,
      seller: fc.constantFrom<0 | 1>(0, 1),
      lines: fc.constantFrom('all' as const, 'all' as const, 'all' as const, 'first' as const, 'foreign' as const),
      carrier: fc.nat(TRACKING.length - 1),
      tracking: fc.oneof({ weight: 7, arbitrary: fc.constant('good' as const) }, { weight: 1, arbitrary: fc.constant('bad' as const) }),
      on,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      order: slot,
      shipment: fc.nat(2),
      by: fc.constantFrom('seller' as const, 'seller' as const, 'admin' as const),
      on,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('confirmPurchase' as const), order: slot, on }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('autoConfirm' as const), on }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropCounters' as const), on }) },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('cancelItems' as const),
      order: slot,
      by: fc.constantFrom('customer' as const, 'customer' as const, 'seller' as const, 'seller' as const, 'foreignSeller' as const),
      seller: fc.constantFrom<0 | 1>(0, 1),
      lines: fc.constantFrom('first' as const, 'first' as const, 'all' as const),
      units: fc.constantFrom('one' as const, 'one' as const, 'rest' as const),
      twice: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      on,
    }),
  },
);
/** A run: a first step that creates orders, then steps in sequence, each step's operations at once. */
export const scenarioArb = fc
  .tuple(
    fc.array(createArb, { minLength: 1, maxLength: 3 }),
    fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 3, maxLength: 10 }),
  )
  .map(([first, rest]) => [first as Op[], ...rest]);
