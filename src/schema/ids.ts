/** Parses a numeric GraphQL ID; null when it is not a positive integer (callers answer NOT_FOUND). */
export function parseNumericId(id: string | number | null | undefined): number | null {
  if (id === null || id === undefined) return null;
  const text = String(id);
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const n = Number(text);
  return n <= 4294967295 ? n : null;
}
