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
  const everything = entries.find(tooBroad);
  if (everything)
    return {
      error: `has ${JSON.stringify(everything)}, a range of every address or near it, ${TRUST_PROXY_TRUE_REFUSED.replace(/^is true, /, '')}`,
    };
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

/**
 * A range no set of proxies fills: wider than /8 for IPv4, /7 for IPv6 (fc00::/7, the unique local
 * range, is the widest allowed), or /104 for IPv4-mapped IPv6 (`::ffff:0.0.0.0/96` is every IPv4
 * client). Trusting it is trusting `X-Forwarded-For` from anyone.
 */
function tooBroad(entry: string): boolean {
  const [address, prefix] = entry.split('/');
  if (prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (isIP(address) === 4) return bits < 8;
  return /^::ffff:/i.test(address) ? bits < 104 : bits < 7;
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
