/**
 * A connection URL for logs, /readyz and the profile lines, its password shown as `***`.
 * `hideQuery`: the query string is shown as `?***` too, for URLs whose driver options there may
 * hold a password (the read replicas' MySQL URLs).
 */
export function redactUrl(url: string, options: { hideQuery?: boolean } = {}): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (options.hideQuery && u.search) u.search = '?***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
