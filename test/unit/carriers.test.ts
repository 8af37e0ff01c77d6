import { CARRIERS, Carrier, parseTrackingNumber, trackingUrl } from '../../src/services/shipping/carriers';

/** A number of `length` digits that is not all one digit, so a dropped or repeated digit shows. */
function digitsOf(length: number): string {
  return Array.from({ length }, (_, i) => String((i + 1) % 10)).join('');
}

/** `1234-5678-90`: the digits in groups of four joined by `separator`. */
function grouped(value: string, separator: string): string {
  return value.match(/.{1,4}/g)!.join(separator);
}

const ALL = Object.values(Carrier);

describe('carrier catalog', () => {
  it('has an entry, with both names and at least one length, for every carrier of the enum', () => {
    expect(Object.keys(CARRIERS).sort()).toEqual([...ALL].sort());
    for (const carrier of ALL) {
      expect(CARRIERS[carrier].nameKo).not.toBe('');
      expect(CARRIERS[carrier].nameEn).not.toBe('');
      expect(CARRIERS[carrier].digits.length).toBeGreaterThan(0);
    }
  });

  it('accepts exactly the documented digit counts', () => {
    const expected: Record<Carrier, number[]> = {
      [Carrier.CJ_LOGISTICS]: [10, 12],
      [Carrier.HANJIN]: [10, 12, 14],
      [Carrier.LOTTE]: [10, 12, 13],
      [Carrier.EPOST]: [13],
      [Carrier.LOGEN]: [11],
      [Carrier.KDEXP]: [13],
      [Carrier.CU_POST]: [10, 11, 12],
      [Carrier.GS_POSTBOX]: [10, 12],
      [Carrier.DAESIN]: [12, 13],
      [Carrier.ILYANG]: [10],
      [Carrier.CHUNIL]: [11],
    };
    for (const carrier of ALL) {
      const accepted = [];
      for (let length = 1; length <= 30; length++) {
        if (parseTrackingNumber(carrier, digitsOf(length)).ok) accepted.push(length);
      }
      expect({ carrier, accepted }).toEqual({ carrier, accepted: expected[carrier] });
    }
  });
});

describe('parseTrackingNumber', () => {
  it.each(ALL)('%s: accepts its numbers bare, hyphenated and spaced, and returns the digits', (carrier) => {
    for (const length of CARRIERS[carrier].digits) {
      const value = digitsOf(length);
      for (const input of [value, grouped(value, '-'), grouped(value, ' '), ` ${value}\t`, grouped(value, ' - ')]) {
        expect(parseTrackingNumber(carrier, input)).toEqual({ ok: true, value });
      }
    }
  });

  it.each(ALL)('%s: refuses a length it does not issue, naming the lengths it does', (carrier) => {
    const { digits, nameKo } = CARRIERS[carrier];
    const wrong = [digits[0] - 1, Math.max(...digits) + 1, 30].filter((n) => n > 0 && !digits.includes(n));
    for (const length of wrong) {
      const result = parseTrackingNumber(carrier, digitsOf(length));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toContain(nameKo);
      expect(!result.ok && result.reason).toContain(`not ${length}`);
    }
  });

  it.each(ALL)('%s: refuses letters and other characters, wherever they are', (carrier) => {
    const value = digitsOf(CARRIERS[carrier].digits[0]);
    for (const input of [
      `A${value.slice(1)}`,
      `${value.slice(0, -1)}x`,
      `${value.slice(0, 5)}.${value.slice(5)}`,
      `${value.slice(0, 5)}/${value.slice(5)}`,
      `${value.slice(0, 5)}–${value.slice(5)}`, // an en dash is not a hyphen
      `１${value.slice(1)}`, // a full-width digit
      `${value}#`,
      `EE123456789KR`,
    ]) {
      expect(parseTrackingNumber(carrier, input)).toEqual({
        ok: false,
        reason: 'A tracking number has only digits (spaces and hyphens are ignored).',
      });
    }
  });

  it.each(ALL)('%s: refuses an empty number, or one of only spaces and hyphens', (carrier) => {
    for (const input of ['', ' ', '---', ' - \t ']) {
      expect(parseTrackingNumber(carrier, input)).toEqual({ ok: false, reason: 'The tracking number is empty.' });
    }
  });

  it('refuses input longer than 64 characters before reading it, even of valid digits and spaces', () => {
    const padded = `${digitsOf(12)}${' '.repeat(53)}`;
    expect(padded).toHaveLength(65);
    expect(parseTrackingNumber(Carrier.CJ_LOGISTICS, padded)).toEqual({
      ok: false,
      reason: 'A tracking number is at most 64 characters.',
    });
    expect(parseTrackingNumber(Carrier.CJ_LOGISTICS, padded.slice(0, 64))).toEqual({ ok: true, value: digitsOf(12) });
    expect(parseTrackingNumber(Carrier.CJ_LOGISTICS, '1'.repeat(100_000)).ok).toBe(false);
  });

  it('names the lengths in its reason', () => {
    expect(parseTrackingNumber(Carrier.HANJIN, digitsOf(11))).toEqual({
      ok: false,
      reason: '한진택배 tracking numbers have 10, 12 or 14 digits, not 11.',
    });
    expect(parseTrackingNumber(Carrier.EPOST, digitsOf(12))).toEqual({
      ok: false,
      reason: '우체국택배 tracking numbers have 13 digits, not 12.',
    });
  });

  it('refuses a carrier outside the enum, including names of Object.prototype', () => {
    for (const name of ['DHL', 'constructor', '__proto__', 'toString', '']) {
      expect(parseTrackingNumber(name as Carrier, digitsOf(12))).toEqual({ ok: false, reason: 'Unknown carrier.' });
    }
  });
});

