import { badInput } from '../../schema/errors';

/** Position of a row in a keyset-ordered list: the sort key's value and the row id (the tie-breaker). */
export type KeysetPosition = { sort: string; value: string | number; id: number };

/** Encodes a keyset position as an opaque cursor (base64url JSON). */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.sort, position.value, position.id])).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` for the same sort; anything else is BAD_USER_INPUT on `field`. */
export function decodeCursor(cursor: string, sort: string, field = 'after'): KeysetPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3) {
      const [s, value, id] = parsed as unknown[];
      if (s === sort && (typeof value === 'string' || typeof value === 'number') && Number.isInteger(id) && (id as number) > 0) {
        return { sort, value, id: id as number };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(field, 'is not a valid cursor for this list and sort order');
}

/** Checks a page size against the allowed range. */
export function pageSize(first: number | null | undefined, max: number, fallback = max): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw badInput('first', `must be between 1 and ${max}`);
  return size;
}
