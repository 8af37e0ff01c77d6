import { confirmedUnits, MAX_COMMISSION_BPS, settleLine } from '../../src/services/settlement/commission';

describe('settlement commission (floor per line)', () => {
  it('takes floor(gross x bps / 10,000) as commission and leaves the rest to the seller', () => {
    // 10 %: 999 -> 99.9 -> 99; 1001 -> 100.1 -> 100; 33333 -> 3333.3 -> 3333.
    expect(settleLine({ unitPrice: 999, quantity: 1 }, 1000)).toEqual({ gross: 999, commission: 99, net: 900 });
    expect(settleLine({ unitPrice: 1001, quantity: 1 }, 1000)).toEqual({ gross: 1001, commission: 100, net: 901 });
    expect(settleLine({ unitPrice: 33333, quantity: 1 }, 1000)).toEqual({ gross: 33333, commission: 3333, net: 30000 });
    // 3.33 %: 999 -> 33.2667 -> 33; 1001 -> 33.3333 -> 33; 33333 x 3 = 99999 -> 3329.9667 -> 3329.
    expect(settleLine({ unitPrice: 999, quantity: 1 }, 333)).toEqual({ gross: 999, commission: 33, net: 966 });
    expect(settleLine({ unitPrice: 1001, quantity: 1 }, 333)).toEqual({ gross: 1001, commission: 33, net: 968 });
    expect(settleLine({ unitPrice: 33333, quantity: 3 }, 333)).toEqual({ gross: 99999, commission: 3329, net: 96670 });
  });

  it('rounds per line: the commission of a sum of lines may exceed the sum of their commissions', () => {
    const lines = [999, 1001, 33333].map((unitPrice) => settleLine({ unitPrice, quantity: 1 }, 1000));
    const total = lines.reduce((s, l) => ({ gross: s.gross + l.gross, commission: s.commission + l.commission, net: s.net + l.net }));
    expect(total).toEqual({ gross: 35333, commission: 3532, net: 31801 });
    // One line of the same gross would pay floor(3533.3) = 3533: the ledger never rounds a total.
    expect(settleLine({ unitPrice: 35333, quantity: 1 }, 1000).commission).toBe(3533);
  });

  it('keeps gross = commission + net exactly, for any price, quantity and rate', () => {
    let seed = 42;
    const next = (max: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % max;
    for (let i = 0; i < 2000; i++) {
      const line = { unitPrice: 1 + next(100_000_000), quantity: 1 + next(21) };
      const bps = next(MAX_COMMISSION_BPS + 1);
      const { gross, commission, net } = settleLine(line, bps);
      expect(gross).toBe(line.unitPrice * line.quantity);
      expect(commission + net).toBe(gross);
      expect(commission).toBe(Math.floor((gross * bps) / MAX_COMMISSION_BPS));
      expect(commission).toBeGreaterThanOrEqual(0);
      expect(net).toBeGreaterThanOrEqual(0);
    }
  });

  it('takes nothing at 0 bp and everything at 10,000 bp', () => {
    expect(settleLine({ unitPrice: 12345, quantity: 2 }, 0)).toEqual({ gross: 24690, commission: 0, net: 24690 });
    expect(settleLine({ unitPrice: 12345, quantity: 2 }, 10_000)).toEqual({ gross: 24690, commission: 24690, net: 0 });
  });

  it('refuses a rate outside 0..10,000 bp and amounts that are not whole won', () => {
    expect(() => settleLine({ unitPrice: 1000, quantity: 1 }, -1)).toThrow(RangeError);
    expect(() => settleLine({ unitPrice: 1000, quantity: 1 }, 10_001)).toThrow(RangeError);
    expect(() => settleLine({ unitPrice: 1000, quantity: 1 }, 10.5)).toThrow(RangeError);
    expect(() => settleLine({ unitPrice: 10.5, quantity: 1 }, 1000)).toThrow(RangeError);
    expect(() => settleLine({ unitPrice: 1000, quantity: -1 }, 1000)).toThrow(RangeError);
  });

  it('counts every unit of a confirmed line (until partial refunds subtract cancelled ones)', () => {
    expect(confirmedUnits({ unitPrice: 500, quantity: 7 })).toBe(7);
  });
});