describe('trackingUrl', () => {
  it('builds each carrier’s public tracking page from the normalised number', () => {
    const urls: Record<Carrier, string> = {
      [Carrier.CJ_LOGISTICS]: 'https://trace.cjlogistics.com/next/tracking.html?wblNo=123456789012',
      [Carrier.HANJIN]: 'https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?mCode=MN038&schLang=KR&wblnum=123456789012',
      [Carrier.LOTTE]: 'https://www.lotteglogis.com/home/reservation/tracking/linkView?InvNo=123456789012',
      [Carrier.EPOST]: 'https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1=1234567890123',
      [Carrier.LOGEN]: 'https://www.ilogen.com/web/personal/trace/12345678901',
      [Carrier.KDEXP]: 'https://kdexp.com/newDeliverySearch.kd?barcode=1234567890123',
      [Carrier.CU_POST]: 'https://www.cupost.co.kr/postbox/delivery/localResult.cupost?invoice_no=123456789012',
      [Carrier.GS_POSTBOX]: 'https://www.cvsnet.co.kr/invoice/tracking.do?invoice_no=123456789012',
      [Carrier.DAESIN]: 'https://www.ds3211.co.kr/freight/internalFreightSearch.ht?billno=123456789012',
      [Carrier.ILYANG]: 'https://www.ilyanglogis.com/functionality/tracking_result.asp?hawb_no=1234567890',
      [Carrier.CHUNIL]: 'https://www.chunil.co.kr/HTrace/HTrace.jsp?transNo=12345678901',
    };
    for (const carrier of ALL) {
      const sample = digitsOf(CARRIERS[carrier].digits.includes(12) ? 12 : CARRIERS[carrier].digits[0]);
      const parsed = parseTrackingNumber(carrier, grouped(sample, '-'));
      expect(parsed).toEqual({ ok: true, value: sample });
      expect(trackingUrl(carrier, sample)).toBe(urls[carrier]);
    }
  });

  it('URL-encodes what it is given, so a caller that skipped parsing cannot reshape the URL', () => {
    expect(trackingUrl(Carrier.LOGEN, '1/../x?y=1#z')).toBe('https://www.ilogen.com/web/personal/trace/1%2F..%2Fx%3Fy%3D1%23z');
    expect(trackingUrl(Carrier.CJ_LOGISTICS, '1&wblNo=2')).toBe('https://trace.cjlogistics.com/next/tracking.html?wblNo=1%26wblNo%3D2');
  });

  it('throws for a carrier outside the enum', () => {
    expect(() => trackingUrl('constructor' as Carrier, '123')).toThrow('Unknown carrier');
  });
});
