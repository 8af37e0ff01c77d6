/**
 * Why a secret from the environment is unfit for production, or undefined when it is fine.
 * The rule (README, Configuration): at least `minLength` characters, at least 8 different
 * characters (no `xxxx...` or `abab...`), not a known default (the development token secret, the
 * compose file's old placeholders) and no placeholder word (change-me, replace-me, placeholder,
 * example, insecure, dev-only, your-..., please-set, super-secret, my-secret, password, qwerty, abcdefgh,
 * 12345678), compared ignoring case, `-`, `_` and spaces.
 * It cannot prove a secret is random; it stops the values people forget to change.
 */
export function weakSecretReason(value: string, options: { minLength: number; knownDefaults?: readonly string[] }): string | undefined {
  if (value.length < options.minLength) return `must be at least ${options.minLength} characters`;
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) {
    return `must have at least ${MIN_DISTINCT_CHARACTERS} different characters (use a random value)`;
  }
  const folded = fold(value);
  if ((options.knownDefaults ?? []).some((d) => fold(d) === folded)) return 'is a published default value; set your own random value';
  const word = PLACEHOLDER_WORDS.find((w) => folded.includes(w));
  if (word) return `looks like a placeholder (contains "${word}"); set your own random value`;
  return undefined;
}

/** True when `value` holds a placeholder word (for values such as Toss keys whose length and alphabet are not ours). */
export function looksLikePlaceholder(value: string): boolean {
  const folded = fold(value);
  return PLACEHOLDER_WORDS.some((w) => folded.includes(w));
}

const MIN_DISTINCT_CHARACTERS = 8;

/** Folded forms (lower case, no `-`, `_` or spaces). */
const PLACEHOLDER_WORDS = [
  'changeme',
  'replaceme',
  'placeholder',
  'example',
  'insecure',
  'devonly',
  'yoursecret',
  'yourinvite',
  'yourkey',
  'pleaseset',
  'supersecret',
  'mysecret',
  'password',
  'qwerty',
  'abcdefgh',
  '12345678',
];

const fold = (value: string): string => value.toLowerCase().replace(/[-_\s]/g, '');
