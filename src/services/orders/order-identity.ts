import { randomBytes } from 'node:crypto';

/** Toss's rule for orderId: 6-64 characters of letters, digits, `-` and `_`. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;
export const ORDER_NAME_MAX = 100;

/** A new unguessable orderId: a sortable date stamp plus 128 random bits (base64url), 32 characters. */
export function newOrderId(now = new Date()): string {
  const stamp = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `${stamp}-${randomBytes(16).toString('base64url')}`;
}

/** The name Toss shows the buyer: the first product, plus "외 N건" for the rest, at most 100 characters. */
export function orderNameFor(productNames: readonly string[]): string {
  if (productNames.length === 0) throw new Error('an order needs at least one line');
  const suffix = productNames.length > 1 ? ` 외 ${productNames.length - 1}건` : '';
  const first = [...productNames[0].trim()];
  const room = ORDER_NAME_MAX - suffix.length;
  // Count code points, not UTF-16 units, so a Hangul or emoji name is never cut in half.
  const head = first.length > room ? `${first.slice(0, room - 1).join('')}…` : first.join('');
  return head + suffix;
}
