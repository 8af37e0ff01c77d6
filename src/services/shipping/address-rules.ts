/**
 * The rules of a shipping address (배송지), as pure functions: what each field accepts and how it is
 * stored. The service applies them to every add and update; each refusal names its input field.
 */

/** How many addresses one customer may keep. */
export const MAX_ADDRESSES_PER_CUSTOMER = 20;

/** Length limits in characters (Unicode code points), counted after trimming. */
export const ADDRESS_LIMITS = {
  recipientName: { min: 1, max: 50 },
  roadAddress: { min: 1, max: 200 },
  detail: { min: 0, max: 100 },
  memo: { min: 0, max: 100 },
} as const;

export type TextField = keyof typeof ADDRESS_LIMITS;

/** A rule's verdict: the stored value, or why the input was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refused = <T>(message: string): Checked<T> => ({ ok: false, message });

// Control characters (newlines, tabs, NUL...) have no place on a shipping label.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Trims a text field and checks its length; `detail` and `memo` may be empty (memo is then stored as null). */
export function checkText(field: TextField, raw: string): Checked<string> {
  const value = raw.trim();
  const { min, max } = ADDRESS_LIMITS[field];
  const length = [...value].length;
  if (CONTROL.test(value)) return refused(`${field} must not contain control characters such as line breaks`);
  if (length < min || length > max) {
    return refused(min > 0 ? `${field} must be ${min} to ${max} characters long` : `${field} must be at most ${max} characters`);
  }
  return ok(value);
}

/** 우편번호: exactly five digits (surrounding spaces are ignored). */
export function checkPostcode(raw: string): Checked<string> {
  const value = raw.trim();
  return /^\d{5}$/.test(value) ? ok(value) : refused('postcode must be exactly 5 digits (우편번호, e.g. 06236)');
}

// Korean numbers, written with their leading 0 and without separators. The part after the prefix never starts with 0.
const PHONE_PATTERNS: RegExp[] = [
  /^01[016789][1-9]\d{6,7}$/, // mobile 010, 011, 016, 017, 018, 019: 10 or 11 digits
  /^02[1-9]\d{6,7}$/, // Seoul 02: 9 or 10 digits
  /^0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])[1-9]\d{6,7}$/, // other area codes 031-064: 10 or 11 digits
  /^070[1-9]\d{7}$/, // internet phones 070: 11 digits
  /^1[568]\d{6}$/, // representative numbers 15xx, 16xx, 18xx (e.g. 1588-1234): 8 digits
];

export const PHONE_FORMAT =
  'a Korean phone number: mobile 010/011/016-019, Seoul 02, area codes 031-064, 070, or a 15xx/16xx/18xx number, e.g. 010-1234-5678 or +82 10-1234-5678';

/**
 * A Korean phone number, normalised to its digits with the leading 0 (`01012345678`, `0212345678`,
 * `15881234`). Spaces, dots, hyphens and parentheses between digits are ignored, and a `+82` prefix
 * stands for the leading 0 (`+82 10-1234-5678`, also `+82 010-...`).
 */
export function normalisePhone(raw: string): Checked<string> {
  const text = raw.trim();
  const bad = refused<string>(`phone must be ${PHONE_FORMAT}`);
  if (text.length > 30 || !/^(\+ *)?[\d .()-]+$/.test(text)) return bad;
  let digits = text.replace(/\D/g, '');
  if (text.startsWith('+')) {
    if (!digits.startsWith('82')) return bad;
    digits = digits.slice(2);
    if (!digits.startsWith('0')) digits = `0${digits}`;
  }
  return PHONE_PATTERNS.some((pattern) => pattern.test(digits)) ? ok(digits) : bad;
}
