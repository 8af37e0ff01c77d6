import { TossError } from './errors';

/** orderId rule the sandbox accepts (§7): 6–64 of [A-Za-z0-9_=-]. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_=-]{6,64}$/;

/** An error code as used by Toss: upper snake case. */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,99}$/;

/** The JSON body as an object; anything else is INVALID_REQUEST. */
export function asRecord(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TossError('INVALID_REQUEST');
  return body as Record<string, unknown>;
}

/** True for a JSON number that is an integer ≥ `min`. */
export function isIntegerAtLeast(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** A required string of 1..max characters, else INVALID_REQUEST. */
export function requireString(value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new TossError('INVALID_REQUEST');
  return value;
}

/** A valid orderId, else INVALID_REQUEST. */
export function requireOrderId(value: unknown): string {
  if (typeof value !== 'string' || !ORDER_ID_PATTERN.test(value)) throw new TossError('INVALID_REQUEST');
  return value;
}

/** A positive KRW integer amount, else INVALID_REQUEST. */
export function requireAmount(value: unknown): number {
  if (!isIntegerAtLeast(value, 1)) throw new TossError('INVALID_REQUEST');
  return value;
}

/** An optional integer ≥ min (`null` counts as absent), else INVALID_REQUEST. */
export function optionalInteger(value: unknown, min: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isIntegerAtLeast(value, min)) throw new TossError('INVALID_REQUEST');
  return value;
}
