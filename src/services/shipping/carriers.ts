/**
 * Korean parcel carriers (택배사): who they are, which tracking numbers (송장번호) they issue, and
 * where a customer follows a parcel. A pure table with two functions, the building block for
 * per-seller shipments (#15); nothing here touches the network or the database.
 *
 * SOURCES for the digit counts (no carrier publishes its numbering rules):
 * - [DT]  shlee322/delivery-tracker (the open-source engine behind tracker.delivery), the
 *         validation its scrapers run before asking a carrier, `packages/core/src/carriers/kr.*`
 *         (2023 rewrite, still current in 2025) and the 2018-2023 `packages/apiserver/carriers`.
 * - [B4]  B4TT3RY/DeliveryTracker (`server/src/couriers/kr/*.rs`, Dec 2021), each courier's `validate`.
 * Where the two disagree, every count either of them accepts is accepted here (noted per row), so
 * a real number is never refused; a count neither names is refused.
 *
 * CHECK DIGITS: none is checked. [DT] checks Lotte's 12-digit numbers with "first 11 digits mod 7 =
 * last digit" and its 2018 code did the same for Hanjin, but its 2023 rewrite dropped the Hanjin
 * check, [B4] checks nothing, and no carrier documents one; refusing a real waybill would stop a
 * seller from shipping, which costs more than a typo caught later.
 */
export enum Carrier {
  CJ_LOGISTICS = 'CJ_LOGISTICS',
  HANJIN = 'HANJIN',
  LOTTE = 'LOTTE',
  EPOST = 'EPOST',
  LOGEN = 'LOGEN',
  KDEXP = 'KDEXP',
  CU_POST = 'CU_POST',
  GS_POSTBOX = 'GS_POSTBOX',
  DAESIN = 'DAESIN',
  ILYANG = 'ILYANG',
  CHUNIL = 'CHUNIL',
}

export interface CarrierInfo {
  readonly nameKo: string;
  readonly nameEn: string;
  /** The lengths, in digits, of the tracking numbers the carrier issues. */
  readonly digits: readonly number[];
  /** The carrier's public tracking page for a number already URL-encoded. */
  readonly trackingUrl: (encodedNumber: string) => string;
}

export const CARRIERS: Readonly<Record<Carrier, CarrierInfo>> = Object.freeze({
  // [DT] and [B4]: 10 or 12.
  [Carrier.CJ_LOGISTICS]: {
    nameKo: 'CJ대한통운',
    nameEn: 'CJ Logistics',
    digits: [10, 12],
    trackingUrl: (n) => `https://trace.cjlogistics.com/next/tracking.html?wblNo=${n}`,
  },
  // [DT] 2018-2023: 10 or 12; [DT] 2023 and [B4]: 12 or 14.
  [Carrier.HANJIN]: {
    nameKo: '한진택배',
    nameEn: 'Hanjin Express',
    digits: [10, 12, 14],
    trackingUrl: (n) => `https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?mCode=MN038&schLang=KR&wblnum=${n}`,
  },
  // [DT]: 12; [B4]: 10, 12 or 13.
  [Carrier.LOTTE]: {
    nameKo: '롯데택배',
    nameEn: 'Lotte Global Logistics',
    digits: [10, 12, 13],
    trackingUrl: (n) => `https://www.lotteglogis.com/home/reservation/tracking/linkView?InvNo=${n}`,
  },
  // [B4]: 13 ([DT] checks no length). International EMS numbers (EE123456789KR) are not parcels.
  [Carrier.EPOST]: {
    nameKo: '우체국택배',
    nameEn: 'Korea Post',
    digits: [13],
    trackingUrl: (n) => `https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1=${n}`,
  },
  // [B4]: 11 ([DT]: digits only, no length).
  [Carrier.LOGEN]: {
    nameKo: '로젠택배',
    nameEn: 'Logen',
    digits: [11],
    trackingUrl: (n) => `https://www.ilogen.com/web/personal/trace/${n}`,
  },
  // [B4]: 13 ([DT] checks no length).
  [Carrier.KDEXP]: {
    nameKo: '경동택배',
    nameEn: 'Kyungdong Express',
    digits: [13],
    trackingUrl: (n) => `https://kdexp.com/newDeliverySearch.kd?barcode=${n}`,
  },
  // CU's parcels travel on CJ대한통운 waybills ([DT] tracks kr.cupost as CJ): [B4] 10 to 12.
  [Carrier.CU_POST]: {
    nameKo: 'CU 편의점택배',
    nameEn: 'CU Post',
    digits: [10, 11, 12],
    trackingUrl: (n) => `https://www.cupost.co.kr/postbox/delivery/localResult.cupost?invoice_no=${n}`,
  },
  // [B4]: 10 or 12 (its earlier "up to 13" was replaced by these two); [DT] checks no length.
  [Carrier.GS_POSTBOX]: {
    nameKo: 'GS Postbox 택배',
    nameEn: 'GS Postbox',
    digits: [10, 12],
    trackingUrl: (n) => `https://www.cvsnet.co.kr/invoice/tracking.do?invoice_no=${n}`,
  },
  // [B4]: 12 or 13.
  [Carrier.DAESIN]: {
    nameKo: '대신택배',
    nameEn: 'Daesin Logistics',
    digits: [12, 13],
    trackingUrl: (n) => `https://www.ds3211.co.kr/freight/internalFreightSearch.ht?billno=${n}`,
  },
  // [B4]: 10.
  [Carrier.ILYANG]: {
    nameKo: '일양로지스',
    nameEn: 'Ilyang Logis',
    digits: [10],
    trackingUrl: (n) => `https://www.ilyanglogis.com/functionality/tracking_result.asp?hawb_no=${n}`,
  },
  // [B4]: 11.
  [Carrier.CHUNIL]: {
    nameKo: '천일택배',
    nameEn: 'Chunil Express',
    digits: [11],
    trackingUrl: (n) => `https://www.chunil.co.kr/HTrace/HTrace.jsp?transNo=${n}`,
  },
});

