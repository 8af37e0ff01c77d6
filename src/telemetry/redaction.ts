/**
 * What may appear on spans (README "Observability"): statement text with placeholders, command
 * names, URL templates. Values a client sent, tokens, passwords, payment keys and card data never.
 */

/** Quoted strings, hex and bit literals, then numbers: each becomes `?` (statements sent with values inlined). */
const SQL_LITERALS = /'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|\b[xXbB]'[^']*'|\b0x[0-9a-fA-F]+\b|\b\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\b/g;

/**
 * A SQL statement as a span may carry it: the text with every literal replaced by `?`. The
 * statements here are sent with `?` placeholders and their values apart, which stay out; this
 * also masks any value a driver or query builder inlined into the text.
 */
export function maskSql(sql: string): string {
  return sql.replace(SQL_LITERALS, '?');
}

/** A Redis command on a span: its name only (keys hold account and session ids, arguments hold values). */
export const redisStatement = (command: string): string => command;

const TOSS_WORDS = new Set(['v1', 'payments', 'confirm', 'cancel', 'orders']);

/**
 * An outgoing request's path as a template: Toss's `/v1/payments/{paymentKey}/cancel` and
 * `/v1/payments/orders/{orderId}` keep their fixed words, every other segment becomes `{id}`
 * (the payment key names a payment in the merchant's account and is not for telemetry).
 */
export function pathTemplate(path: string): string {
  const segments = path.split('?')[0].split('/');
  return segments
    .map((segment, i) => {
      if (segment === '') return segment;
      const previous = segments[i - 1];
      if (previous === 'payments' && segment !== 'confirm' && segment !== 'orders') return '{paymentKey}';
      if (previous === 'orders' && segments[i - 2] === 'payments') return '{orderId}';
      return TOSS_WORDS.has(segment) ? segment : '{id}';
    })
    .join('/');
}

/** An outgoing request's URL attributes with the path as a template and no query (undici's `startSpanHook`). */
export function outgoingUrlAttributes(origin: string, path: string): Record<string, string> {
  const template = pathTemplate(path);
  return { 'url.full': `${origin.replace(/\/+$/, '')}${template}`, 'url.path': template, 'url.query': '' };
}

/**
 * An incoming request's query string with every value replaced (a GET /graphql carries the
 * operation's text and variables there); the parameter names stay.
 */
export function redactedQuery(url: string | undefined): string | undefined {
  const at = url?.indexOf('?') ?? -1;
  if (!url || at < 0) return undefined;
  const names = [...new URLSearchParams(url.slice(at + 1)).keys()];
  return names.map((name) => `${encodeURIComponent(name)}=REDACTED`).join('&');
}
