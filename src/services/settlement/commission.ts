/**
 * The settlement ledger's money rules (정산), pure so they are tested on their own. Money is whole
 * won (KRW integers); the platform's commission is a number of basis points (1 bp = 0.01 %).
 */

/** The largest commission: 10,000 bp is 100 %. */
export const MAX_COMMISSION_BPS = 10_000;

/** What a confirmed line is worth to the marketplace and to its seller. */
export type LineSettlement = { gross: number; commission: number; net: number };

/** A line as the ledger reads it: its unit price (KRW), its units, and the units refunded by partial cancels. */
export type LedgerLine = { unitPrice: number; quantity: number; cancelledQuantity?: number };

/**
 * The units of a line that were sold and confirmed: its quantity less the units cancelled (and
 * refunded) before it shipped. A shipped or confirmed line can no longer be cancelled, so this no
 * longer changes once the line is confirmed.
 */
export function confirmedUnits(line: LedgerLine): number {
  return line.quantity - (line.cancelledQuantity ?? 0);
}

/**
 * Splits a line's gross amount: commission = floor(gross x bps / 10,000), rounded down per line in
 * the seller's favour, and net = gross - commission, so gross = commission + net holds exactly for
 * every line and so for every sum of lines.
 */
export function settleLine(line: LedgerLine, commissionBps: number): LineSettlement {
  assertBps(commissionBps);
  const units = confirmedUnits(line);
  if (!Number.isSafeInteger(line.unitPrice) || line.unitPrice < 0)
    throw new RangeError(`unit price must be whole won, got ${line.unitPrice}`);
  if (!Number.isSafeInteger(units) || units < 0) throw new RangeError(`units must be a whole number, got ${units}`);
  const gross = line.unitPrice * units;
  // gross <= ORDER_MAX_AMOUNT (< 2^31) and bps <= 10^4: the product stays far below 2^53, exact in a double.
  if (!Number.isSafeInteger(gross * MAX_COMMISSION_BPS)) throw new RangeError(`gross ${gross} is too large to settle exactly`);
  // floor(a / b) in integers: the remainder off first, so no rounding of a quotient is involved.
  const scaled = gross * commissionBps;
  const commission = (scaled - (scaled % MAX_COMMISSION_BPS)) / MAX_COMMISSION_BPS;
  return { gross, commission, net: gross - commission };
}

function assertBps(bps: number): void {
  if (!Number.isInteger(bps) || bps < 0 || bps > MAX_COMMISSION_BPS) {
    throw new RangeError(`commission must be 0..${MAX_COMMISSION_BPS} basis points, got ${bps}`);
  }
}
