import { badInput } from '../../schema/errors';

/** Position of a row in a keyset-ordered list: the sort key's value and the row id (the tie-breaker). */
export type KeysetPosition = { sort: string; value: string | number; id: number };

/**
 * What a list's sort key holds, so a cursor's value is checked before it reaches SQL:
 * `epochMs` a time in epoch milliseconds, `text` a string (a name), `integer` a safe integer (a price),
 * `rankEpochMs` a search rank and a time (`"0:1764600000000"`), `none` nothing (0; the id alone orders).
 */
export type CursorValue = 'epochMs' | 'text' | 'integer' | 'rankEpochMs' | 'none';

/** Longer than any cursor this server makes (a NAME cursor holds a product name of at most 100 characters). */
const MAX_CURSOR_LENGTH = 2048;
/** The range of a JavaScript Date (and far past any row's timestamp). */
const MAX_EPOCH_MS = 8.64e15;
const RANK_EPOCH_MS = /^[0-9]:-?[0-9]{1,16}$/;

/** Encodes a keyset position as an opaque cursor (base64url JSON). */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.sort, position.value, position.id])).toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor` for the same sort, with a value of the `value` kind and
 * a positive safe-integer id; anything else is BAD_USER_INPUT on `field`, before any query runs.
 */
export function decodeCursor(cursor: string, sort: string, value: CursorValue, field = 'after'): KeysetPosition {
  try {
    if (cursor.length > 0 && cursor.length <= MAX_CURSOR_LENGTH) {
      const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(parsed) && parsed.length === 3) {
        const [s, v, id] = parsed as unknown[];
        if (s === sort && isValue(v, value) && Number.isSafeInteger(id) && (id as number) > 0) return { sort, value: v, id: id as number };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(field, 'is not a valid cursor for this list and sort order');
}

function isValue(v: unknown, kind: CursorValue): v is string | number {
  switch (kind) {
    case 'epochMs':
      return Number.isSafeInteger(v) && Math.abs(v as number) <= MAX_EPOCH_MS;
    case 'text':
      return typeof v === 'string';
    case 'integer':
      return Number.isSafeInteger(v);
    case 'rankEpochMs':
      return typeof v === 'string' && RANK_EPOCH_MS.test(v) && Math.abs(Number(v.split(':')[1])) <= MAX_EPOCH_MS;
    case 'none':
      return v === 0;
  }
}

/** Checks a page size against the allowed range. */
export function pageSize(first: number | null | undefined, max: number, fallback = max): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw badInput('first', `must be between 1 and ${max}`);
  return size;
}
