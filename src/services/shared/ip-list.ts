import { BlockList, isIP } from 'node:net';

/** One entry of an address list: a single address or a CIDR block, v4 or v6. */
export type IpRule = { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' };

/**
 * Parses a comma-separated list of addresses and CIDR blocks (`203.0.113.7, 2001:db8::/32`).
 * Returns the rules, or the entries that are neither.
 */
export function parseIpList(text: string): { rules: IpRule[]; invalid: string[] } {
  const rules: IpRule[] = [];
  const invalid: string[] = [];
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [address, prefixText, ...extra] = entry.split('/');
    const version = isIP(address);
    const prefix = prefixText === undefined ? null : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    const maxPrefix = version === 6 ? 128 : 32;
    if (!version || extra.length > 0 || (prefix !== null && !(prefix >= 0 && prefix <= maxPrefix))) invalid.push(entry);
    else rules.push({ address, prefix, family: version === 6 ? 'ipv6' : 'ipv4' });
  }
  return { rules, invalid };
}

/** A membership test over `rules`; IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) count as their IPv4 address. */
export function ipMatcher(rules: readonly IpRule[]): (ip: string | undefined) => boolean {
  const list = new BlockList();
  for (const rule of rules) {
    if (rule.prefix === null) list.addAddress(rule.address, rule.family);
    else list.addSubnet(rule.address, rule.prefix, rule.family);
  }
  return (ip) => {
    if (!ip) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const address = mapped ? mapped[1] : ip;
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 6 ? 'ipv6' : 'ipv4');
  };
}