export type ParsedTrackingNumber = { ok: true; value: string } | { ok: false; reason: string };

/** Longer input is refused before it is looked at: no carrier's number comes near it, even spaced out. */
const MAX_INPUT_LENGTH = 64;

/**
 * A tracking number as typed (`1234-5678-9012`, `1234 5678 9012`) normalised to its digits, or the
 * reason, fit to show a seller, why the carrier issues no such number.
 */
export function parseTrackingNumber(carrier: Carrier, input: string): ParsedTrackingNumber {
  const info = carrierInfo(carrier);
  if (!info) return { ok: false, reason: 'Unknown carrier.' };
  if (input.length > MAX_INPUT_LENGTH) return { ok: false, reason: `A tracking number is at most ${MAX_INPUT_LENGTH} characters.` };
  const value = input.replace(/[\s-]/g, '');
  if (value === '') return { ok: false, reason: 'The tracking number is empty.' };
  if (!/^[0-9]+$/.test(value)) return { ok: false, reason: 'A tracking number has only digits (spaces and hyphens are ignored).' };
  if (!info.digits.includes(value.length)) {
    return { ok: false, reason: `${info.nameKo} tracking numbers have ${digitList(info.digits)} digits, not ${value.length}.` };
  }
  return { ok: true, value };
}

/** Whether a stored or raw value names a carrier of the table. */
export const isCarrier = (value: string): value is Carrier => Object.hasOwn(CARRIERS, value);

/** The carrier's public tracking page for a number from `parseTrackingNumber`. */
export function trackingUrl(carrier: Carrier, normalised: string): string {
  const info = carrierInfo(carrier);
  if (!info) throw new Error(`Unknown carrier: ${String(carrier)}`);
  return info.trackingUrl(encodeURIComponent(normalised));
}

// The enum guards typed callers; this guards the rest (a stored value, a raw string) against
// reaching `Object.prototype` through a name like `constructor`.
function carrierInfo(carrier: Carrier): CarrierInfo | undefined {
  return Object.hasOwn(CARRIERS, carrier) ? CARRIERS[carrier] : undefined;
}

function digitList(digits: readonly number[]): string {
  return digits.length === 1 ? String(digits[0]) : `${digits.slice(0, -1).join(', ')} or ${digits[digits.length - 1]}`;
}
