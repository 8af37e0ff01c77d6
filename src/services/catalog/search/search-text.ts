/**
 * The text rules of product search, shared by the index (what is stored) and the query (what is
 * looked up), so both sides always agree. Pure functions; no database.
 *
 * Text is compared after `normalize`: Unicode NFKC (full-width Latin and digits become ASCII,
 * compatibility jamo and syllables compose alike), lower case, and only letters, marks and digits
 * kept: spaces and punctuation vanish, so "나이키 운동화", "나이키-운동화" and "나이키운동화" are one
 * text, and a query finds a word inside a compound ("운동화" in "나이키운동화").
 */

/** Letters (any script, Hangul included), combining marks and digits: everything else is dropped. */
const NOT_SEARCHABLE = /[^\p{L}\p{M}\p{N}]+/gu;

export const MAX_SEARCH_LENGTH = 100;
export const MAX_SEARCH_WORDS = 8;
/** Grams looked up per word: a long word is checked in full afterwards, so a few spread grams narrow enough. */
const MAX_GRAMS_PER_WORD = 6;

/** The searchable form of a text (see the module comment). */
export function normalize(text: string): string {
  // Greek final sigma: "ΚΟΣ" lower-cases to "κος" (final ς) but is the start of "κοσμος"; one sigma matches both.
  return text.normalize('NFKC').toLowerCase().normalize('NFKC').replace(/ς/g, 'σ').replace(NOT_SEARCHABLE, '');
}

/** Characters as code points, so a character outside the BMP counts as one (as it does in MySQL and SQLite). */
const codePoints = (text: string): string[] => Array.from(text);

/**
 * The grams a normalized text is indexed under: every character and every pair of neighbouring
 * characters, each once. Any query word of one character is then one lookup, and a longer word
 * needs all of its pairs.
 */
export function indexGrams(normalized: string): string[] {
  const chars = codePoints(normalized);
  const grams = new Set<string>(chars);
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i] + chars[i + 1]);
  return [...grams];
}

/**
 * The grams a query word is looked up by: the word itself when it is one character, else up to
 * MAX_GRAMS_PER_WORD of its pairs spread along it (first and last included). A product holding
 * them all is a candidate; the word itself is then checked against the stored text.
 */
export function queryGrams(word: string): string[] {
  const chars = codePoints(word);
  if (chars.length === 1) return chars;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) pairs.push(chars[i] + chars[i + 1]);
  const unique = [...new Set(pairs)];
  if (unique.length <= MAX_GRAMS_PER_WORD) return unique;
  const step = (unique.length - 1) / (MAX_GRAMS_PER_WORD - 1);
  return [...new Set(Array.from({ length: MAX_GRAMS_PER_WORD }, (_, i) => unique[Math.round(i * step)]))];
}

/**
 * A search string as the words that must all match: split on whitespace, each normalized,
 * empty ones (punctuation only) dropped, duplicates and words contained in another word dropped
 * (they add nothing: "운동화 운동" matches exactly what "운동화" matches). Empty when nothing
 * searchable is left.
 */
export function searchWords(search: string): string[] {
  const words = [
    ...new Set(
      search
        .split(/\s+/u)
        .map(normalize)
        .filter((w) => w.length > 0),
    ),
  ];
  return words.filter((w, i) => !words.some((other, j) => j !== i && other.includes(w)));
}
