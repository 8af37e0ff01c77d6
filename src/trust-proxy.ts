import { isIP } from 'node:net';

/**
 * Which proxies in front of the app may name the client in `X-Forwarded-For`, in a form Express's
 * `trust proxy` setting takes: `false` (none: the client is the socket's peer), a hop count (the
 * last N addresses were appended by our own proxies), or the proxies' addresses and CIDR ranges
 * (and Express's names `loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = false | number | readonly string[];

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 10;

/** Why `TRUST_PROXY=true` is refused, and what to set instead (README, Configuration). */
export const TRUST_PROXY_TRUE_REFUSED =
  'is true, which trusts every X-Forwarded-For entry: the leftmost one is written by the client, so anyone could pick ' +
  'the address that IP rate limits and login lockouts count. Set the number of proxies in front of the app instead ' +
  '(TRUST_PROXY=1 behind one load balancer), or their addresses or ranges (TRUST_PROXY=10.0.0.0/8,loopback), or false';

/** Parses TRUST_PROXY; returns the value for Express or the reason it is refused. */
export function parseTrustProxy(raw: string | undefined): { value: TrustProxy } | { error: string } {
  const v = raw?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'false' || v === 'no' || v === '0') return { value: false };
  if (v === 'true' || v === 'yes') return { error: TRUST_PROXY_TRUE_REFUSED };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= MAX_HOPS ? { value: hops } : { error: `must be a hop count from 0 to ${MAX_HOPS}, or proxy addresses` };
  }
  const entries = v.split(',').map((s) => s.trim());
  const everything = entries.find((e) => /\/0+$/.test(e));
  if (everything)
    return { error: `has ${JSON.stringify(everything)}, a range of every address, ${TRUST_PROXY_TRUE_REFUSED.replace(/^is true, /, '')}` };
  const bad = entries.filter((e) => !NAMES.has(e) && !isAddressOrRange(e));
  if (bad.length) {
    return {
      error:
        `has ${bad.map((b) => JSON.stringify(b)).join(', ')}, which is not an IP address, a CIDR range or one of ` +
        'loopback, linklocal, uniquelocal (use false, a hop count such as 1, or a comma-separated list)',
    };
  }
  return { value: Object.freeze(entries) };
}

/** `10.1.2.3`, `10.0.0.0/8`, `fd00::/8`: an address, optionally with a prefix length that fits its family. */
function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
